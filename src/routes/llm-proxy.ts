/**
 * The LLM proxy's HTTP front door, mounted at `/llm/v1` outside the `/v1/*` API-key
 * middleware: its callers authenticate with a per-session token, not an API key.
 *
 *   POST /llm/v1/chat/completions   OpenAI Chat Completions, streamed or not
 *   GET  /llm/v1/models             the single model id ("default") the gateway should use
 *
 * Local dev and test gateways reach the Worker over loopback through this route; containers
 * in production use `LlmProxyEntrypoint` (src/entrypoints/llm-proxy.ts) instead. Every response,
 * errors included, is in OpenAI's shape, since the callers are OpenAI-compatible clients.
 */
import type { Context } from "hono";
import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { sessionMeters } from "../entrypoints/session-ports";
import { describeError, log } from "../lib/log";
import type { MeterSource } from "../llm/metering";
import { proxyErrors } from "../llm/openai-errors";
import { type LlmProxyEnv, listModels, type ProxyOptions, proxyChatCompletion } from "../llm/proxy";

/** Builds the routes over the sessions' meters; tests pass their own. */
export function createLlmProxyRoutes(meters: MeterSource = sessionMeters) {
  const app = new Hono<AppEnv>();

  const options = (c: Context<AppEnv>): ProxyOptions => ({
    env: c.env as LlmProxyEnv,
    resolveMeter: meters(c.env),
    signal: c.req.raw.signal,
    waitUntil: waitUntilOf(c),
    requestId: c.get("requestId"),
  });

  app.post("/chat/completions", (c) => proxyChatCompletion(c.req.raw, options(c)));
  app.get("/models", (c) => listModels(c.req.raw, options(c)));
  // Unknown paths under /llm/v1 answer in the OpenAI shape too.
  app.all("*", (c) => proxyErrors.notFound(c.req.method, c.req.path));
  app.onError((err, c) => {
    log("error", "llm proxy route failed", { request_id: c.get("requestId"), ...describeError(err) });
    return proxyErrors.internal();
  });
  return app;
}

/** The routes over the sessions' meters; mount with `app.route("/llm/v1", llmProxyRoutes)`. */
export const llmProxyRoutes = createLlmProxyRoutes();

// Hono throws when there is no execution context (a bare `app.request()` in tests).
function waitUntilOf(c: Context<AppEnv>): ((promise: Promise<unknown>) => void) | undefined {
  try {
    const ctx = c.executionCtx;
    return (promise) => ctx.waitUntil(promise);
  } catch {
    return undefined;
  }
}
