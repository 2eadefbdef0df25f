/**
 * The MCP proxy core: one HTTP request of a session's OpenClaw MCP client, forwarded to the MCP
 * server the agent declares, with the session's vault credential for that server added here.
 *
 *   bearer session token → the session DO says which servers and vaults the session has
 *   → server by name (404 if not declared) → egress policy (403 if networking forbids it)
 *   → credential scoped to the server's origin (src/mcp/credentials.ts), refreshed if expired
 *   → request streamed to the declared URL (+ path suffix), response streamed back
 *
 * The session token never leaves the Worker (it is replaced, not forwarded), and a vault secret
 * never reaches the container: it is added to the upstream request only. Both front doors (the
 * `/mcp/v1` route for local runtimes, `McpProxyEntrypoint` for containers) call in here. This
 * module never throws; failures are the API's error envelope, marked with {@link MCP_PROXY_HEADER}.
 */
import type { Networking } from "../egress/policy";
import { egressPolicyFor, mcpServerReachable } from "../egress/policy";
import { ApiError, type ErrorCode, toErrorResponse } from "../errors";
import { newId } from "../lib/ids";
import { describeError, log } from "../lib/log";
import { sessionIdFromToken } from "../llm/session-token";
import type { McpServer } from "../schemas/agents";
import type { LoadedCredential } from "../vaults/secrets";
import {
  authorizationOf,
  credentialForServer,
  type McpCredential,
  needsRefresh,
  type RefreshedTokens,
  refreshAccessToken,
  sameOrigin,
} from "./credentials";

/** A `tools/call` an MCP request carries: what the session must permit before it is forwarded. */
export interface McpToolCall {
  server: string;
  tool: string;
  arguments: Record<string, unknown>;
}

/** What a valid session token entitles its bearer to (from the session DO). */
export interface McpGrant {
  sessionId: string;
  /** The agent's declared MCP servers. */
  servers: McpServer[];
  /** The session's bound vaults, in binding order. */
  vaultIds: string[];
  /** The environment's networking at session creation. */
  networking: Networking;
  /**
   * For a request carrying `tools/call`s: whether the agent's tool policy lets them run now
   * (`allow`, or `ask` answered `allow` by the user for exactly that call), else why not.
   */
  toolCalls?: { permitted: true } | { permitted: false; reason: string };
}

export interface McpProxyDeps {
  /**
   * Asks the session (its DO) whether `token` is its current token (null when not) and, for
   * `calls`, whether its tool policy permits them.
   */
  resolveGrant: (sessionId: string, token: string, calls: McpToolCall[]) => Promise<McpGrant | null>;
  /** Decrypts the live credentials of the given vaults. */
  loadCredentials: (vaultIds: string[]) => Promise<LoadedCredential[]>;
  /** Re-seals refreshed OAuth tokens into the credential's vault. */
  saveRefreshed: (credential: McpCredential, tokens: RefreshedTokens) => Promise<void>;
  /** Set when the session is known out of band (container entrypoint props). */
  expectedSessionId?: string;
  fetch?: typeof fetch;
  now?: () => number;
  waitUntil?: (promise: Promise<unknown>) => void;
  /** The id error answers carry (the API request's, on the `/mcp/v1` route); a new one without. */
  requestId?: string;
}

/** Header on every answer the proxy gives itself (not the MCP server's). */
export const MCP_PROXY_HEADER = "x-clawplane-mcp-proxy";

/** Request headers an MCP client's request may carry upstream; all others stay behind. */
const FORWARDED_REQUEST_HEADERS = [
  "accept",
  "content-type",
  "mcp-session-id",
  "mcp-protocol-version",
  "last-event-id",
  "user-agent",
];
/** Hop-by-hop response headers that must not be relayed. */
const HOP_BY_HOP = ["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-authenticate"];

/**
 * An answer the proxy gives itself: the API's one error envelope (src/errors.ts), marked with
 * {@link MCP_PROXY_HEADER} so it cannot be taken for the MCP server's.
 */
export function mcpFailure(code: ErrorCode, message: string, requestId: string): Response {
  const headers = { [MCP_PROXY_HEADER]: code, "cache-control": "no-store" };
  return toErrorResponse(new ApiError(code, message, { headers }), requestId);
}

/**
 * Splits a proxied path into the server name and the suffix after it:
 * `<prefix>/<encoded name>[/rest]` → `{ serverName, suffix: "" | "/rest" }`; null when malformed.
 */
export function splitMcpPath(pathname: string, prefix = ""): { serverName: string; suffix: string } | null {
  if (!pathname.startsWith(`${prefix}/`)) return null;
  const rest = pathname.slice(prefix.length + 1);
  const slash = rest.indexOf("/");
  const encoded = slash === -1 ? rest : rest.slice(0, slash);
  if (!encoded) return null;
  try {
    return { serverName: decodeURIComponent(encoded), suffix: slash === -1 ? "" : rest.slice(slash) };
  } catch {
    return null;
  }
}

/** The upstream URL: the declared URL, the suffix appended to its path, the caller's query added. */
export function upstreamUrl(declared: string, suffix: string, incoming: URL): URL {
  const target = new URL(declared);
  if (suffix) target.pathname = target.pathname.replace(/\/+$/, "") + suffix;
  for (const [key, value] of incoming.searchParams) target.searchParams.append(key, value);
  return target;
}

/** Forwards one MCP request of a session (see the module comment). */
export async function proxyMcpRequest(
  request: Request,
  route: { serverName: string; suffix: string },
  deps: McpProxyDeps,
): Promise<Response> {
  const started = (deps.now ?? Date.now)();
  const requestId = deps.requestId ?? newId("request");
  const fail = (code: ErrorCode, message: string) => mcpFailure(code, message, requestId);
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("authorization") ?? "");
  const token = match?.[1];
  const sessionId = token ? sessionIdFromToken(token) : null;
  if (!token || !sessionId) return fail("invalid_session_token", "a valid session token is required");
  if (deps.expectedSessionId !== undefined && sessionId !== deps.expectedSessionId) {
    log("warn", "mcp proxy: token of another session presented", { session_id: deps.expectedSessionId });
    return fail("invalid_session_token", "a valid session token is required");
  }

  // JSON-RPC bodies are read here (they are small) so tool calls can be checked against the
  // agent's policy: the runtime's own gate (the policy plugin) is not the only one, because the
  // session token is visible inside the runtime and a tool could call this proxy directly.
  const method = request.method.toUpperCase();
  const body = method === "POST" ? await request.text() : undefined;
  const calls = body === undefined ? [] : toolCallsIn(body, route.serverName);

  let grant: McpGrant | null;
  try {
    grant = await deps.resolveGrant(sessionId, token, calls);
  } catch (err) {
    log("error", "mcp proxy: session unavailable", { session_id: sessionId, ...describeError(err) });
    return fail("service_unavailable", "the session is unavailable; retry later");
  }
  if (!grant || grant.sessionId !== sessionId) {
    return fail("invalid_session_token", "a valid session token is required");
  }

  const server = grant.servers.find((s) => s.name === route.serverName);
  if (!server) {
    return fail("mcp_server_not_found", `the agent declares no MCP server named "${route.serverName}"`);
  }
  const policy = egressPolicyFor(
    grant.networking,
    grant.servers.map((s) => s.url),
  );
  if (!mcpServerReachable(policy, server.url)) {
    return fail(
      "egress_denied",
      `MCP server "${server.name}" is not reachable under this environment's limited networking ` +
        "(set allow_mcp_servers, or list its host in allowed_hosts)",
    );
  }

  if (calls.length > 0 && grant.toolCalls?.permitted !== true) {
    const reason = grant.toolCalls?.permitted === false ? grant.toolCalls.reason : "not permitted";
    log("warn", "mcp proxy: tool call refused", { session_id: sessionId, server: server.name, reason });
    return fail("tool_not_permitted", reason);
  }

  const target = upstreamUrl(server.url, route.suffix, new URL(request.url));
  const headers = new Headers();
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = request.headers.get(name);
    if (value !== null) headers.set(name, value);
  }

  let credential: McpCredential | undefined;
  try {
    credential = credentialForServer(await deps.loadCredentials(grant.vaultIds), server.url);
    if (credential) credential = await fresh(credential, deps, started);
  } catch (err) {
    log("error", "mcp proxy: credentials unavailable", { session_id: sessionId, ...describeError(err) });
    return fail("service_unavailable", "the session's vault credentials could not be read");
  }
  // The scope rule, checked on the URL actually requested: never another origin.
  if (credential && sameOrigin(credential.auth.mcp_server_url, target.href)) {
    headers.set("authorization", authorizationOf(credential.auth));
  }

  let upstream: Response;
  try {
    upstream = await (deps.fetch ?? fetch)(target.href, {
      method,
      headers,
      body: method === "GET" || method === "HEAD" ? undefined : (body ?? request.body),
      redirect: "manual",
      signal: request.signal,
    });
  } catch (err) {
    if (request.signal.aborted) return fail("client_closed", "the client went away");
    log("warn", "mcp proxy: upstream unreachable", {
      session_id: sessionId,
      server: server.name,
      ...describeError(err),
    });
    return fail("mcp_server_unreachable", `MCP server "${server.name}" could not be reached`);
  }
  log("info", "mcp call", {
    session_id: sessionId,
    server: server.name,
    method,
    status: upstream.status,
    credential_id: credential?.credentialId ?? null,
    ms: (deps.now ?? Date.now)() - started,
  });
  const response = new Response(upstream.body, upstream);
  for (const name of HOP_BY_HOP) response.headers.delete(name);
  return response;
}

/** The `tools/call` requests in a JSON-RPC body (one message or a batch); none when unparsable. */
export function toolCallsIn(body: string, server: string): McpToolCall[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return [];
  }
  const messages = Array.isArray(parsed) ? parsed : [parsed];
  const calls: McpToolCall[] = [];
  for (const message of messages) {
    if (!message || typeof message !== "object") continue;
    const { method, params } = message as {
      method?: unknown;
      params?: { name?: unknown; arguments?: unknown };
    };
    if (method !== "tools/call") continue;
    const args = params?.arguments;
    calls.push({
      server,
      tool: typeof params?.name === "string" ? params.name : "",
      arguments:
        args && typeof args === "object" && !Array.isArray(args) ? (args as Record<string, unknown>) : {},
    });
  }
  return calls;
}

/** The credential with a usable access token: refreshed (and re-sealed) when it has expired. */
async function fresh(credential: McpCredential, deps: McpProxyDeps, now: number): Promise<McpCredential> {
  const auth = credential.auth;
  if (auth.type !== "mcp_oauth" || !needsRefresh(auth, now)) return credential;
  try {
    const tokens = await refreshAccessToken(auth, now, deps.fetch ?? fetch);
    const saved = deps.saveRefreshed(credential, tokens).catch((err) =>
      log("warn", "mcp proxy: refreshed token not saved", {
        credential_id: credential.credentialId,
        ...describeError(err),
      }),
    );
    if (deps.waitUntil) deps.waitUntil(saved);
    else await saved;
    const refresh = auth.refresh && {
      ...auth.refresh,
      refresh_token: tokens.refreshToken ?? auth.refresh.refresh_token,
    };
    return {
      ...credential,
      auth: { ...auth, access_token: tokens.accessToken, expires_at: tokens.expiresAt ?? null, refresh },
    };
  } catch (err) {
    // The stale token is still sent: the server's 401 tells the agent what happened.
    log("warn", "mcp proxy: oauth refresh failed", {
      credential_id: credential.credentialId,
      ...describeError(err),
    });
    return credential;
  }
}
