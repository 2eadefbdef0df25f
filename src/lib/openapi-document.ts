/**
 * Makes /openapi.json say what the API really answers. Routes declare their own outcomes; the
 * layers every `/v1` request passes through first (src/app.ts) add statuses no route declares
 * by itself, so they are declared here, once, where those layers are known:
 *
 * - 429 on every `/v1` operation (rate limiting, per caller and per IP for unproven credentials);
 * - 413 and 415 on every operation that takes a JSON body (body limit, media type);
 * - 409 and 422 on every `/v1` POST (`Idempotency-Key` still running, or reused for another request).
 *
 * Each added response reuses the operation's own error content, so OpenAI-compatible paths keep
 * their OpenAI error shape.
 */

interface Operation {
  requestBody?: { content?: Record<string, unknown> };
  responses?: Record<string, { description: string; content?: unknown }>;
}

const ERROR_CONTENT = { "application/json": { schema: { $ref: "#/components/schemas/Error" } } };

const MIDDLEWARE_RESPONSES = {
  429: "Rate limited (see retry-after)",
  413: "Request body too large",
  415: "Request body is not JSON (content-type: application/json)",
  409: "An earlier request with this Idempotency-Key is still running (retry)",
  422: "This Idempotency-Key was used for a different request",
} as const;

function statusesFor(path: string, method: string, op: Operation): Array<keyof typeof MIDDLEWARE_RESPONSES> {
  if (!path.startsWith("/v1/")) return [];
  const statuses: Array<keyof typeof MIDDLEWARE_RESPONSES> = [429];
  if (op.requestBody?.content?.["application/json"]) statuses.push(413, 415);
  if (method === "post") statuses.push(409, 422);
  return statuses;
}

/** Adds the middleware's statuses to every operation of a generated document (in place) and returns it. */
export function declareMiddlewareResponses<D extends { paths?: object }>(doc: D): D {
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const [method, value] of Object.entries(item as Record<string, unknown>)) {
      const op = value as Operation;
      if (typeof op !== "object" || op === null || !op.responses) continue;
      const errorContent = (op.responses["400"] ?? op.responses["401"])?.content ?? ERROR_CONTENT;
      for (const status of statusesFor(path, method, op)) {
        op.responses[status] ??= { description: MIDDLEWARE_RESPONSES[status], content: errorContent };
      }
    }
  }
  return doc;
}
