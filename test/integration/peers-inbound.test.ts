/**
 * Inbound A2A through the real Worker: a peer holding the credential we issued calls our
 * agent's JSON-RPC endpoint. Refusals (no, wrong, revoked credential; an agent not granted; the
 * peer's rate limit), the card, and one session per (peer, contextId) visible through the
 * sessions API. The agent's answer itself needs a runtime: test/runtime/peers.test.ts.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { call, callJson, MINIMAL_AGENT } from "../helpers/api";
import { A2A_PEER_TOKEN } from "../helpers/tailnet";
import { waitFor } from "../helpers/wait";

let granted: string;
let other: string;
let peer: { id: string; token: string };

async function rpc(agentId: string, token: string | null, body: unknown) {
  return call(`/a2a/agents/${agentId}/v1`, {
    key: null,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    rawBody: typeof body === "string" ? body : JSON.stringify(body),
  });
}

const send = (contextId: string, text = "hello") => ({
  jsonrpc: "2.0",
  id: 1,
  method: "SendMessage",
  params: {
    message: { messageId: crypto.randomUUID(), contextId, role: "ROLE_USER", parts: [{ text }] },
    configuration: { returnImmediately: true },
  },
});

async function inboundPeer(rate: number) {
  const created = await callJson("/v1/peers", {
    body: {
      name: `in-${crypto.randomUUID().slice(0, 8)}`,
      address: "alpha.tail0000.ts.net",
      direction: "inbound",
      agent_ids: [granted],
      rate_limit_per_minute: rate,
    },
  });
  expect(created.status).toBe(201);
  return { id: created.body.id as string, token: created.body.inbound_token as string };
}

beforeAll(async () => {
  granted = (await callJson("/v1/agents", { body: { ...MINIMAL_AGENT, name: "Granted" } })).body.id;
  other = (await callJson("/v1/agents", { body: { ...MINIMAL_AGENT, name: "Other" } })).body.id;
  peer = await inboundPeer(600);
});

describe("the agent card", () => {
  it("is public for a granted agent and names its JSON-RPC endpoint and bearer scheme", async () => {
    const res = await callJson(`/a2a/agents/${granted}/.well-known/agent-card.json`, { key: null });
    expect(res.status).toBe(200);
    expect(res.body.name).toBe("Granted");
    expect(res.body.supportedInterfaces[0]).toEqual({
      url: `http://clawplane.test/a2a/agents/${granted}/v1`,
      protocolBinding: "JSONRPC",
      protocolVersion: "1.0",
    });
    expect(res.body.securitySchemes.bearer).toBeDefined();
  });

  it("does not exist for an agent no inbound peer was granted", async () => {
    expect((await call(`/a2a/agents/${other}/.well-known/agent-card.json`, { key: null })).status).toBe(404);
  });
});

describe("refusals", () => {
  it("refuses no credential, a wrong one and an API key with HTTP 401", async () => {
    for (const token of [null, "cpp_wrong", "test-admin-key"]) {
      expect((await rpc(granted, token, send("c1"))).status).toBe(401);
    }
  });

  it("refuses an agent the peer was not granted like one that does not exist", async () => {
    const res = await rpc(other, peer.token, send("c1"));
    expect(res.status).toBe(404);
    const missing = await rpc("agent_doesnotexist", peer.token, send("c1"));
    expect(missing.status).toBe(404);
    expect((await res.json()) as object).toMatchObject({ error: { code: -32600 } });
  });

  it("answers JSON-RPC errors as OpenClaw does", async () => {
    const codes = async (body: unknown) =>
      ((await (await rpc(granted, peer.token, body)).json()) as { error: { code: number } }).error.code;
    expect(await codes("{not json")).toBe(-32700);
    expect(await codes({ jsonrpc: "2.0", id: 2, method: "Nope" })).toBe(-32601);
    expect(await codes({ jsonrpc: "2.0", id: 3, method: "CancelTask", params: { id: "x" } })).toBe(-32004);
    expect(await codes({ jsonrpc: "2.0", id: 4, method: "GetTask", params: { id: "missing" } })).toBe(-32001);
  });
});

describe("conversations and credentials", () => {
  it("runs one session per contextId, visible through the sessions API; revocation", {
    timeout: 20_000,
  }, async () => {
    const first = await (await rpc(granted, peer.token, send("ctx-a"))).json<any>();
    expect(first.result.task).toMatchObject({ contextId: "ctx-a", status: { state: "TASK_STATE_WORKING" } });
    const again = await (await rpc(granted, peer.token, send("ctx-a"))).json<any>();
    const otherCtx = await (await rpc(granted, peer.token, send("ctx-b"))).json<any>();
    const sessions = await callJson(`/v1/sessions?agent_id=${granted}&limit=100`);
    const bySource = sessions.body.data.filter((s: any) => s.metadata.source === "a2a");
    expect(new Set(bySource.map((s: any) => s.metadata.context_id))).toEqual(new Set(["ctx-a", "ctx-b"]));
    expect(bySource).toHaveLength(2);
    expect(bySource.every((s: any) => s.metadata.peer_id === peer.id)).toBe(true);
    // No runtime in workerd: the task ends FAILED, and GetTask reports it to this peer.
    let task: any;
    await waitFor(
      async () => {
        task = await (
          await rpc(granted, peer.token, {
            jsonrpc: "2.0",
            id: 9,
            method: "GetTask",
            params: { id: again.result.task.id },
          })
        ).json<any>();
        return task.result?.status.state !== "TASK_STATE_WORKING";
      },
      { timeoutMs: 10_000, intervalMs: 500, what: "the task to end" },
    );
    expect(task.result.status.state).toBe("TASK_STATE_FAILED");
    expect(otherCtx.result.task.contextId).toBe("ctx-b");

    const credentialId = (await callJson(`/v1/peers/${peer.id}`)).body.inbound_credentials[0].id;
    const revoked = await callJson(`/v1/peers/${peer.id}/inbound_credentials/${credentialId}/revoke`, {
      method: "POST",
    });
    expect(revoked.status).toBe(200);
    expect((await rpc(granted, peer.token, send("ctx-a"))).status).toBe(401);

    // Every message in is audited: the peer as actor, our agent as target, and how it ended.
    await waitFor(
      async () => {
        const audit = await callJson("/v1/audit?action=peers.message_in&limit=100");
        const ours = audit.body.data.filter((e: any) => e.actor.id === peer.id && e.target === granted);
        return (
          ours.length === 3 && ours.every((e: any) => e.actor.type === "peer" && e.outcome === "failure")
        );
      },
      { timeoutMs: 10_000, intervalMs: 200, what: "audit rows of the messages" },
    );
  });

  it("answers -32000 once the peer's rate limit is spent (GetTask counts, as in OpenClaw)", async () => {
    const slow = await inboundPeer(2);
    const getTask = { jsonrpc: "2.0", id: 10, method: "GetTask", params: { id: "x" } };
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await (await rpc(granted, slow.token, getTask)).json<any>());
    expect(answers.map((a) => a.error.code)).toEqual([-32001, -32001, -32000]);
    expect(answers[2].error.message).toContain("Rate limit");
  });
});

describe("answering a peer that does not poll GetTask (OpenClaw's outbound)", () => {
  /** A peer we can also call: the A2A peer double (`peer-b`), which takes only A2A_PEER_TOKEN. */
  async function twoWayPeer(outboundToken: string) {
    const created = await callJson("/v1/peers", {
      body: {
        name: `both-${crypto.randomUUID().slice(0, 8)}`,
        address: "peer-b.tail0000.ts.net",
        direction: "both",
        agent_ids: [granted],
        outbound_token: outboundToken,
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return { id: created.body.id as string, token: created.body.inbound_token as string };
  }

  async function replySent(taskId: string) {
    let event: any;
    await waitFor(
      async () => {
        const tasks = await callJson(`/v1/sessions?agent_id=${granted}&limit=100`);
        for (const s of tasks.body.data) {
          const events = await callJson(`/v1/sessions/${s.id}/events?limit=100`);
          event = events.body.data.find(
            (e: any) => e.type === "session.peer_reply_sent" && e.task_id === taskId,
          );
          if (event) return true;
        }
        return false;
      },
      { timeoutMs: 15_000, intervalMs: 300, what: "the reply event" },
    );
    return event;
  }

  const pushes = async (peerId: string) =>
    (await callJson("/v1/audit?action=peers.reply_push&limit=100")).body.data.filter(
      (e: any) => e.actor.id === peerId,
    );

  it("pushes the answer to the peer as our own SendMessage when it never polls", async () => {
    const two = await twoWayPeer(A2A_PEER_TOKEN);
    const sent = await (await rpc(granted, two.token, send(`ctx-oc-${crypto.randomUUID()}`))).json<any>();
    expect(sent.result.task.status.state).toBe("TASK_STATE_WORKING");
    const event = await replySent(sent.result.task.id);
    expect(event).toMatchObject({ peer_id: two.id, delivery: "pushed_message" });
    expect(await pushes(two.id)).toMatchObject([{ outcome: "success", target: granted }]);
  });

  it("leaves the answer in the task for a peer that polls, and for a blocking call", async () => {
    const two = await twoWayPeer(A2A_PEER_TOKEN);
    const sent = await (await rpc(granted, two.token, send("ctx-poller"))).json<any>();
    const poll = { jsonrpc: "2.0", id: 2, method: "GetTask", params: { id: sent.result.task.id } };
    expect((await (await rpc(granted, two.token, poll)).json<any>()).result.id).toBe(sent.result.task.id);
    expect(await replySent(sent.result.task.id)).toMatchObject({ delivery: "task_result" });

    const blocking = send("ctx-blocking");
    delete (blocking.params as { configuration?: unknown }).configuration;
    const answered = await (await rpc(granted, two.token, blocking)).json<any>();
    expect(answered.result.task.status.state).toBe("TASK_STATE_FAILED");
    expect(await replySent(answered.result.task.id)).toMatchObject({ delivery: "task_result" });

    // An answer (ROLE_AGENT, as our own pushes are) is not answered by a push: no endless ping-pong.
    const answer = send("ctx-answer");
    answer.params.message.role = "ROLE_AGENT";
    const took = await (await rpc(granted, two.token, answer)).json<any>();
    expect(await replySent(took.result.task.id)).toMatchObject({ delivery: "task_result" });
    expect(await pushes(two.id)).toEqual([]);
  });

  it("a push the peer refuses is audited as a failure; the answer stays readable with GetTask", async () => {
    const two = await twoWayPeer("not-the-token-peer-b-takes");
    const sent = await (await rpc(granted, two.token, send("ctx-refused"))).json<any>();
    expect(await replySent(sent.result.task.id)).toMatchObject({ delivery: "task_result" });
    expect(await pushes(two.id)).toMatchObject([{ outcome: "failure", error_code: "peer_unreachable" }]);
  });
});
