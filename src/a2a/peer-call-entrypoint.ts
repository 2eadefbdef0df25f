/**
 * The peer tools' container front door: a `WorkerEntrypoint` the session DO hands to
 * `ctx.container.interceptOutboundHttp("peers.clawplane.internal", ...)` with
 * `props: { sessionId }`, so the agent's `peer_send` reaches the Worker with no network path of
 * its own. The session token is still required and must be that session's.
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import { newId } from "../lib/ids";
import { handlePeerCall } from "./outbound";

export class PeerCallEntrypoint extends WorkerEntrypoint<Env, { sessionId: string }> {
  override async fetch(request: Request): Promise<Response> {
    const sessionId = this.ctx.props?.sessionId;
    if (!sessionId)
      return Response.json({ type: "error", error: { type: "service_unavailable" } }, { status: 503 });
    return handlePeerCall(request, new URL(request.url).pathname, {
      env: this.env,
      requestId: newId("request"),
      waitUntil: (promise) => this.ctx.waitUntil(promise),
      expectedSessionId: sessionId,
    });
  }
}
