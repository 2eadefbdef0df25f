/**
 * The tailnet connector path with real parts: `wrangler dev` (the Worker, its org's
 * TailnetConnectorDO), the connector program (scripts/tailnet-connector.mjs, the same one the
 * connector's container runs), our agents in real OpenClaw gateways (the local runtime
 * supervisor), and a PLAIN OpenClaw gateway with its bundled A2A channel. Replaced: Tailscale
 * itself — the connector's transport is its loopback double, and the Tailscale API (key
 * minting) is test/support/tailscale-api.mjs. The Worker has no loopback map of its own and no
 * public A2A ingress: every byte to and from a peer goes through the connector.
 *
 * Proves: the connector boots with a key minted for that boot (single-use, ephemeral,
 * pre-authorised, tagged); our agent's peer_send reaches the plain gateway through it; the plain
 * gateway's own `message` tool sends to our agent through the connector's tailnet ingress and
 * our agent answers in a session of its own; two Clawplane agents in two planes talk through the
 * same path; every message is in the peer's traffic log and the audit log.
 */
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTailnetConnector, type TailnetConnector } from "../../scripts/tailnet-connector.mjs";
import { TAILSCALE_CLIENT } from "../helpers/tailnet";
import { waitFor } from "../helpers/wait";
import { type LocalStack, startLocalStack } from "../support/local-stack.mjs";
import { type ModelServer, startModelServer } from "../support/model-server.mjs";
import { type OpenClawProcess, startOpenClaw } from "../support/openclaw-process.mjs";
import { lastAgentText, type SessionEvent, sendAndWait } from "../support/session-driver";
import { startTailscaleApi, type TailscaleApiDouble } from "../support/tailscale-api.mjs";
import { freePort } from "../support/worker-process.mjs";

const ADMIN_KEY = "tailnet-connector-test-admin-key";
const CONNECTOR_TOKEN = `connector-${crypto.randomUUID()}`;
/** What the plain gateway expects from Clawplane (its `peers.clawplane.token`). */
const PEER_TOKEN = `peer-gw-token-${crypto.randomUUID()}`;
const PEER_HOST = "team-box.tail0000.ts.net";
/** Our connector's node on the (double) tailnet: `hostname` of PUT /v1/tailnet + the double's domain. */
const OUR_HOST = "clawplane.tail0000.ts.net";
const CONFIG = new URL("../support/openclaw-a2a-peer.json5", import.meta.url).pathname;

let stack: LocalStack;
let tsApi: TailscaleApiDouble;
let connector: TailnetConnector;
let peerModel: ModelServer;
let gateway: OpenClawProcess;
let client: Anthropic;
let agentId: string;
let environmentId: string;
let peerId: string;
let ingressPort: number;

async function api(path: string, init: { method?: string; body?: unknown; key?: string } = {}) {
  const res = await fetch(`${stack.worker.origin}${path}`, {
    method: init.method ?? (init.body ? "POST" : "GET"),
    headers: { authorization: `Bearer ${init.key ?? ADMIN_KEY}`, "content-type": "application/json" },
    body: init.body ? JSON.stringify(init.body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

beforeAll(async () => {
  const [connectorPort, gatewayPort] = [await freePort(), await freePort()];
  ingressPort = await freePort();
  tsApi = await startTailscaleApi({
    clients: { [TAILSCALE_CLIENT.id]: { secret: TAILSCALE_CLIENT.secret, tags: ["tag:clawplane-agent"] } },
  });
  stack = await startLocalStack({
    adminKey: ADMIN_KEY,
    providerKey: "provider-key-tailnet",
    vars: {
      TAILNET_CONNECTOR_URL: `http://127.0.0.1:${connectorPort}`,
      TAILNET_CONNECTOR_TOKEN: CONNECTOR_TOKEN,
      TAILSCALE_API_BASE_URL: tsApi.origin,
      LOG_LEVEL: "info",
    },
  });
  connector = await startTailnetConnector({
    token: CONNECTOR_TOKEN,
    workerOrigin: stack.worker.origin,
    port: connectorPort,
    ingressPort,
    transport: "loopback_double",
    loopbackHosts: `${PEER_HOST}=127.0.0.1:${gatewayPort},${OUR_HOST}=127.0.0.1:${ingressPort}`,
  });
  client = new Anthropic({ apiKey: ADMIN_KEY, baseURL: stack.worker.origin, maxRetries: 0 });
  agentId = (await client.beta.agents.create({ name: "Coordinator", model: "claude-sonnet-4-6" })).id;
  environmentId = (await client.beta.environments.create({ name: `tailnet-${Date.now()}` })).id;
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
      // Our agent as the gateway's team sees it: the connector's tailnet ingress (loopback here;
      // `http://clawplane.<tailnet>.ts.net:18789/...` on a real tailnet).
      A2A_CLAWPLANE_URL: `http://127.0.0.1:${ingressPort}/a2a/agents/${agentId}/v1`,
      A2A_CLAWPLANE_OUT_TOKEN: peer.body.inbound_token,
    },
  });
}, 400_000);

afterAll(async () => {
  // What the Worker and the plain gateway said about peers, for a failure's reader.
  const about = /a2a|peer|tailnet|error/i;
  console.log(
    `[tailnet] worker log (peer lines):\n${(stack?.worker.logs() ?? "")
      .split("\n")
      .filter((l) => about.test(l))
      .slice(-40)
      .join("\n")}`,
  );
  console.log(
    `[tailnet] peer gateway log (a2a lines):\n${(gateway?.logs() ?? "")
      .split("\n")
      .filter((l) => /a2a|message/i.test(l))
      .slice(-40)
      .join("\n")}`,
  );
  console.log(
    `[tailnet] peer model tools offered: ${JSON.stringify([...new Set((peerModel?.requests ?? []).flatMap((r) => (r.body?.tools ?? []).map((t: any) => t.function?.name)))])}`,
  );
  await gateway?.stop();
  await peerModel?.close();
  await connector?.close();
  await stack?.stop();
  await tsApi?.close();
});

describe("the tailnet connector path, with a plain OpenClaw gateway and two planes", {
  timeout: 400_000,
}, () => {
  it("boots the connector with a join key minted for that boot: single-use, ephemeral, pre-authorised, tagged", async () => {
    // Before any OAuth client: peer calls fail naming what is missing, nothing is minted.
    const before = await api(`/v1/peers/${peerId}/test`, { method: "POST" });
    expect(before.body).toMatchObject({ reachable: false });
    expect(before.body.error).toContain("PUT /v1/tailnet");
    expect(tsApi.minted).toHaveLength(0);

    const put = await api("/v1/tailnet", {
      method: "PUT",
      body: { oauth_client_id: TAILSCALE_CLIENT.id, oauth_client_secret: TAILSCALE_CLIENT.secret },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body.connector).toMatchObject({
      state: "booted",
      transport: "loopback_double",
      dns_name: OUR_HOST,
      error: null,
    });
    expect(JSON.stringify(put.body)).not.toContain(TAILSCALE_CLIENT.secret);
    expect(tsApi.minted).toHaveLength(1);
    expect(tsApi.minted[0]?.capabilities.devices.create).toEqual({
      reusable: false,
      ephemeral: true,
      preauthorized: true,
      tags: ["tag:clawplane-agent"],
    });
    // A new boot mints a new key (the connector refuses a key it has seen, as Tailscale does).
    const again = await api("/v1/tailnet/connector/boot", { method: "POST" });
    expect(again.body).toMatchObject({ state: "booted", dns_name: OUR_HOST });
    expect(tsApi.minted).toHaveLength(2);
    expect(tsApi.minted[1]?.key).not.toBe(tsApi.minted[0]?.key);
    expect(connector.state.boots).toBe(2);
    const audit = await api("/v1/audit?action=tailnet.*&limit=10");
    expect(audit.body.data.map((r: any) => `${r.action}:${r.outcome}`)).toEqual(
      expect.arrayContaining([
        "tailnet.put:success",
        "tailnet.connector_boot:success",
        "tailnet.connector.boot:success",
      ]),
    );
    expect(JSON.stringify(audit.body)).not.toContain(tsApi.minted[1]?.key);
  });

  it("peers test and our agent's peer_send reach the plain gateway through the connector", async () => {
    const probe = await api(`/v1/peers/${peerId}/test`, { method: "POST" });
    expect(probe.body).toMatchObject({ reachable: true, status: 200, error: null });
    const outBefore = connector.state.forwarded.out;

    const sessionId = (await client.beta.sessions.create({ agent: agentId, environment_id: environmentId }))
      .id;
    stack.model.setMode({
      kind: "tool_call",
      name: "peer_send",
      arguments: { peer: "team-box", message: "hello through the connector" },
      when: "ask team-box",
    });
    const events = await sendAndWait(client, sessionId, "ask team-box", { timeoutMs: 300_000 });
    const reply = events.find((e) => e.type === "agent.peer_reply");
    expect(reply, JSON.stringify(events.map((e) => e.type))).toMatchObject({
      peer_name: "team-box",
      state: "TASK_STATE_COMPLETED",
      is_error: false,
    });
    expect(reply?.content[0].text).toContain("hello through the connector");
    expect(lastAgentText(events)).toContain("tool result:");
    expect(connector.state.forwarded.out).toBeGreaterThan(outBefore);

    const traffic = await api(`/v1/peers/${peerId}/messages`);
    const out = traffic.body.data.find((m: any) => m.direction === "out" && m.session_id === sessionId);
    expect(out).toMatchObject({
      agent_id: agentId,
      outcome: "success",
      state: "TASK_STATE_COMPLETED",
      via: "tailnet_connector",
      bytes_in: "hello through the connector".length,
    });
    expect(out.bytes_out).toBe(new TextEncoder().encode(reply?.content[0].text).length);

    // The round trip's overhead over the peer's own answer time: npm run bench:peers.
  });

  it("the plain gateway's own message tool sends to our agent through the connector, and our agent answers", async () => {
    stack.model.setMode("normal");
    // The gateway's agent is told (by us, as its peer) to message its peer `clawplane`; its
    // model double then calls OpenClaw's `message` tool with an a2a target, as a model would.
    peerModel.setMode({
      kind: "tool_call",
      // `message` is one of OpenClaw's deferred tools: a model calls it through `tool_call`.
      name: "tool_call",
      arguments: {
        id: "message",
        args: { action: "send", channel: "a2a", target: "a2a:clawplane", message: "status of the build?" },
      },
      when: "please ask clawplane",
    });
    const inBefore = connector.state.forwarded.in;
    const trigger = await fetch(`${gateway.origin}/a2a/v1`, {
      method: "POST",
      headers: { authorization: `Bearer ${PEER_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "SendMessage",
        params: {
          message: {
            messageId: crypto.randomUUID(),
            contextId: "trigger-1",
            role: "ROLE_USER",
            parts: [{ text: "please ask clawplane" }],
          },
        },
      }),
    });
    const triggered = (await trigger.json()) as any;
    expect(triggered.result?.task?.status?.state, JSON.stringify(triggered)).toBe("TASK_STATE_COMPLETED");

    let message: any;
    await waitFor(
      async () => {
        const traffic = await api(`/v1/peers/${peerId}/messages`);
        message = traffic.body.data.find((m: any) => m.direction === "in");
        return Boolean(message);
      },
      { timeoutMs: 300_000, intervalMs: 1_000, what: "the gateway's message, answered by our agent" },
    );
    expect(message).toMatchObject({
      agent_id: agentId,
      outcome: "success",
      state: "TASK_STATE_COMPLETED",
      via: "tailnet_connector",
      bytes_in: expect.any(Number),
    });
    expect(connector.state.forwarded.in).toBeGreaterThan(inBefore);
    // OpenClaw's outbound: its fixed contextId, one session of ours for it, our answer in it.
    const session = (await api(`/v1/sessions/${message.session_id}`)).body;
    expect(session.metadata).toMatchObject({
      source: "a2a",
      peer_id: peerId,
      context_id: "ctx-oc-clawplane",
    });
    const events = (await api(`/v1/sessions/${message.session_id}/events?limit=100`)).body
      .data as SessionEvent[];
    const userText = JSON.stringify(events.filter((e) => e.type === "user.message"));
    expect(userText).toContain("status of the build?");
    expect(lastAgentText(events)).toContain("status of the build?");
    expect(events.find((e) => e.type === "session.peer_message_received")).toMatchObject({
      peer_id: peerId,
      peer_name: "team-box",
      context_id: "ctx-oc-clawplane",
      via: "tailnet_connector",
      bytes: message.bytes_in,
    });
    expect(events.find((e) => e.type === "session.peer_reply_sent")).toMatchObject({
      peer_id: peerId,
      state: "TASK_STATE_COMPLETED",
      bytes: message.bytes_out,
      // The gateway sent returnImmediately and never polls GetTask: our answer was pushed to it.
      delivery: "pushed_message",
    });
    const audit = await api(`/v1/audit?action=peers.message_in&limit=10`);
    expect(audit.body.data[0]).toMatchObject({
      actor: { type: "peer", id: peerId },
      target: agentId,
      outcome: "success",
    });

    // The gateway got our answer as OpenClaw answers: a SendMessage from its peer `clawplane`,
    // run by its agent (its model double is asked with our answer's text as the peer's message).
    const ours = lastAgentText(events);
    const textOf = (m: any) =>
      typeof m?.content === "string"
        ? m.content
        : (m?.content ?? []).map((p: any) => (typeof p?.text === "string" ? p.text : "")).join("");
    await waitFor(
      () =>
        peerModel.requests.some((r: any) =>
          (r.body?.messages ?? []).some((m: any) => m.role === "user" && textOf(m).includes(ours)),
        ),
      { timeoutMs: 120_000, intervalMs: 500, what: "the plain gateway's agent to read our pushed answer" },
    );
    const pushed = await api(`/v1/audit?action=peers.reply_push&limit=10`);
    expect(pushed.body.data[0]).toMatchObject({ actor: { id: peerId }, outcome: "success" });
  });

  it("two Clawplane agents in two planes talk to each other through the same path", async () => {
    const member = async (plane: string, name: string) => {
      const p = await api("/v1/planes", {
        body: { name: `${plane}-${Date.now()}`, template: { model: "claude-sonnet-4-6" } },
      });
      expect(p.status, JSON.stringify(p.body)).toBe(201);
      const m = await api(`/v1/planes/${p.body.id}/members`, {
        body: { name, owner: `${name}@acme.test` },
      });
      expect(m.status, JSON.stringify(m.body)).toBe(201);
      return { planeId: p.body.id as string, ...m.body } as {
        planeId: string;
        token: string;
        agent_id: string;
        environment_id: string;
      };
    };
    const alice = await member("plane-a", "alice");
    const bob = await member("plane-b", "bob");
    // Bob lets alice's agent in: an inbound peer of his own agent, its credential shown once.
    const inbound = await api("/v1/peers", {
      key: bob.token,
      body: { name: "plane-a-alice", address: OUR_HOST, direction: "inbound", agent_ids: [bob.agent_id] },
    });
    expect(inbound.status, JSON.stringify(inbound.body)).toBe(201);
    // Alice adds bob's agent as her peer: our own connector's tailnet name, bob's agent's A2A path.
    const outbound = await api("/v1/peers", {
      key: alice.token,
      body: {
        name: "plane-b-bob",
        address: OUR_HOST,
        port: ingressPort,
        path: `/a2a/agents/${bob.agent_id}/v1`,
        direction: "outbound",
        agent_ids: [alice.agent_id],
        outbound_token: inbound.body.inbound_token,
      },
    });
    expect(outbound.status, JSON.stringify(outbound.body)).toBe(201);
    expect(outbound.body.path).toBe(`/a2a/agents/${bob.agent_id}/v1`);
    const probe = await api(`/v1/peers/${outbound.body.id}/test`, { method: "POST", key: alice.token });
    expect(probe.body).toMatchObject({ reachable: true, status: 200 });
    // Bob's card names the connector's tailnet URL, not the Worker's.
    expect(probe.body.agent_card.supportedInterfaces[0].url).toBe(
      `http://${OUR_HOST}:${ingressPort}/a2a/agents/${bob.agent_id}/v1`,
    );

    const aliceClient = new Anthropic({ apiKey: alice.token, baseURL: stack.worker.origin, maxRetries: 0 });
    const session = await aliceClient.beta.sessions.create({
      agent: alice.agent_id,
      environment_id: alice.environment_id,
    });
    stack.model.setMode({
      kind: "tool_call",
      name: "peer_send",
      arguments: { peer: "plane-b-bob", message: "hello plane b, from alice" },
      when: "ask bob",
    });
    const events = await sendAndWait(aliceClient, session.id, "ask bob", { timeoutMs: 300_000 });
    const reply = events.find((e) => e.type === "agent.peer_reply");
    expect(reply, JSON.stringify(events.map((e) => e.type))).toMatchObject({
      peer_name: "plane-b-bob",
      state: "TASK_STATE_COMPLETED",
      is_error: false,
    });
    // Bob's agent (normal mode: it echoes what it was sent) answered alice's words.
    expect(reply?.content[0].text).toContain("hello plane b, from alice");

    // Each side's traffic, seen by its own member: alice's out, bob's in, in bob's own session.
    const aliceTraffic = (await api(`/v1/peers/${outbound.body.id}/messages`, { key: alice.token })).body
      .data;
    expect(aliceTraffic[0]).toMatchObject({
      direction: "out",
      session_id: session.id,
      via: "tailnet_connector",
    });
    const bobTraffic = (await api(`/v1/peers/${inbound.body.id}/messages`, { key: bob.token })).body.data;
    expect(bobTraffic[0]).toMatchObject({
      direction: "in",
      agent_id: bob.agent_id,
      outcome: "success",
      via: "tailnet_connector",
    });
    const bobSession = (await api(`/v1/sessions/${bobTraffic[0].session_id}`, { key: bob.token })).body;
    expect(bobSession.metadata).toMatchObject({ source: "a2a", peer_id: inbound.body.id });
    // Alice's plane cannot see bob's peer.
    expect((await api(`/v1/peers/${inbound.body.id}/messages`, { key: alice.token })).status).toBe(404);
  });

  it("the Worker's public HTTPS serves no A2A here: peers get in only through the connector", async () => {
    const res = await fetch(`${stack.worker.origin}/a2a/agents/${agentId}/.well-known/agent-card.json`);
    expect(res.status).toBe(404);
    // A request claiming to be the connector with the wrong token is not let through either.
    const forged = await fetch(`${stack.worker.origin}/a2a/agents/${agentId}/.well-known/agent-card.json`, {
      headers: { "x-clawplane-connector-token": "not-the-token" },
    });
    expect(forged.status).toBe(404);
    const viaTailnet = await fetch(
      `http://127.0.0.1:${ingressPort}/a2a/agents/${agentId}/.well-known/agent-card.json`,
    );
    expect(viaTailnet.status).toBe(200);
    // Nothing but our agents' A2A endpoints is reachable from the tailnet.
    expect((await fetch(`http://127.0.0.1:${ingressPort}/v1/agents`)).status).toBe(404);
  });
});
