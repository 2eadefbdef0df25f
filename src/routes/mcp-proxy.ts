/**
 * The MCP proxy's HTTP front door, mounted at `/mcp/v1` outside the `/v1/*` API-key
 * middleware: its callers are local OpenClaw runtimes (dev and tests), which authenticate with
 * their session token. `ALL /mcp/v1/<server name>[/...]` is proxied to the MCP server the
 * session's agent declares under that name (src/mcp/proxy.ts). Containers in production use
 * `McpProxyEntrypoint` (src/entrypoints/mcp-proxy.ts) instead.
 */
import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { mcpProxyDeps } from "../entrypoints/session-ports";
import { mcpFailure, proxyMcpRequest, splitMcpPath } from "../mcp/proxy";

/** Where local runtimes reach the proxy on the Worker. */
export const MCP_PROXY_ROUTE = "/mcp/v1";

/** `/mcp/v1/<server name>[/...]`: mount with `app.route(MCP_PROXY_ROUTE, mcpProxyRoutes)`. */
export const mcpProxyRoutes = new Hono<AppEnv>();
mcpProxyRoutes.all("*", (c) => {
  const route = splitMcpPath(new URL(c.req.url).pathname, MCP_PROXY_ROUTE);
  const requestId = c.get("requestId");
  if (!route) return mcpFailure("not_found", "no MCP server in this path", requestId);
  let waitUntil: ((promise: Promise<unknown>) => void) | undefined;
  try {
    const ctx = c.executionCtx;
    waitUntil = (promise) => ctx.waitUntil(promise);
  } catch {
    waitUntil = undefined; // no execution context (a bare app.request() in tests)
  }
  return proxyMcpRequest(c.req.raw, route, mcpProxyDeps(c.env, { waitUntil, requestId }));
});
// Anything else thrown here is answered by app.onError: the one error envelope, logged.
