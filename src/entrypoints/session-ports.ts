/**
 * The one place the three proxies are wired to sessions. Each proxy core (src/llm/proxy.ts,
 * src/mcp/proxy.ts, src/egress/policy.ts) depends only on a port it declares; this module
 * implements those ports with the Worker's bindings — the session's Durable Object, D1 and the
 * vault keyring — and both front doors of each proxy (the HTTP route for local runtimes, the
 * `WorkerEntrypoint` for containers) use it, so they cannot drift apart. Tests pass their own
 * ports instead.
 */
import { createDb } from "../db/client";
import type { EgressSecrets } from "../egress/secret-substitution";
import { keyringFromEnv } from "../lib/keyring";
import type { MeterSource } from "../llm/metering";
import type { McpProxyDeps } from "../mcp/proxy";
import { recordAgentUsage } from "../planes/usage";
import { sessionClient } from "../session/stub";
import { updateCredential } from "../vaults/credential-store";
import { loadCredentialSecrets } from "../vaults/secrets";

/** The LLM proxy's port: each session's Durable Object is its meter. */
export const sessionMeters: MeterSource = (env) => (sessionId) => {
  const session = sessionClient(env, sessionId);
  return {
    authorize: (token, requestedModel) => session.authorizeModelCall(token, requestedModel),
    record: async (usage) => {
      await session.recordModelUsage(usage);
      // The agent's monthly ledger (plane budgets and status read it, not the session objects).
      await recordAgentUsage(env.DB, sessionId, usage);
    },
  };
};

/** The MCP proxy's port: grants from the session's Durable Object, credentials from D1 and the keyring. */
export function mcpProxyDeps(env: Env, extra: Partial<McpProxyDeps> = {}): McpProxyDeps {
  const db = createDb(env.DB);
  return {
    resolveGrant: (sessionId, token, calls) => sessionClient(env, sessionId).authorizeMcpCall(token, calls),
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

/** The egress edge's port: the session's current placeholder → secret table (null: none). */
export function egressSecrets(env: Env, sessionId: string): Promise<EgressSecrets | null> {
  return sessionClient(env, sessionId).egressSecrets();
}
