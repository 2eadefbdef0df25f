/**
 * The peer tools' container front door: a `WorkerEntrypoint` the session DO hands to
 * `ctx.container.interceptOutboundHttp("peers.clawplane.internal", ...)` with
 * `props: { sessionId }` (a warm pool container: `{ poolMember }`, resolved to its claiming
 * session by src/runtime/pool/identity.ts), so the agent's `peer_send` reaches the Worker with no network path of
 * its own. The session token is still required and must be that session's.
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import { newId } from "../lib/ids";
import { boundSession, type RuntimeBinding } from "../runtime/pool/identity";
import { handlePeerCall } from "./outbound";

export class PeerCallEntrypoint extends WorkerEntrypoint<Env, RuntimeBinding> {
  override async fetch(request: Request): Promise<Response> {
    const bound = await boundSession(this.env, this.ctx.props);
    if (!("sessionId" in bound))
      return Response.json(
        { type: "error", error: { type: "service_unavailable", message: bound.refused } },
        { status: 503 },
      );
    const { sessionId } = bound;
    return handlePeerCall(request, new URL(request.url).pathname, {
      env: this.env,
      requestId: newId("request"),
      waitUntil: (promise) => this.ctx.waitUntil(promise),
      expectedSessionId: sessionId,
    });
  }
}
