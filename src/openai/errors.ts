/**
 * The OpenAI error shape for the OpenAI-compatible paths (`/v1/chat/*`, `/v1/models*`).
 *
 * The rest of the API answers failures with the Anthropic-style envelope that `app.onError`
 * builds from an `ApiError` (src/errors.ts), and that must stay so. This middleware runs before
 * the body limit, rate limit and auth layers, lets the one error model decide status, message
 * and headers as everywhere else, and only re-shapes the finished envelope into
 *
 *   {"error":{"message","type","param","code"}}
 *
 * which is what the `openai` SDK parses, with the one converter the LLM proxy uses as well
 * (`openAiErrorFromApiError`).
 */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { ApiError, ERROR_CODES, type ErrorEnvelope } from "../errors";
import { openAiErrorFromApiError } from "../llm/openai-errors";

/** Whether a path belongs to the OpenAI-compatible surface. */
export function isOpenAiPath(path: string): boolean {
  return (
    path === "/v1/models" ||
    path.startsWith("/v1/models/") ||
    path === "/v1/chat" ||
    path.startsWith("/v1/chat/")
  );
}

function isEnvelope(body: unknown): body is ErrorEnvelope {
  const b = body as Partial<ErrorEnvelope> | null;
  return (
    b?.type === "error" &&
    typeof b.error?.message === "string" &&
    Object.hasOwn(ERROR_CODES, b.error.details?.error_code ?? "")
  );
}

/**
 * Middleware for `/v1/*` that re-shapes error responses of OpenAI paths after every inner
 * layer (and `app.onError`) has produced them. Other paths pass through untouched.
 */
export const openAiErrorShape = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  if (!isOpenAiPath(c.req.path) || c.res.status < 400) return;
  if (!c.res.headers.get("content-type")?.includes("application/json")) return;
  const body: unknown = await c.res
    .clone()
    .json()
    .catch(() => null);
  // Responses the routes built in the OpenAI shape already (504, agent errors) stay as they are.
  if (!isEnvelope(body)) return;
  // The ApiError the envelope was built from. Assigning c.res keeps the old response's other
  // headers (request id, retry-after, ...).
  const { message, details } = body.error;
  c.res = openAiErrorFromApiError(new ApiError(details.error_code, message, { fields: details.errors }));
});
