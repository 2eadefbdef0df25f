/**
 * Outbound peer calls through the real Worker, as the `peer_send` / `peer_list` tools make
 * them (container/plugins/clawplane-peers): authenticated by the session's token, policy (the
 * peer must be granted to the session's agent), the peer's rate limit, the A2A call to the peer
 * double over the tailnet transport's loopback double (which answers only with the right
 * token), the reply, the session's typed events, and the audit trail. The peer's token
 * appears in none of what the runtime or the API client sees.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { call, callJson, MINIMAL_AGENT } from "../helpers/api";
import { mintSessionToken } from "../helpers/session-token";
import { addMember, createPlane, memberSession } from "../helpers/planes";
import { A2A_PEER_TOKEN } from "../helpers/tailnet";
import { waitFor } from "../helpers/wait";

const OUT_TOKEN = A2A_PEER_TOKEN;
let agentId: string;
let sessionId: string;
let token: string;
let peerName: string;

function peerCall(path: string, body?: unknown, bearer = token) {
  return call(`/peers/v1${path}`, {
    key: null,
    headers: { authorization: `Bearer ${bearer}` },
    ...(body === undefined ? {} : { body }),
  });
}

beforeAll(async () => {
  agentId = (await callJson("/v1/agents", { body: MINIMAL_AGENT })).body.id;
  peerName = `peer-b-${crypto.randomUUID().slice(0, 6)}`;
  const peer = await callJson("/v1/peers", {
    body: {
      name: peerName,
      address: "peer-b.tail0000.ts.net",
      agent_ids: [agentId],
      outbound_token: OUT_TOKEN,
      rate_limit_per_minute: 4,
    },
  });
  expect(peer.status).toBe(201);
  // A peer of another agent: never visible to this session.
  const otherAgent = (await callJson("/v1/agents", { body: { ...MINIMAL_AGENT, name: "Other" } })).body.id;
  await callJson("/v1/peers", {
    body: {
      name: "not-yours",
      address: "peer-b.tail0000.ts.net",
      agent_ids: [otherAgent],
      outbound_token: OUT_TOKEN,
    },
  });
  const env = (
    await callJson("/v1/environments", {
      body: { name: `e-${crypto.randomUUID().slice(0, 6)}`, config: { type: "cloud" } },
    })
  ).body.id;
  sessionId = (await callJson("/v1/sessions", { body: { agent: agentId, environment_id: env } })).body.id;
  token = (await mintSessionToken(sessionId)) as string;
  expect(token).toMatch(/^cpst_/);
});

describe("peer calls of a session's runtime", () => {
  it("lists only the peers granted to the session's agent", async () => {
    const res = await peerCall("/peers");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: [{ name: peerName, protocol: "a2a" }] });
  });

  it("refuses anything but the session's own token", async () => {
    expect((await peerCall("/peers", undefined, "cpst_sesn_x_wrong")).status).toBe(401);
    expect((await peerCall("/peers", undefined, "test-admin-key")).status).toBe(401);
    expect(
      (await peerCall("/send", { peer: peerName, message: "hi" }, `${token.slice(0, -1)}x`)).status,
    ).toBe(401);
  });

  it("sends over the tailnet transport and returns the peer's answer, with typed events", async () => {
    const res = await peerCall("/send", { peer: peerName, message: "what is 2+2?" });
    const body = await res.json<any>();
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({
      peer: peerName,
      state: "TASK_STATE_COMPLETED",
      reply: "peer-b heard: what is 2+2?",
      is_error: false,
    });

    const events = await callJson(`/v1/sessions/${sessionId}/events?limit=1000`);
    const sent = events.body.data.find((e: any) => e.type === "agent.peer_message");
    const reply = events.body.data.find((e: any) => e.type === "agent.peer_reply");
    expect(sent).toMatchObject({
      peer_name: peerName,
      context_id: `clawplane-${sessionId}`,
      wait: true,
      content: [{ type: "text", text: "what is 2+2?" }],
    });
    expect(reply).toMatchObject({
      peer_message_id: sent.id,
      state: "TASK_STATE_COMPLETED",
      is_error: false,
      content: [{ text: "peer-b heard: what is 2+2?" }],
    });
    expect(JSON.stringify(events.body)).not.toContain(OUT_TOKEN);
    expect(JSON.stringify(body)).not.toContain(OUT_TOKEN);
  });

  it("without waiting, answers at once and delivers the reply as an event", async () => {
    const res = await peerCall("/send", { peer: peerName, message: "later please", wait: false });
    const body = await res.json<any>();
    expect(body).toMatchObject({ status: "sent", peer: peerName });
    await waitFor(
      async () => {
        const events = await callJson(`/v1/sessions/${sessionId}/events?limit=1000`);
        return events.body.data.some(
          (e: any) =>
            e.type === "agent.peer_reply" &&
            e.peer_message_id === body.message_id &&
            e.content[0].text === "peer-b heard: later please",
        );
      },
      { what: "the peer's reply event" },
    );
  });

  it("refuses a peer not granted to the agent, and past the peer's rate limit", async () => {
    const foreign = await peerCall("/send", { peer: "not-yours", message: "hi" });
    expect(foreign.status).toBe(404);
    expect(((await foreign.json()) as any).error.message).toContain("no peer named 'not-yours'");
    const bad = await peerCall("/send", { peer: peerName, message: "" });
    expect(bad.status).toBe(400);
    // 4 per minute: 2 sent above, so the 3rd and 4th pass and the 5th is refused.
    const statuses = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await peerCall("/send", { peer: peerName, message: `n${i}` })).status);
    expect(statuses).toEqual([200, 200, 429]);
    const audit = await callJson(`/v1/audit?action=peers.message_out&limit=100`);
    const mine = audit.body.data.filter((e: any) => e.actor.id === sessionId);
    expect(mine.filter((e: any) => e.outcome === "success").length).toBeGreaterThanOrEqual(4);
    expect(mine.some((e: any) => e.error_code === "rate_limited")).toBe(true);
    expect(mine.some((e: any) => e.error_code === "peer_not_found")).toBe(true);
  });
});

describe("a peer that refuses our token", () => {
  it("becomes an error result the agent can read, audited as a failure", async () => {
    const name = `wrong-${crypto.randomUUID().slice(0, 6)}`;
    await callJson("/v1/peers", {
      body: {
        name,
        address: "peer-b.tail0000.ts.net",
        agent_ids: [agentId],
        outbound_token: "not-the-token",
      },
    });
    const res = await peerCall("/send", { peer: name, message: "hi" });
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({
      state: "refused",
      is_error: true,
      reply: "the peer refused our credential",
    });
  });
});

describe("a plane member's agent", () => {
  it("is audited in its plane: the plane admin reads its messages out, other planes do not", async () => {
    const plane = await createPlane();
    const other = await createPlane();
    const alice = await addMember(plane.id, "alice");
    const name = `alices-${crypto.randomUUID().slice(0, 6)}`;
    const peer = await callJson("/v1/peers", {
      key: alice.token,
      body: {
        name,
        address: "peer-b.tail0000.ts.net",
        agent_ids: [alice.agent_id],
        outbound_token: OUT_TOKEN,
      },
    });
    expect(peer.status, JSON.stringify(peer.body)).toBe(201);
    const session = await memberSession(alice);
    const aliceToken = (await mintSessionToken(session.id)) as string;
    expect((await peerCall("/send", { peer: name, message: "hello" }, aliceToken)).status).toBe(200);
    expect((await peerCall("/send", { peer: "nobody", message: "hello" }, aliceToken)).status).toBe(404);

    const ofSession = (rows: any[]) => rows.filter((e) => e.actor.id === session.id);
    const asAdmin = await callJson("/v1/audit?action=peers.message_out&limit=100", {
      key: plane.admin_token,
    });
    expect(asAdmin.status).toBe(200);
    const outcomes = ofSession(asAdmin.body.data).map((e: any) => [e.target, e.outcome]);
    expect(outcomes).toContainEqual([peer.body.id, "success"]);
    expect(outcomes).toContainEqual(["nobody", "failure"]);
    const asOther = await callJson("/v1/audit?action=peers.message_out&limit=100", {
      key: other.admin_token,
    });
    expect(ofSession(asOther.body.data)).toEqual([]);
  });
});
