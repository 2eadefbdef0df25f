/**
 * The LLM proxy's container front door: a `WorkerEntrypoint` the session DO hands to
 * `ctx.container.interceptOutboundHttp(<llm host>, ...)` with `props: { sessionId }`, so the
 * container's OpenClaw, configured with `baseUrl: "http://<llm host>/v1"`, reaches the proxy
 * without any network path to a provider or a provider key.
 *
 * `props.sessionId` is set by the DO and trusted; the bearer session token is still required
 * and must belong to that same session (defence in depth: a leaked token of one session is
 * useless from another session's container).
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import { log } from "../lib/log";
import { proxyErrors } from "./openai-errors";
import { type LlmProxyEnv, listModels, type ProxyOptions, proxyChatCompletion } from "./proxy";
import { registeredSessionMeters } from "./session-meter";

/** What the session DO binds into the entrypoint for its container. */
export interface LlmProxyProps {
  sessionId: string;
}

/**
 * Serves the proxy's paths by suffix, whatever base path the gateway was configured with
 * (`/v1/chat/completions`, `/chat/completions`, ...).
 */
export function routeLlmRequest(request: Request, options: ProxyOptions): Promise<Response> {
  const { pathname } = new URL(request.url);
  if (request.method === "POST" && pathname.endsWith("/chat/completions")) {
    return proxyChatCompletion(request, options);
  }
  if (request.method === "GET" && pathname.endsWith("/models")) return listModels(request, options);
  return Promise.resolve(proxyErrors.notFound(request.method, pathname));
}

/** Outbound HTTP handler for a session container's model calls. */
export class LlmProxyEntrypoint extends WorkerEntrypoint<Env, LlmProxyProps> {
  override async fetch(request: Request): Promise<Response> {
    const sessionId = this.ctx.props?.sessionId;
    const source = registeredSessionMeters();
    if (!sessionId || !source) {
      // Wiring bugs, not caller errors: fail closed and say which.
      log("error", "llm proxy entrypoint misconfigured", {
        has_session: Boolean(sessionId),
        has_meters: Boolean(source),
      });
      return proxyErrors.notConfigured(sessionId ? "session metering" : "the session of this container");
    }
    return routeLlmRequest(request, {
      env: this.env as LlmProxyEnv,
      resolveMeter: source(this.env),
      signal: request.signal,
      waitUntil: (promise) => this.ctx.waitUntil(promise),
      expectedSessionId: sessionId,
    });
  }
}
