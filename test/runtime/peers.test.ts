/**
 * Tailnet peers with real parts: `wrangler dev` (the Worker), our agent in a real OpenClaw
 * gateway (the local runtime supervisor, with the clawplane-peers plugin), and a PLAIN OpenClaw
 * gateway from container/node_modules with its bundled A2A channel on (`channels.a2a`, no
 * Clawplane code in it) and its own model double. Tailscale itself is the one seam replaced:
 * the tailnet transport's loopback double maps `team-box.tail0000.ts.net` to the plain gateway.
 *
 * Proves: our agent asks the peer and gets its reply (peer_send → Worker → A2A SendMessage →
 * the peer's agent → the tool result); the peer's A2A request reaches our agent and our answer
 * is its task result; refusals both ways; and the peer's token is nowhere our runtime, the
 * session's events or the API's responses could show it.
 */
import { readdir, readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../helpers/wait";
import { type LocalStack, startLocalStack } from "../support/local-stack.mjs";
import { filesContaining } from "./support";
import { type ModelServer, startModelServer } from "../support/model-server.mjs";
import { type OpenClawProcess, startOpenClaw } from "../support/openclaw-process.mjs";
import { lastAgentText, type SessionEvent, sendAndWait } from "../support/session-driver";

const ADMIN_KEY = "peers-test-admin-key";
/** What the peer gateway expects from Clawplane (its `peers.clawplane.token`). */
const PEER_TOKEN = `peer-gw-token-${crypto.randomUUID()}`;
const PEER_HOST = "team-box.tail0000.ts.net";
const CONFIG = join(import.meta.dirname, "../support/openclaw-a2a-peer.json5");

let stack: LocalStack;
let peerModel: ModelServer;
let gateway: OpenClawProcess;
let client: Anthropic;
let agentId: string;
let environmentId: string;
let peerId: string;
let issuedToken: string;
const responses: string[] = [];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function api(path: string, init: { method?: string; body?: unknown } = {}) {
  const res = await fetch(`${stack.worker.origin}${path}`, {
    method: init.method ?? (init.body ? "POST" : "GET"),
    headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
    body: init.body ? JSON.stringify(init.body) : undefined,
  });
  const text = await res.text();
  responses.push(text);
  return { status: res.status, body: JSON.parse(text) };
}

async function a2a(token: string, method: string, params: unknown) {
  const res = await fetch(`${stack.worker.origin}/a2a/agents/${agentId}/v1`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const text = await res.text();
  responses.push(text);
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

beforeAll(async () => {
  const gatewayPort = await freePort();
  stack = await startLocalStack({
    adminKey: ADMIN_KEY,
    providerKey: "provider-key-peers",
    vars: { TAILNET_LOOPBACK_HOSTS: `${PEER_HOST}=127.0.0.1:${gatewayPort}`, A2A_PUBLIC_INGRESS: "true" },
  });
  client = new Anthropic({ apiKey: ADMIN_KEY, baseURL: stack.worker.origin, maxRetries: 0 });
  agentId = (await client.beta.agents.create({ name: "Coordinator", model: "claude-sonnet-4-6" })).id;
  environmentId = (await client.beta.environments.create({ name: `peers-${Date.now()}` })).id;
  const peer = await api("/v1/peers", {
    body: {
      name: "team-box",
      address: PEER_HOST,
      port: gatewayPort,
      direction: "both",
      agent_ids: [agentId],
      outbound_token: PEER_TOKEN,
    },
  });
  expect(peer.status, JSON.stringify(peer.body)).toBe(201);
  peerId = peer.body.id;
  issuedToken = peer.body.inbound_token;
  peerModel = await startModelServer({ port: 0 });
  gateway = await startOpenClaw({
    token: `gw-${crypto.randomUUID()}`,
    modelBaseUrl: peerModel.url,
    port: gatewayPort,
    configTemplate: CONFIG,
    channels: true,
    readyTimeoutMs: 180_000,
    env: {
      A2A_ADVERTISED_URL: `http://127.0.0.1:${gatewayPort}`,
      A2A_CLAWPLANE_TOKEN: PEER_TOKEN,
      A2A_CLAWPLANE_URL: `${stack.worker.origin}/a2a/agents/${agentId}/v1`,
      A2A_CLAWPLANE_OUT_TOKEN: issuedToken,
    },
  });
}, 400_000);

afterAll(async () => {
  await gateway?.stop();
  await peerModel?.close();
  await stack?.stop();
});

describe("tailnet peers against a plain OpenClaw gateway", { timeout: 400_000 }, () => {
  it("peers test reaches the gateway and reads its A2A card", async () => {
    const res = await api(`/v1/peers/${peerId}/test`, { method: "POST" });
    expect(res.body).toMatchObject({ reachable: true, status: 200, error: null });
    expect(res.body.agent_card.supportedInterfaces[0]).toMatchObject({
      protocolBinding: "JSONRPC",
      protocolVersion: "1.0",
    });
  });

  let outboundEvents: SessionEvent[] = [];
  it("our agent asks the peer with peer_send and gets the peer agent's reply as the tool result", async () => {
    const sessionId = (await client.beta.sessions.create({ agent: agentId, environment_id: environmentId }))
      .id;
    stack.model.setMode({
      kind: "tool_call",
      name: "peer_send",
      arguments: { peer: "team-box", message: "hello from clawplane" },
    });
    const started = Date.now();
    outboundEvents = await sendAndWait(client, sessionId, "ask team-box", { timeoutMs: 300_000 });
    const turnMs = Date.now() - started;
    const reply = outboundEvents.find((e) => e.type === "agent.peer_reply");
    expect(reply, JSON.stringify(reply ?? outboundEvents.map((e) => e.type))).toMatchObject({
      peer_name: "team-box",
      state: "TASK_STATE_COMPLETED",
      is_error: false,
    });
    // The plain gateway's agent (its model double echoes) answered our message.
    expect(reply?.content[0].text).toContain("hello from clawplane");
    expect(lastAgentText(outboundEvents)).toContain(`tool result: ${reply?.content[0].text}`);
    const peerCalls = peerModel.requests.filter((r) =>
      JSON.stringify(r.body).includes("hello from clawplane"),
    );
    expect(peerCalls.length).toBeGreaterThan(0);
    // Round-trip overhead: the exchange as our session saw it (agent.peer_message → agent.peer_reply)
    // against the peer's own answer time for the same message, asked directly.
    const sent = outboundEvents.find((e) => e.type === "agent.peer_message");
    const viaClawplane = Date.parse(reply?.processed_at) - Date.parse(sent?.processed_at);
    const direct: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = Date.now();
      const res = await fetch(`${gateway.origin}/a2a/v1`, {
        method: "POST",
        headers: { authorization: `Bearer ${PEER_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: i,
          method: "SendMessage",
          params: {
            message: {
              messageId: crypto.randomUUID(),
              contextId: `direct-${i}`,
              role: "ROLE_USER",
              parts: [{ text: "hello from clawplane" }],
            },
          },
        }),
      });
      expect(((await res.json()) as any).result.task.status.state).toBe("TASK_STATE_COMPLETED");
      direct.push(Date.now() - t0);
    }
    direct.sort((a, b) => a - b);
    console.log(
      `[peers] outbound turn ${turnMs} ms; peer exchange via Clawplane ${viaClawplane} ms; peer's own answer (direct, median of 3) ${direct[1]} ms; overhead ${viaClawplane - (direct[1] ?? 0)} ms`,
    );
  });

  it("the peer's A2A request reaches our agent, in a session of its own, and our answer is the task result", async () => {
    stack.model.setMode("normal");
    // The request OpenClaw's outbound sends (`message` tool to a2a:<peer>, verified): returnImmediately, its fixed contextId.
    const sent = await a2a(issuedToken, "SendMessage", {
      message: {
        messageId: crypto.randomUUID(),
        contextId: "ctx-oc-clawplane",
        role: "ROLE_USER",
        parts: [{ text: "status of the build?" }],
      },
      configuration: { returnImmediately: true },
    });
    expect(sent.body.result.task.status.state).toBe("TASK_STATE_WORKING");
    let task: any;
    await waitFor(
      async () => {
        task = (await a2a(issuedToken, "GetTask", { id: sent.body.result.task.id })).body.result;
        return task.status.state !== "TASK_STATE_WORKING";
      },
      { timeoutMs: 300_000, intervalMs: 1_000, what: "our agent's answer" },
    );
    expect(task.status.state).toBe("TASK_STATE_COMPLETED");
    expect(task.artifacts[0].parts[0].text).toContain("status of the build?");
    const sessions = await api(`/v1/sessions?agent_id=${agentId}&limit=100`);
    const mine = sessions.body.data.filter((s: any) => s.metadata.source === "a2a");
    expect(mine).toHaveLength(1);
    expect(mine[0].metadata).toMatchObject({ peer_id: peerId, context_id: "ctx-oc-clawplane" });
  });

  it("refusals: a wrong credential either way, an agent not granted", async () => {
    expect((await a2a("cpp_wrong", "GetTask", { id: "x" })).status).toBe(401);
    const other = (await client.beta.agents.create({ name: "NotGranted", model: "claude-sonnet-4-6" })).id;
    const res = await fetch(`${stack.worker.origin}/a2a/agents/${other}/v1`, {
      method: "POST",
      headers: { authorization: `Bearer ${issuedToken}`, "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "GetTask", params: { id: "x" } }),
    });
    expect(res.status).toBe(404);
    // The plain gateway refuses a token it does not know: our agent reads a refusal, no reply.
    const wrong = await api("/v1/peers", {
      body: {
        name: "team-box-wrong",
        address: PEER_HOST,
        port: gateway.port,
        agent_ids: [agentId],
        outbound_token: "not-the-token",
      },
    });
    expect(wrong.status).toBe(201);
    const sessionId = (await client.beta.sessions.create({ agent: agentId, environment_id: environmentId }))
      .id;
    stack.model.setMode({
      kind: "tool_call",
      name: "peer_send",
      arguments: { peer: "team-box-wrong", message: "hi" },
    });
    const events = await sendAndWait(client, sessionId, "ask the wrong box", { timeoutMs: 300_000 });
    expect(events.find((e) => e.type === "agent.peer_reply")).toMatchObject({
      state: "refused",
      is_error: true,
    });
    // Revoked: the issued credential stops working at once.
    const credential = (await api(`/v1/peers/${peerId}`)).body.inbound_credentials[0].id;
    await api(`/v1/peers/${peerId}/inbound_credentials/${credential}/revoke`, { method: "POST" });
    expect((await a2a(issuedToken, "GetTask", { id: "x" })).status).toBe(401);
  });

  it("the peer's token is in none of our runtime's environment, files, events or responses", async () => {
    const allEvents = JSON.stringify(outboundEvents);
    expect(allEvents).not.toContain(PEER_TOKEN);
    for (const text of responses) expect(text).not.toContain(PEER_TOKEN);
    // Our runtimes: every gateway process holding a Clawplane session token (not the plain peer).
    const pids = (await readdir("/proc")).filter((p) => /^\d+$/.test(p) && Number(p) !== gateway.pid);
    let runtimes = 0;
    for (const pid of pids) {
      const environ = await readFile(`/proc/${pid}/environ`, "utf8").catch(() => "");
      if (!environ.includes("CLAWPLANE_SESSION_TOKEN=cpst_")) continue;
      runtimes++;
      expect(environ).not.toContain(PEER_TOKEN);
      // The peers' endpoint, in the session's config document for the peers plugin.
      expect(environ).toMatch(
        /CLAWPLANE_SESSION_CONFIG=[^\0]*"clawplane-peers":\{"config":\{"url":"http[^"]*\/peers\/v1"/,
      );
    }
    expect(runtimes).toBeGreaterThan(0);
    // Their state dirs (config, transcripts, logs), all but the plain gateway's.
    const dirs = (await readdir(tmpdir())).filter((d) => d.startsWith("clawplane-openclaw-"));
    for (const dir of dirs.map((d) => join(tmpdir(), d)).filter((d) => d !== gateway.stateDir)) {
      const hits = await filesContaining(dir, PEER_TOKEN);
      expect(hits, dir).toEqual([]);
    }
  });
});
