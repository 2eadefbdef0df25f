/**
 * The MCP proxy in workerd, through the Worker's real entry point and the session's real Durable
 * Object, against the MCP server double (test/support/mcp-server.mjs, started in Node by
 * test/global-setup.ts): the agent declares MCP servers, the session binds a vault, and a
 * runtime's MCP client (played here by the test) talks Streamable HTTP through
 * `/mcp/v1/<server>` with its session token.
 *
 * Checked: the vault's bearer reaches the server it is scoped to and no other origin; wrong or
 * absent session tokens get 401, unknown servers 404, limited networking 403; streamed (SSE)
 * responses pass through as they are produced; expired OAuth tokens are refreshed and re-sealed;
 * the container entrypoint serves the same; no secret appears in a response or a log line.
 */
import { createExecutionContext, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import { McpProxyEntrypoint } from "../../src/entrypoints/mcp-proxy";
import { setLogLevel } from "../../src/lib/log";
import { MCP_PROXY_HEADER } from "../../src/mcp/proxy";
import { type ApprovalBook, canonicalInput } from "../../src/session/approvals";
import type { SessionDO } from "../../src/session/session-do";
import { BASE_URL, callJson, MINIMAL_AGENT } from "../helpers/api";
import { sessionObject } from "../helpers/session-object";
import { waitFor } from "../helpers/wait";
import type { RecordedMcpRequest } from "../support/mcp-server.mjs";

const MCP_URL = env.MCP_SERVER_URL;
const MCP_ORIGIN = new URL(MCP_URL).origin;
/** The same server under another origin (host name instead of address): a different scope. */
const OTHER_ORIGIN_URL = MCP_URL.replace("127.0.0.1", "localhost");
const ACCEPT = "application/json, text/event-stream";

const responses: string[] = [];
const consoleSpies: MockInstance[] = [];
beforeEach(() => {
  responses.length = 0;
  for (const method of ["log", "warn", "error", "info", "debug"] as const) {
    consoleSpies.push(vi.spyOn(console, method));
  }
});
afterEach(async () => {
  for (const spy of consoleSpies.splice(0)) spy.mockRestore();
  await double("/__token", { token: null });
});
const consoleText = () => consoleSpies.flatMap((s) => s.mock.calls.map((args) => JSON.stringify(args)));

async function double(path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${MCP_ORIGIN}${path}`, {
    method: body === undefined ? "GET" : "POST",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return res.json();
}
const recorded = (): Promise<RecordedMcpRequest[]> => double("/__requests");

async function created(path: string, body: unknown) {
  const res = await callJson(path, { body });
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/**
 * An agent declaring `servers`, each with an mcp_toolset (the contract requires one per server)
 * whose tools run without asking unless `toolset` says otherwise.
 */
async function agentWith(
  servers: Array<{ name: string; url: string }>,
  toolset: Record<string, unknown> = {},
) {
  return created("/v1/agents", {
    ...MINIMAL_AGENT,
    mcp_servers: servers.map((s) => ({ type: "url", ...s })),
    tools: servers.map((s) => ({
      type: "mcp_toolset",
      mcp_server_name: s.name,
      default_config: { permission_policy: { type: "always_allow" } },
      ...toolset,
    })),
  });
}

/**
 * A session and its runtime token. Without a runtime in these tests, the first message mints
 * the token (as a runtime start would) and the turn then fails; the token is what the
 * session's container would find in its environment.
 */
async function sessionWith(agentId: string, opts: { vaultIds?: string[]; networking?: unknown } = {}) {
  const environment = await created("/v1/environments", {
    name: `mcp-${crypto.randomUUID()}`,
    ...(opts.networking ? { config: { type: "cloud", networking: opts.networking } } : {}),
  });
  const session = await created("/v1/sessions", {
    agent: agentId,
    environment_id: environment.id,
    vault_ids: opts.vaultIds ?? [],
  });
  await callJson(`/v1/sessions/${session.id}/events`, {
    body: { events: [{ type: "user.message", content: [{ type: "text", text: "hi" }] }] },
  });
  await waitFor(
    async () =>
      (await callJson(`/v1/sessions/${session.id}/events?types[]=session.status_idle`)).body.data.length > 0,
    { what: "the failed first turn" },
  );
  const token = await runInDurableObject(sessionObject(session.id), (_instance, state) => {
    return (state.storage.kv.get("runtime-secrets") as { sessionToken: string }).sessionToken;
  });
  return { sessionId: session.id as string, token };
}

async function vaultWith(credentials: unknown[]) {
  const vault = await created("/v1/vaults", { display_name: `mcp-${crypto.randomUUID()}` });
  for (const auth of credentials) await created(`/v1/vaults/${vault.id}/credentials`, { auth });
  return vault.id as string;
}

/** One MCP request through the Worker's `/mcp/v1/<server>` route. */
async function mcp(
  server: string,
  rpc: unknown,
  opts: { token?: string | null; sessionId?: string; accept?: string } = {},
): Promise<Response> {
  const headers = new Headers({ "content-type": "application/json", accept: opts.accept ?? ACCEPT });
  if (opts.token) headers.set("authorization", `Bearer ${opts.token}`);
  if (opts.sessionId) headers.set("mcp-session-id", opts.sessionId);
  const res = await exports.default.fetch(
    new Request(`${BASE_URL}/mcp/v1/${encodeURIComponent(server)}`, {
      method: "POST",
      headers,
      body: JSON.stringify(rpc),
    }),
  );
  responses.push(await res.clone().text());
  return res;
}

const initialize = (client: string) => ({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: client, version: "1" } },
});
const byClient = (requests: RecordedMcpRequest[], client: string) =>
  requests.find((r) => r.rpc?.method === "initialize" && r.rpc.params?.clientInfo?.name === client);

/** Reads an SSE body up to (and including) the first event whose data contains `marker`. */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, marker: string): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  while (!text.includes(marker)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended before ${marker}: ${text}`);
    text += decoder.decode(value, { stream: true });
  }
  return text;
}

describe("MCP proxy", () => {
  it("adds the vault's bearer for the server it is scoped to, and never sends it to another origin", async () => {
    const secret = `mcp-bearer-${crypto.randomUUID()}`;
    await double("/__token", { token: secret });
    const agent = await agentWith([
      { name: "docs", url: MCP_URL },
      { name: "other", url: OTHER_ORIGIN_URL },
    ]);
    const vaultId = await vaultWith([{ type: "static_bearer", mcp_server_url: MCP_URL, token: secret }]);
    const { token, sessionId } = await sessionWith(agent.id, { vaultIds: [vaultId] });

    const client = `docs-${crypto.randomUUID()}`;
    const init = await mcp("docs", initialize(client), { token });
    expect(init.status).toBe(200);
    const body = await init.json<any>();
    expect(body.result.serverInfo.name).toBe("clawplane-mcp-double");
    const mcpSession = init.headers.get("mcp-session-id");
    expect(mcpSession).toBeTruthy();
    const seen = byClient(await recorded(), client);
    // The server saw the vault's bearer, not the session token.
    expect(seen?.headers.authorization).toBe(`Bearer ${secret}`);

    const listed = await mcp(
      "docs",
      { jsonrpc: "2.0", id: 2, method: "tools/list" },
      {
        token,
        sessionId: mcpSession ?? "",
        accept: "application/json",
      },
    );
    expect((await listed.json<any>()).result.tools.map((t: { name: string }) => t.name)).toEqual([
      "echo",
      "gated",
    ]);

    // Same server, other origin: the credential is out of scope, so no Authorization at all.
    const otherClient = `other-${crypto.randomUUID()}`;
    const refused = await mcp("other", initialize(otherClient), { token });
    expect(refused.status).toBe(401);
    expect(refused.headers.get(MCP_PROXY_HEADER)).toBeNull(); // the server's 401, passed through
    const unscoped = byClient(await recorded(), otherClient);
    expect(unscoped).toBeDefined();
    expect(unscoped?.headers.authorization).toBeUndefined();

    // The container front door, instantiated here so this module's log level applies (every
    // level on): the call is logged, its secrets are not.
    setLogLevel("debug");
    const ctx = Object.assign(createExecutionContext(), { props: { sessionId } });
    const viaEntrypoint = await new McpProxyEntrypoint(ctx, env).fetch(
      new Request("http://mcp.clawplane.internal/docs", {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: ACCEPT },
        body: JSON.stringify(initialize(`entry-${crypto.randomUUID()}`)),
      }),
    );
    expect(viaEntrypoint.status).toBe(200);
    responses.push(await viaEntrypoint.text());
    await waitOnExecutionContext(ctx);
    setLogLevel("error");
    expect(consoleText().some((line) => line.includes("mcp call"))).toBe(true);

    for (const text of [...responses, ...consoleText()]) {
      expect(text.includes(secret), "vault secret leaked").toBe(false);
      expect(text.includes(token), "session token leaked").toBe(false);
    }
  });

  it("streams an SSE tool result through as the server produces it", async () => {
    const agent = await agentWith([{ name: "docs", url: MCP_URL }]);
    const { token } = await sessionWith(agent.id);
    const init = await mcp("docs", initialize(`stream-${crypto.randomUUID()}`), { token });
    const mcpSession = init.headers.get("mcp-session-id") ?? "";
    await init.body?.cancel();

    const call = await exports.default.fetch(
      new Request(`${BASE_URL}/mcp/v1/docs`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          accept: ACCEPT,
          "mcp-session-id": mcpSession,
        },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 3,
          method: "tools/call",
          params: { name: "gated", arguments: { label: "L1" } },
        }),
      }),
    );
    expect(call.status).toBe(200);
    expect(call.headers.get("content-type")).toContain("text/event-stream");
    const reader = (call.body as ReadableStream<Uint8Array>).getReader();
    // The progress event arrives while the server still holds the result: nothing is buffered.
    expect(await readUntil(reader, "notifications/progress")).toContain("started gated");
    await double("/__release", {});
    expect(await readUntil(reader, "released: L1")).toContain('"isError":false');
    reader.releaseLock();
  });

  it("lets tools/call through only as the agent's tool policy permits, whoever calls", async () => {
    const agent = await agentWith([{ name: "docs", url: MCP_URL }], {
      default_config: { permission_policy: { type: "always_ask" } },
      configs: [{ name: "secret", enabled: false }],
    });
    const { sessionId, token } = await sessionWith(agent.id);
    const init = await mcp("docs", initialize(`gate-${crypto.randomUUID()}`), { token });
    const mcpSession = init.headers.get("mcp-session-id") ?? "";
    await init.body?.cancel();
    const call = (name: string, args: Record<string, unknown>) =>
      mcp(
        "docs",
        { jsonrpc: "2.0", id: 7, method: "tools/call", params: { name, arguments: args } },
        {
          token,
          sessionId: mcpSession,
        },
      );

    // A disabled tool never runs; an always_ask tool not approved by the user neither.
    const disabled = await call("secret", {});
    expect(disabled.status).toBe(403);
    expect(await disabled.json()).toMatchObject({ error: { details: { error_code: "tool_not_permitted" } } });
    const unasked = await call("echo", { text: "sneaky" });
    expect(unasked.status).toBe(403);
    expect(((await unasked.json()) as { error: { message: string } }).error.message).toContain("approval");

    // The user allowed exactly this call (as the session records when an approval is answered).
    await runInDurableObject(sessionObject(sessionId), (instance: SessionDO) => {
      (instance as unknown as { approvals: { book: ApprovalBook } }).approvals.book.allowOnce(
        "docs__echo",
        canonicalInput({ text: "approved" }),
      );
    });
    expect((await call("echo", { text: "other input" })).status).toBe(403);
    const allowed = await call("echo", { text: "approved" });
    expect(allowed.status).toBe(200);
    await allowed.body?.cancel();
    // Once: the allowance is used up.
    expect((await call("echo", { text: "approved" })).status).toBe(403);
    // Other MCP traffic (listing tools) is not gated.
    const list = await mcp(
      "docs",
      { jsonrpc: "2.0", id: 8, method: "tools/list" },
      { token, sessionId: mcpSession },
    );
    expect(list.status).toBe(200);
    await list.body?.cancel();
  });

  it("answers 401 for a wrong, absent or foreign session token and 404 for an unknown server", async () => {
    const agent = await agentWith([{ name: "docs", url: MCP_URL }]);
    const { token, sessionId } = await sessionWith(agent.id);
    const other = await sessionWith(agent.id);
    const cases: Array<[string | null, string]> = [
      [null, "absent"],
      ["not-a-session-token", "malformed"],
      [`${token.slice(0, -4)}AAAA`, "wrong secret"],
    ];
    for (const [bad, what] of cases) {
      const res = await mcp("docs", initialize("x"), { token: bad });
      expect(res.status, what).toBe(401);
      expect(res.headers.get(MCP_PROXY_HEADER), what).toBe("invalid_session_token");
    }
    const unknown = await mcp("nope", initialize("x"), { token });
    expect(unknown.status).toBe(404);
    expect((await unknown.json<any>()).error.details.error_code).toBe("mcp_server_not_found");

    // The container entrypoint is bound to one session: another session's token is refused.
    const entry = (props: { sessionId: string }) => exports.McpProxyEntrypoint({ props });
    const request = (t: string) =>
      new Request("http://mcp.clawplane.internal/docs", {
        method: "POST",
        headers: { authorization: `Bearer ${t}`, "content-type": "application/json", accept: ACCEPT },
        body: JSON.stringify(initialize(`entry-${crypto.randomUUID()}`)),
      });
    const ok = await entry({ sessionId }).fetch(request(token));
    expect(ok.status).toBe(200);
    expect(ok.headers.get("mcp-session-id")).toBeTruthy();
    await ok.body?.cancel();
    const foreign = await entry({ sessionId }).fetch(request(other.token));
    expect(foreign.status).toBe(401);
    await foreign.body?.cancel();

    // An archived session's token is dead.
    await callJson(`/v1/sessions/${sessionId}/archive`, { method: "POST" });
    const archived = await mcp("docs", initialize("x"), { token });
    expect(archived.status).toBe(401);
  });

  it("answers its own failures in the API's one error envelope, on both front doors", async () => {
    // The route: a path that names no server.
    const noServer = await exports.default.fetch(new Request(`${BASE_URL}/mcp/v1/`, { method: "POST" }));
    expect(noServer.status).toBe(404);
    expect(noServer.headers.get(MCP_PROXY_HEADER)).toBe("not_found");
    expect(await noServer.json()).toEqual({
      type: "error",
      error: {
        type: "not_found_error",
        message: "no MCP server in this path",
        details: { error_code: "not_found" },
      },
      request_id: noServer.headers.get("request-id"),
    });

    // The container entrypoint, wired without its session: fails closed, retryable.
    const unwired = await new McpProxyEntrypoint(createExecutionContext(), env).fetch(
      new Request("http://mcp.clawplane.internal/docs", { method: "POST" }),
    );
    expect(unwired.status).toBe(503);
    expect(unwired.headers.get("x-should-retry")).toBe("true");
    expect(await unwired.json()).toMatchObject({
      type: "error",
      error: { type: "overloaded_error", details: { error_code: "service_unavailable" } },
      request_id: expect.stringMatching(/^req_/),
    });
  });

  it("follows the environment's networking: limited needs allow_mcp_servers or the host listed", async () => {
    const agent = await agentWith([{ name: "docs", url: MCP_URL }]);
    const closed = await sessionWith(agent.id, {
      networking: { type: "limited", allowed_hosts: ["api.github.com"] },
    });
    const denied = await mcp("docs", initialize("x"), { token: closed.token });
    expect(denied.status).toBe(403);
    expect((await denied.json<any>()).error.details.error_code).toBe("egress_denied");

    const open = await sessionWith(agent.id, { networking: { type: "limited", allow_mcp_servers: true } });
    expect((await mcp("docs", initialize(`open-${crypto.randomUUID()}`), { token: open.token })).status).toBe(
      200,
    );
    const listed = await sessionWith(agent.id, {
      networking: { type: "limited", allowed_hosts: ["127.0.0.1"] },
    });
    expect(
      (await mcp("docs", initialize(`listed-${crypto.randomUUID()}`), { token: listed.token })).status,
    ).toBe(200);
  });

  it("refreshes an expiring OAuth access token at the credential's token endpoint and keeps the new one", async () => {
    const stale = `stale-${crypto.randomUUID()}`;
    const refreshToken = `refresh-${crypto.randomUUID()}`;
    const clientSecret = `client-${crypto.randomUUID()}`;
    const fresh = `fresh-${crypto.randomUUID()}`;
    await double("/__oauth", { refresh_token: refreshToken, access_token: fresh, expires_in: 3600 });
    await double("/__token", { token: fresh });
    const agent = await agentWith([{ name: "docs", url: MCP_URL }]);
    const vault = await created("/v1/vaults", { display_name: "oauth" });
    const credential = await created(`/v1/vaults/${vault.id}/credentials`, {
      auth: {
        type: "mcp_oauth",
        mcp_server_url: MCP_URL,
        access_token: stale,
        // Inside the refresh margin: used as is, it would expire in flight.
        expires_at: new Date(Date.now() + 20_000).toISOString(),
        refresh: {
          client_id: "clawplane-test",
          refresh_token: refreshToken,
          token_endpoint: `${MCP_ORIGIN}/oauth/token`,
          token_endpoint_auth: { type: "client_secret_post", client_secret: clientSecret },
          scope: "docs.read",
        },
      },
    });
    const { token } = await sessionWith(agent.id, { vaultIds: [vault.id] });
    const client = `oauth-${crypto.randomUUID()}`;
    const init = await mcp("docs", initialize(client), { token });
    expect(init.status).toBe(200);
    await init.body?.cancel();
    expect(byClient(await recorded(), client)?.headers.authorization).toBe(`Bearer ${fresh}`);
    const [exchange] = await double("/__oauth/requests");
    expect(exchange.form).toEqual({
      grant_type: "refresh_token",
      refresh_token: refreshToken,
      client_id: "clawplane-test",
      client_secret: clientSecret,
      scope: "docs.read",
    });
    // The new expiry is sealed back into the vault (the token itself stays write-only).
    await waitFor(async () => {
      const now = await callJson(`/v1/vaults/${vault.id}/credentials/${credential.id}`);
      return Date.parse(now.body.auth.expires_at) > Date.now() + 3_000_000;
    });
    for (const text of [...responses, ...consoleText()]) {
      for (const value of [stale, fresh, refreshToken, clientSecret])
        expect(text.includes(value)).toBe(false);
    }
  });
});
