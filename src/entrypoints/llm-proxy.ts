/**
 * The LLM proxy's container front door: a `WorkerEntrypoint` the session DO hands to
 * `ctx.container.interceptOutboundHttp(<llm host>, ...)` with `props: { sessionId }`, so the
 * container's OpenClaw, configured with `baseUrl: "http://<llm host>/v1"`, reaches the proxy
 * without any network path to a provider or a provider key.
 *
 * A warm pool container is bound with `props: { poolMember }` instead: its calls are the session
 * that claimed it, refused before the claim (src/runtime/pool/identity.ts).
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
import { boundSession, type RuntimeBinding } from "../runtime/pool/identity";
import { sessionMeters } from "./session-ports";

/** What the session DO (or a warm pool member) binds into the entrypoint for its container. */
export type LlmProxyProps = RuntimeBinding;

/** Outbound HTTP handler for a session container's model calls. */
export class LlmProxyEntrypoint extends WorkerEntrypoint<Env, LlmProxyProps> {
  /** Where the sessions' meters come from; a test subclass substitutes its own. */
  protected meters: MeterSource = sessionMeters;

  override async fetch(request: Request): Promise<Response> {
    const bound = await boundSession(this.env, this.ctx.props);
    if (!("sessionId" in bound)) {
      // A pool container no session claimed (yet), or a wiring bug: fail closed and say so.
      log("warn", "llm proxy call refused", { reason: bound.refused });
      return proxyErrors.notConfigured("the session of this container");
    }
    const { sessionId } = bound;
    return routeLlmRequest(request, {
      env: this.env as LlmProxyEnv,
      resolveMeter: this.meters(this.env),
      signal: request.signal,
      waitUntil: (promise) => this.ctx.waitUntil(promise),
      expectedSessionId: sessionId,
    });
  }
}
