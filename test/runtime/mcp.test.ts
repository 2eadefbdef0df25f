/**
 * MCP servers and vault credentials end to end with real parts: the Worker under `wrangler dev`,
 * a real OpenClaw gateway per session (local runtime supervisor), the model server double
 * scripted to call an MCP tool, and the MCP server double (test/support/mcp-server.mjs) as the
 * third-party server, which demands the vault's bearer token.
 *
 * The agent declares the server; the session binds a vault with a `static_bearer` credential
 * for it. OpenClaw's config points at the Worker's MCP proxy (`/mcp/v1/<name>`) with the
 * session token, so the tool call must go gateway → proxy (credential added) → server. The
 * secret must not appear in the gateway's /proc environ, its config files or state directory,
 * or the session's events.
 */
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../support/local-stack.mjs";
import { type McpServerDouble, startMcpServer } from "../support/mcp-server.mjs";
import { filesContaining, processEnvironment, readText } from "../support/proc.mjs";
import { sendAndWait, sendEventsAndWait } from "../support/session-driver";

const ADMIN_KEY = "runtime-mcp-admin-key";
const PROVIDER_KEY = "provider-secret-for-mcp-tests";
const VAULT_KEYS = `kt:${btoa(String.fromCharCode(...new Uint8Array(32).fill(7)))}`;
const MCP_BEARER = `mcp-vault-secret-${crypto.randomUUID()}`;

let stack: LocalStack;
let mcp: McpServerDouble;
let client: Anthropic;

beforeAll(async () => {
  mcp = await startMcpServer({ requiredToken: MCP_BEARER });
  stack = await startLocalStack({
    adminKey: ADMIN_KEY,
    providerKey: PROVIDER_KEY,
    vars: { VAULT_ENCRYPTION_KEYS: VAULT_KEYS },
  });
  client = new Anthropic({ apiKey: ADMIN_KEY, baseURL: stack.worker.origin, maxRetries: 0 });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await mcp?.close();
});

describe("an agent's MCP server with a vault credential, on a real gateway", () => {
  it("calls the MCP tool through the Worker's proxy with the vault's bearer, which never enters the runtime", async () => {
    const agent = await client.beta.agents.create({
      name: "Docs",
      model: "claude-sonnet-4-6",
      mcp_servers: [{ type: "url", name: "docs", url: mcp.url }],
      tools: [{ type: "mcp_toolset", mcp_server_name: "docs" }],
    });
    const environment = await client.beta.environments.create({ name: `mcp-${Date.now()}` });
    const vault = await client.beta.vaults.create({ display_name: "docs token" });
    await client.beta.vaults.credentials.create(vault.id, {
      auth: { type: "static_bearer", mcp_server_url: mcp.url, token: MCP_BEARER },
    });
    const session = await client.beta.sessions.create({
      agent: agent.id,
      environment_id: environment.id,
      vault_ids: [vault.id],
    });
    expect(session.vault_ids).toEqual([vault.id]);

    // OpenClaw defers MCP tools behind its `tool_call` tool; the model double calls it.
    stack.model.setMode({
      kind: "tool_call",
      name: "tool_call",
      arguments: { id: "docs__echo", args: { text: "ping docs" } },
    });
    const started = Date.now();
    const asked = await sendAndWait(client, session.id, "use the docs tool", { timeoutMs: 150_000 });
    // MCP tools ask by default (CMA's mcp_toolset policy): nothing reaches the server before the answer.
    const use = asked.find((e) => e.type === "agent.mcp_tool_use")!;
    expect(use).toMatchObject({
      mcp_server_name: "docs",
      name: "echo",
      input: { text: "ping docs" },
      evaluated_permission: "ask",
    });
    expect(asked.at(-1)).toMatchObject({ stop_reason: { type: "requires_action", event_ids: [use.id] } });
    expect(mcp.requests.some((r) => r.rpc?.method === "tools/call")).toBe(false);
    const resumed = await sendEventsAndWait(client, session.id, [
      { type: "user.tool_confirmation", tool_use_id: use.id, result: "allow" },
    ]);
    console.log(`session create → MCP tool turn done (cold runtime): ${Date.now() - started} ms`);
    stack.model.setMode("normal");
    expect(resumed.find((e) => e.type === "agent.mcp_tool_result")).toMatchObject({
      mcp_tool_use_id: use.id,
      is_error: false,
    });
    expect(resumed.at(-1)).toMatchObject({ type: "session.status_idle", stop_reason: { type: "end_turn" } });
    const events = [...asked, ...resumed];

    // The gateway discovered and called the tool through the proxy; the server saw the vault's bearer.
    const calls = mcp.requests.filter((r) => r.rpc?.method === "tools/call");
    expect(calls).toHaveLength(1);
    expect(calls[0]?.rpc.params).toMatchObject({ name: "echo", arguments: { text: "ping docs" } });
    expect(calls[0]?.headers.authorization).toBe(`Bearer ${MCP_BEARER}`);
    expect(mcp.requests.some((r) => r.rpc?.method === "tools/list")).toBe(true);
    // Every request the server saw carried the credential (none reached it with the session token).
    for (const r of mcp.requests) expect(r.headers.authorization).toBe(`Bearer ${MCP_BEARER}`);
    // The tool's answer came back into the turn (the model saw it).
    const toolResult = stack.model.requests.find((r) =>
      JSON.stringify(r.body.messages).includes("echo: ping docs"),
    );
    expect(toolResult).toBeDefined();

    // No secret in the session's events.
    const history = await client.beta.sessions.events.list(session.id, { limit: 1000 });
    expect(JSON.stringify(history.data)).not.toContain(MCP_BEARER);
    expect(JSON.stringify(events)).not.toContain(MCP_BEARER);

    // Nor in the gateway process's environment, its config, or anything in its state directory.
    const runtime = (await (await fetch(`${stack.supervisor.origin}/runtimes/${session.id}`)).json()) as {
      pid: number;
    };
    const environ = processEnvironment(runtime.pid);
    const joined = environ.join("\n");
    expect(joined).not.toContain(MCP_BEARER);
    expect(joined).not.toContain(PROVIDER_KEY);
    // The MCP block of the session's config document (src/runtime/openclaw/session-config.ts).
    const mcpConfig = JSON.parse(
      environ
        .find((line) => line.startsWith("CLAWPLANE_SESSION_CONFIG="))!
        .slice("CLAWPLANE_SESSION_CONFIG=".length),
    ).mcp;
    expect(mcpConfig).toEqual({
      servers: {
        docs: {
          url: `${stack.worker.origin}/mcp/v1/docs`,
          transport: "streamable-http",
          // biome-ignore lint/suspicious/noTemplateCurlyInString: OpenClaw's env reference, verbatim
          headers: { Authorization: "Bearer ${CLAWPLANE_SESSION_TOKEN}" },
          requestTimeoutMs: 60_000,
        },
      },
    });
    const configPath = environ.find((line) => line.startsWith("OPENCLAW_CONFIG_PATH="))!.split("=")[1]!;
    const stateDir = environ.find((line) => line.startsWith("OPENCLAW_STATE_DIR="))!.split("=")[1]!;
    // The document as the gateway reads it: included by its root config, beside it.
    const included = readText(`${configPath.slice(0, configPath.lastIndexOf("/"))}/clawplane-session.json`);
    expect(JSON.parse(included).mcp).toEqual(mcpConfig);
    const scan = filesContaining(stateDir, MCP_BEARER);
    expect(scan.scanned).toBeGreaterThan(3);
    expect(scan.found).toEqual([]);
  });
});
