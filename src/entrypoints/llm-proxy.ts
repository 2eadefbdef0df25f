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
import type { MeterSource } from "../llm/metering";
import { proxyErrors } from "../llm/openai-errors";
import { type LlmProxyEnv, routeLlmRequest } from "../llm/proxy";
import { sessionMeters } from "./session-ports";

/** What the session DO binds into the entrypoint for its container. */
export interface LlmProxyProps {
  sessionId: string;
}

/** Outbound HTTP handler for a session container's model calls. */
export class LlmProxyEntrypoint extends WorkerEntrypoint<Env, LlmProxyProps> {
  /** Where the sessions' meters come from; a test subclass substitutes its own. */
  protected meters: MeterSource = sessionMeters;

  override async fetch(request: Request): Promise<Response> {
    const sessionId = this.ctx.props?.sessionId;
    if (!sessionId) {
      // A wiring bug, not a caller error: fail closed and say so.
      log("error", "llm proxy entrypoint misconfigured: no session id in props");
      return proxyErrors.notConfigured("the session of this container");
    }
    return routeLlmRequest(request, {
      env: this.env as LlmProxyEnv,
      resolveMeter: this.meters(this.env),
      signal: request.signal,
      waitUntil: (promise) => this.ctx.waitUntil(promise),
      expectedSessionId: sessionId,
    });
  }
}
