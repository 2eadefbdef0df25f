/**
 * Which vault credential the MCP proxy applies to a declared MCP server, and how.
 *
 * Scope rule: a credential is only ever sent to the origin of its own `mcp_server_url`. For a
 * declared server, the credential whose URL equals the server's URL wins; failing that, one on
 * the same origin (scheme, host and port) is used; a credential for any other origin is never a
 * candidate. Vaults are searched in the session's `vault_ids` order, oldest credential first
 * (the order `loadCredentialSecrets` returns). `environment_variable` credentials are never
 * MCP credentials.
 *
 * `mcp_oauth` access tokens past (or within a minute of) `expires_at` are refreshed at the
 * credential's token endpoint when it has a refresh configuration (RFC 6749 §6); the new
 * tokens are re-sealed into the vault by the caller.
 */
import type { ResolvedAuth } from "../vaults/credential-auth";
import type { LoadedCredential } from "../vaults/secrets";

/** Refresh this long before `expires_at`, so a token does not expire in flight (60 s). */
export const OAUTH_REFRESH_MARGIN_MS = 60_000;
/** Longest wait for a token endpoint (10 s). */
const TOKEN_ENDPOINT_TIMEOUT_MS = 10_000;

type McpAuth = Extract<ResolvedAuth, { type: "static_bearer" | "mcp_oauth" }>;
export type McpCredential = LoadedCredential & { auth: McpAuth };

function normalizedUrl(url: string): string | null {
  return URL.canParse(url) ? new URL(url).href.replace(/\/+$/, "") : null;
}

function originOf(url: string): string | null {
  return URL.canParse(url) ? new URL(url).origin : null;
}

/** Whether two URLs share scheme, host and port. Unparseable URLs never match. */
export function sameOrigin(a: string, b: string): boolean {
  const x = originOf(a);
  return x !== null && x === originOf(b);
}

function isMcpCredential(c: LoadedCredential): c is McpCredential {
  return c.auth.type === "static_bearer" || c.auth.type === "mcp_oauth";
}

/** The credential to send to the MCP server at `serverUrl`, if any (see the module comment). */
export function credentialForServer(
  credentials: readonly LoadedCredential[],
  serverUrl: string,
): McpCredential | undefined {
  const target = normalizedUrl(serverUrl);
  if (target === null) return undefined;
  const scoped = credentials
    .filter(isMcpCredential)
    .filter((c) => sameOrigin(c.auth.mcp_server_url, serverUrl));
  return scoped.find((c) => normalizedUrl(c.auth.mcp_server_url) === target) ?? scoped[0];
}

/** Whether an `mcp_oauth` credential should be refreshed before use at `now`. */
export function needsRefresh(auth: McpAuth, now: number): boolean {
  if (auth.type !== "mcp_oauth" || !auth.refresh || !auth.expires_at) return false;
  return Date.parse(auth.expires_at) - OAUTH_REFRESH_MARGIN_MS <= now;
}

/** The new secrets a refresh produced. */
export interface RefreshedTokens {
  accessToken: string;
  refreshToken?: string;
  /** RFC 3339; absent when the endpoint gave no `expires_in`. */
  expiresAt?: string;
}

/**
 * Exchanges the credential's refresh token at its token endpoint. Throws with a message safe
 * to log (no token values) when the endpoint refuses or answers something unusable.
 */
export async function refreshAccessToken(
  auth: Extract<McpAuth, { type: "mcp_oauth" }>,
  now: number,
  fetcher: typeof fetch = fetch,
): Promise<RefreshedTokens> {
  const refresh = auth.refresh;
  if (!refresh) throw new Error("the credential has no refresh configuration");
  const form = new URLSearchParams({ grant_type: "refresh_token", refresh_token: refresh.refresh_token });
  const headers: Record<string, string> = {
    "content-type": "application/x-www-form-urlencoded",
    accept: "application/json",
  };
  const method = refresh.token_endpoint_auth.type;
  const secret = refresh.token_endpoint_auth.client_secret ?? "";
  if (method === "client_secret_basic") {
    // RFC 6749 §2.3.1: form-urlencode id and secret before base64.
    const pair = `${encodeURIComponent(refresh.client_id)}:${encodeURIComponent(secret)}`;
    headers.authorization = `Basic ${btoa(pair)}`;
  } else {
    form.set("client_id", refresh.client_id);
    if (method === "client_secret_post") form.set("client_secret", secret);
  }
  if (refresh.scope) form.set("scope", refresh.scope);
  if (refresh.resource) form.set("resource", refresh.resource);
  const res = await fetcher(refresh.token_endpoint, {
    method: "POST",
    headers,
    body: form.toString(),
    signal: AbortSignal.timeout(TOKEN_ENDPOINT_TIMEOUT_MS),
  });
  const body = (await res.json().catch(() => null)) as Record<string, unknown> | null;
  if (!res.ok || !body || typeof body.access_token !== "string" || !body.access_token) {
    const code = body && typeof body.error === "string" ? ` (${body.error})` : "";
    throw new Error(`token endpoint answered ${res.status}${code}`);
  }
  const expiresIn = typeof body.expires_in === "number" && body.expires_in > 0 ? body.expires_in : undefined;
  return {
    accessToken: body.access_token,
    refreshToken:
      typeof body.refresh_token === "string" && body.refresh_token ? body.refresh_token : undefined,
    expiresAt: expiresIn === undefined ? undefined : new Date(now + expiresIn * 1000).toISOString(),
  };
}

/** The `Authorization` value a credential sends. */
export function authorizationOf(auth: McpAuth): string {
  return `Bearer ${auth.type === "static_bearer" ? auth.token : auth.access_token}`;
}
