/**
 * The MCP proxy's container front door, and the proxy's wiring to the Worker's bindings.
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
import { createDb } from "../db/client";
import { log } from "../lib/log";
import { sessionStub } from "../session/stub";
import { updateCredential } from "../vaults/credential-store";
import { keyringFromEnv } from "../vaults/keyring";
import { loadCredentialSecrets } from "../vaults/secrets";
import { type McpGrant, type McpProxyDeps, proxyMcpRequest, splitMcpPath } from "./proxy";

/** The proxy's dependencies on the Worker's bindings: session DOs, D1 and the vault keyring. */
export function mcpProxyDeps(env: Env, extra: Partial<McpProxyDeps> = {}): McpProxyDeps {
  const db = createDb(env.DB);
  return {
    resolveGrant: (sessionId, token, calls) =>
      sessionStub(env, sessionId).authorizeMcpCall(token, calls) as unknown as Promise<McpGrant | null>,
    loadCredentials: async (vaultIds) =>
      // No vaults, no keyring needed: sessions without vaults work on a Worker without one.
      vaultIds.length === 0 ? [] : loadCredentialSecrets(db, await keyringFromEnv(env), vaultIds),
    saveRefreshed: async (credential, tokens) => {
      await updateCredential(
        db,
        await keyringFromEnv(env),
        credential.vaultId,
        credential.credentialId,
        {
          auth: {
            type: "mcp_oauth",
            access_token: tokens.accessToken,
            expires_at: tokens.expiresAt ?? null,
            refresh: tokens.refreshToken ? { refresh_token: tokens.refreshToken } : undefined,
          },
        },
        Date.now(),
      );
    },
    ...extra,
  };
}

export function mcpPathNotFound(): Response {
  return Response.json(
    { error: { type: "not_found", message: "no MCP server in this path" } },
    { status: 404 },
  );
}

/** Outbound HTTP handler for a session container's MCP calls. */
export class McpProxyEntrypoint extends WorkerEntrypoint<Env, { sessionId: string }> {
  override async fetch(request: Request): Promise<Response> {
    const sessionId = this.ctx.props?.sessionId;
    if (!sessionId) {
      log("error", "mcp proxy entrypoint misconfigured: no session id in props");
      return Response.json(
        { error: { type: "not_configured", message: "MCP proxy not configured" } },
        { status: 503 },
      );
    }
    const route = splitMcpPath(new URL(request.url).pathname);
    if (!route) return mcpPathNotFound();
    return proxyMcpRequest(
      request,
      route,
      mcpProxyDeps(this.env, {
        expectedSessionId: sessionId,
        waitUntil: (promise) => this.ctx.waitUntil(promise),
      }),
    );
  }
}
