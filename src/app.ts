/**
 * Builds the Hono app. Middleware order matters and is the request's path through the Worker:
 *
 *   request id + log → body limit → auth → rate limit → JSON body checks → idempotency
 *   → route policy → audit → scope check → plane scope → route
 *
 * Who may call a route and what the audit log calls it are declared by the route itself
 * (`defineRoute`, src/routes/define-route.ts); the route policy layer finds that declaration for
 * the layers after it.
 *
 * Rate limiting is per authenticated caller; requests that prove no credential are throttled
 * per client IP by auth itself. Idempotent replays return before the audit layer because a
 * replay changes nothing.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "./app-env";
import { ApiError, type ErrorCode, toErrorResponse } from "./errors";
import { unmatchedRouteError } from "./lib/allowed-methods";
import { describeError, log } from "./lib/log";
import { declareMiddlewareResponses } from "./lib/openapi-document";
import { audit } from "./middleware/audit";
import { authenticate, authorize } from "./middleware/auth";
import { idempotency } from "./middleware/idempotency";
import { readJsonBody } from "./middleware/json-body";
import { rateLimit } from "./middleware/rate-limit";
import { requestContext } from "./middleware/request-context";
import { routePolicy } from "./middleware/route-policy";
import { validationHook } from "./middleware/validation";
import { openAiErrorShape } from "./openai/errors";
import { planeScope } from "./planes/access";
import { beamRunRoutes, planeBeamRoutes, teleportRoutes } from "./routes/beams";
import { A2A_ROUTE, a2aRoutes } from "./routes/a2a";
import { agentRoutes } from "./routes/agents";
import { apiKeyRoutes } from "./routes/api-keys";
import { auditRoutes } from "./routes/audit";
import { runtimePoolRoutes } from "./routes/runtime-pool";
import { channelWebhookRoutes } from "./routes/channel-webhooks";
import { channelRoutes } from "./routes/channels";
import { environmentRoutes } from "./routes/environments";
import { llmProxyRoutes } from "./routes/llm-proxy";
import { MCP_PROXY_ROUTE, mcpProxyRoutes } from "./routes/mcp-proxy";
import { openAiRoutes } from "./routes/openai";
import { PEER_CALLS_ROUTE, peerCallRoutes } from "./routes/peer-calls";
import { BEAM_CALLS_ROUTE, beamCallRoutes } from "./routes/beam-calls";
import { peerRoutes } from "./routes/peers";
import { tailnetRoutes } from "./routes/tailnet";
import { planeRoutes } from "./routes/planes";
import { publicRoutes } from "./routes/public";
import { sessionEventRoutes } from "./routes/session-events";
import { sessionThreadRoutes } from "./routes/session-threads";
import { sessionRoutes } from "./routes/sessions";
import { vaultRoutes } from "./routes/vaults";

/** HTTP errors raised inside Hono itself (validators, body limit), mapped onto our codes. */
const HTTP_EXCEPTION_CODES: Record<number, ErrorCode> = {
  400: "invalid_json",
  401: "authentication_required",
  404: "not_found",
  413: "request_too_large",
  415: "unsupported_media_type",
};

function asApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof HTTPException) {
    const code = HTTP_EXCEPTION_CODES[err.status];
    if (code === "invalid_json") return new ApiError(code, "request body is not valid JSON", { cause: err });
    if (code === "unsupported_media_type") {
      return new ApiError(code, "request body must be JSON (content-type: application/json)", { cause: err });
    }
    if (code) return new ApiError(code, err.message, { cause: err });
  }
  return new ApiError(
    "internal_error",
    "internal error; retry later, and quote the request id if it persists",
    {
      cause: err,
    },
  );
}

export function createApp() {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.use("*", requestContext);
  // Outermost on /v1 so that it re-shapes errors of every later layer on the OpenAI paths.
  app.use("/v1/*", openAiErrorShape);
  app.use("/v1/*", async (c, next) =>
    bodyLimit({
      maxSize: c.get("config").maxBodyBytes,
      onError: () => {
        throw new ApiError("request_too_large", `request body exceeds ${c.get("config").maxBodyBytes} bytes`);
      },
    })(c, next),
  );
  // The scope check and planeScope (which confines plane tokens) run inside audit, so refused
  // attempts are recorded too, and before the route's validators: a caller who may not call a
  // route learns nothing about what input it takes.
  app.use(
    "/v1/*",
    authenticate,
    rateLimit,
    readJsonBody,
    idempotency,
    routePolicy(app.openAPIRegistry),
    audit,
    authorize,
    planeScope,
  );

  app.route("/", publicRoutes);
  // Model calls from session runtimes: session-token auth, OpenAI error shapes, no API-key layers.
  app.route("/llm/v1", llmProxyRoutes);
  // MCP calls from local session runtimes: session-token auth, no API-key layers.
  app.route(MCP_PROXY_ROUTE, mcpProxyRoutes);
  // Peer tools of local session runtimes: session-token auth, no API-key layers.
  app.route(PEER_CALLS_ROUTE, peerCallRoutes);
  // The beam_agent tool of local session runtimes: session-token auth, no API-key layers.
  app.route(BEAM_CALLS_ROUTE, beamCallRoutes);
  // A2A calls from tailnet peers: their own bearer credentials, no API-key layers.
  app.route(A2A_ROUTE, a2aRoutes);
  app.route("/v1/agents", agentRoutes);
  app.route("/v1/environments", environmentRoutes);
  app.route("/v1/sessions", sessionRoutes);
  app.route("/v1/sessions", sessionEventRoutes);
  app.route("/v1/sessions", sessionThreadRoutes);
  app.route("/v1/vaults", vaultRoutes);
  app.route("/v1/api_keys", apiKeyRoutes);
  app.route("/v1/audit", auditRoutes);
  app.route("/v1/runtime_pool", runtimePoolRoutes);
  app.route("/v1/planes", planeRoutes);
  app.route("/v1/planes", planeBeamRoutes);
  app.route("/v1/teleport", teleportRoutes);
  app.route("/v1/beam_runs", beamRunRoutes);
  app.route("/v1/peers", peerRoutes);
  app.route("/v1/tailnet", tailnetRoutes);
  app.route("/v1/channels", channelRoutes);
  // Chat platforms' deliveries: verified with each channel's own secret, no API-key layers.
  app.route("/channels", channelWebhookRoutes);
  app.route("/v1", openAiRoutes);

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });
  app.openAPIRegistry.registerComponent("securitySchemes", "apiKey", {
    type: "apiKey",
    in: "header",
    name: "x-api-key",
  });
  const openApiConfig = (origin: string) => ({
    openapi: "3.1.0",
    info: {
      title: "Clawplane API",
      version: "0.1.0",
      description:
        "Managed OpenClaw agents on Cloudflare. Wire-compatible with Claude Managed Agents " +
        "(agents, environments, sessions and their events, vaults), an OpenAI-compatible " +
        "chat completions endpoint, plus Clawplane's own API keys, audit log and Agents Plane " +
        "(one isolated agent per team member).",
    },
    servers: [{ url: origin }],
    security: [{ bearer: [] as string[] }, { apiKey: [] as string[] }] as Array<Record<string, string[]>>,
  });
  // The generated document, plus the statuses the shared middleware adds to every route.
  app.get("/openapi.json", (c) =>
    c.json(declareMiddlewareResponses(app.getOpenAPI31Document(openApiConfig(new URL(c.req.url).origin)))),
  );

  app.notFound((c) => {
    const err = unmatchedRouteError(app.openAPIRegistry.definitions, c.req.method, c.req.path);
    c.set("errorCode", err.code);
    return toErrorResponse(err, c.get("requestId") ?? "req_unknown");
  });

  app.onError((err, c) => {
    const apiError = asApiError(err);
    c.set("errorCode", apiError.code);
    const requestId = c.get("requestId") ?? "req_unknown";
    if (apiError.status >= 500) {
      log("error", "request failed", { request_id: requestId, ...describeError(apiError.cause ?? err) });
    }
    return toErrorResponse(apiError, requestId);
  });

  return app;
}

export type App = ReturnType<typeof createApp>;
