/**
 * The MCP proxy's container front door.
 *
 * `McpProxyEntrypoint` is a `WorkerEntrypoint` the session DO hands to
 * `ctx.container.interceptOutboundHttp("mcp.clawplane.internal", ...)` with
 * `props: { sessionId }` (a warm pool container: `{ poolMember }`, resolved to its claiming
 * session by src/runtime/pool/identity.ts), so the container's OpenClaw reaches
 * `http://mcp.clawplane.internal/<name>` without any network path of its own. Local runtimes use
 * the `/mcp/v1` route instead (src/routes/mcp-proxy.ts).
 *
 * `props.sessionId` is trusted (set by the DO); the bearer session token is still required and
 * must belong to that session.
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import { newId } from "../lib/ids";
import { log } from "../lib/log";
import { mcpFailure, proxyMcpRequest, splitMcpPath } from "../mcp/proxy";
import { boundSession, type RuntimeBinding } from "../runtime/pool/identity";
import { mcpProxyDeps } from "./session-ports";

/** Outbound HTTP handler for a session container's MCP calls. */
export class McpProxyEntrypoint extends WorkerEntrypoint<Env, RuntimeBinding> {
  override async fetch(request: Request): Promise<Response> {
    const bound = await boundSession(this.env, this.ctx.props);
    const requestId = newId("request");
    if (!("sessionId" in bound)) {
      // A pool container no session claimed (yet), or a wiring bug: fail closed and say so.
      log("warn", "mcp proxy call refused", { reason: bound.refused });
      return mcpFailure("service_unavailable", `MCP proxy: ${bound.refused}`, requestId);
    }
    const { sessionId } = bound;
    const route = splitMcpPath(new URL(request.url).pathname);
    if (!route) return mcpFailure("not_found", "no MCP server in this path", requestId);
    return proxyMcpRequest(
      request,
      route,
      mcpProxyDeps(this.env, {
        expectedSessionId: sessionId,
        waitUntil: (promise) => this.ctx.waitUntil(promise),
        requestId,
      }),
    );
  }
}
