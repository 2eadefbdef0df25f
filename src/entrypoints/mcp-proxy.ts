/**
 * The MCP proxy's container front door.
 *
 * `McpProxyEntrypoint` is a `WorkerEntrypoint` the session DO hands to
 * `ctx.container.interceptOutboundHttp("mcp.clawplane.internal", ...)` with
 * `props: { sessionId }`, so the container's OpenClaw reaches
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
import { mcpProxyDeps } from "./session-ports";

/** Outbound HTTP handler for a session container's MCP calls. */
export class McpProxyEntrypoint extends WorkerEntrypoint<Env, { sessionId: string }> {
  override async fetch(request: Request): Promise<Response> {
    const sessionId = this.ctx.props?.sessionId;
    const requestId = newId("request");
    if (!sessionId) {
      // A wiring bug, not a caller error: fail closed and say so.
      log("error", "mcp proxy entrypoint misconfigured: no session id in props");
      return mcpFailure("service_unavailable", "MCP proxy not configured", requestId);
    }
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
