/**
 * `/v1/peers` through the real Worker: adding peers (validation, write-only outbound token,
 * inbound token shown once and stored hashed), who sees which peer (org admin, plane admin,
 * member), `test` against the A2A peer double reached through the tailnet transport's loopback
 * double, credential revocation, delete, and the audit trail.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { parseKeyring } from "../../src/lib/keyring";
import { openOutboundToken, reencryptPeerTokens } from "../../src/peers/peer-store";
import { call, callJson, MINIMAL_AGENT } from "../helpers/api";
import { addMember, createPlane } from "../helpers/planes";
import { A2A_PEER_TOKEN } from "../helpers/tailnet";

const PEER_B = "peer-b.tail0000.ts.net";
const OUT_TOKEN = A2A_PEER_TOKEN;

let agentId: string;
beforeAll(async () => {
  const agent = await callJson("/v1/agents", { body: MINIMAL_AGENT });
  agentId = agent.body.id;
});

const unique = (p: string) => `${p}-${crypto.randomUUID().slice(0, 8)}`;

async function addPeer(body: Record<string, unknown>, key?: string) {
  return callJson("/v1/peers", {
    key,
    body: { name: unique("peer-b"), address: PEER_B, agent_ids: [agentId], ...body },
  });
}

describe("adding a peer", () => {
  it("stores an outbound peer without ever showing its token", async () => {
    const created = await addPeer({ outbound_token: OUT_TOKEN });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      type: "peer",
      address: PEER_B,
      port: 18789,
      protocol: "a2a",
      direction: "outbound",
      agent_ids: [agentId],
      rate_limit_per_minute: 30,
      has_outbound_token: true,
      inbound_credentials: [],
      inbound_token: null,
    });
    const fetched = await call(`/v1/peers/${created.body.id}`);
    const listed = await call("/v1/peers?limit=100");
    for (const text of [JSON.stringify(created.body), await fetched.text(), await listed.text()]) {
      expect(text).not.toContain(OUT_TOKEN);
    }
    const row = await env.DB.prepare("SELECT outbound_ciphertext FROM peers WHERE id = ?")
      .bind(created.body.id)
      .first<{
        outbound_ciphertext: string;
      }>();
    expect(row?.outbound_ciphertext).toMatch(/^v1\./);
    expect(row?.outbound_ciphertext).not.toContain(OUT_TOKEN);
  });

  it("issues an inbound token once and keeps only its hash", async () => {
    const created = await addPeer({ direction: "inbound" });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const token = created.body.inbound_token as string;
    expect(token).toMatch(/^cpp_[0-9A-Za-z]{43}$/);
    expect(created.body.inbound_credentials).toHaveLength(1);
    expect(token.startsWith(created.body.inbound_credentials[0].token_prefix)).toBe(true);
    const again = await call(`/v1/peers/${created.body.id}`);
    expect(await again.text()).not.toContain(token);
    const stored = await env.DB.prepare("SELECT * FROM peer_inbound_credentials WHERE peer_id = ?")
      .bind(created.body.id)
      .all();
    expect(JSON.stringify(stored.results)).not.toContain(token);
  });

  it.each([
    [{ address: "8.8.8.8" }, "address"],
    [{ address: "100.128.0.1" }, "address"],
    [{ address: "peer.example.com" }, "address"],
    [{ address: "100.64.0.0/10" }, "address"],
    [{ name: "Peer B" }, "name"],
    [{ port: 0 }, "port"],
    [{ direction: "outbound" }, "outbound_token"],
    [{ direction: "inbound", outbound_token: "x" }, "outbound_token"],
    [{ protocol: "openclaw_tools_invoke", direction: "both", outbound_token: "x" }, "direction"],
    [{ outbound_token: "has space" }, "outbound_token"],
    [{ agent_ids: [] }, "agent_ids"],
    [{ agent_ids: ["agent_missing"], outbound_token: "x" }, "agent_ids.0"],
    [{ rate_limit_per_minute: 0, outbound_token: "x" }, "rate_limit_per_minute"],
    [{ outbound_token: "x", extra: 1 }, ""],
  ])("refuses %j naming the field, storing nothing", async (patch, path) => {
    const before = await env.DB.prepare("SELECT count(*) AS n FROM peers").first<{ n: number }>();
    const res = await addPeer(patch);
    expect(res.status, JSON.stringify(res.body)).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.body.type).toBe("error");
    if (path) expect(JSON.stringify(res.body.error.details)).toContain(`"path":"${path}"`);
    const after = await env.DB.prepare("SELECT count(*) AS n FROM peers").first<{ n: number }>();
    expect(after?.n).toBe(before?.n);
  });

  it("accepts a tailnet IPv4 and a short MagicDNS name", async () => {
    expect((await addPeer({ address: "100.101.102.103", outbound_token: "x" })).status).toBe(201);
    expect((await addPeer({ address: "gpu-box", outbound_token: "x" })).status).toBe(201);
  });

  it("refuses a second live peer with the same name", async () => {
    const name = unique("dup");
    expect((await addPeer({ name, outbound_token: "x" })).status).toBe(201);
    const second = await addPeer({ name, outbound_token: "x" });
    expect(second.status).toBe(409);
    expect(second.body.error.details.error_code).toBe("name_conflict");
  });
});

describe("testing a peer", () => {
  it("reports reachability, latency and the peer's agent card over the tailnet transport", async () => {
    const peer = (await addPeer({ outbound_token: OUT_TOKEN })).body;
    const res = await callJson(`/v1/peers/${peer.id}/test`, { method: "POST" });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({
      type: "peer_test",
      peer_id: peer.id,
      reachable: true,
      status: 200,
      error: null,
    });
    expect(res.body.latency_ms).toBeGreaterThanOrEqual(0);
    expect(res.body.agent_card.name).toBe("peer-b");
    expect(res.body.agent_card.supportedInterfaces[0]).toMatchObject({
      protocolBinding: "JSONRPC",
      protocolVersion: "1.0",
    });
  });

  it("reports a tailnet address with no route as unreachable", async () => {
    const peer = (await addPeer({ address: "nobody.tail0000.ts.net", outbound_token: "x" })).body;
    const res = await callJson(`/v1/peers/${peer.id}/test`, { method: "POST" });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ reachable: false, latency_ms: null, agent_card: null });
    expect(res.body.error).toContain("no route to nobody.tail0000.ts.net");
  });
});

describe("inbound credentials", () => {
  it("issues another and revokes one; revoking twice is a conflict", async () => {
    const peer = (await addPeer({ direction: "both", outbound_token: "x" })).body;
    const issued = await callJson(`/v1/peers/${peer.id}/inbound_credentials`, { method: "POST" });
    expect(issued.status).toBe(201);
    expect(issued.body.token).toMatch(/^cpp_/);
    const revoke = `/v1/peers/${peer.id}/inbound_credentials/${issued.body.id}/revoke`;
    const revoked = await callJson(revoke, { method: "POST" });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked_at).not.toBeNull();
    expect(revoked.body.token).toBeUndefined();
    expect((await callJson(revoke, { method: "POST" })).body.error.details.error_code).toBe(
      "peer_credential_revoked",
    );
    const shown = await callJson(`/v1/peers/${peer.id}`);
    expect(shown.body.inbound_credentials).toHaveLength(2);
  });

  it("refuses to issue one for an outbound-only peer", async () => {
    const peer = (await addPeer({ outbound_token: "x" })).body;
    const res = await callJson(`/v1/peers/${peer.id}/inbound_credentials`, { method: "POST" });
    expect(res.status).toBe(400);
  });
});

describe("planes", () => {
  it("members add peers for their own agent only; others see nothing of them; plane admins read", async () => {
    const plane = await createPlane();
    const other = await createPlane();
    const alice = await addMember(plane.id, "alice");
    const bob = await addMember(plane.id, "bob");

    const foreign = await addPeer({ agent_ids: [bob.agent_id], outbound_token: "x" }, alice.token);
    expect(foreign.status).toBe(404);
    expect(JSON.stringify(foreign.body.error.details)).toContain('"path":"agent_ids.0"');

    const mine = await addPeer({ agent_ids: [alice.agent_id], outbound_token: OUT_TOKEN }, alice.token);
    expect(mine.status, JSON.stringify(mine.body)).toBe(201);
    expect(mine.body).toMatchObject({ plane_id: plane.id, member_id: alice.id, agent_ids: [alice.agent_id] });

    const path = `/v1/peers/${mine.body.id}`;
    expect((await callJson(path, { key: alice.token })).status).toBe(200);
    expect((await callJson(path, { key: bob.token })).status).toBe(404);
    expect((await callJson(path, { key: other.admin_token })).status).toBe(404);
    expect((await callJson("/v1/peers", { key: bob.token })).body.data).toEqual([]);

    const asAdmin = await callJson("/v1/peers", { key: plane.admin_token });
    expect(asAdmin.status).toBe(200);
    expect(asAdmin.body.data.map((p: { id: string }) => p.id)).toEqual([mine.body.id]);
    expect(JSON.stringify(asAdmin.body)).not.toContain(OUT_TOKEN);
    // Plane admins read; they do not add or delete members' peers.
    expect((await addPeer({ outbound_token: "x" }, plane.admin_token)).status).toBe(403);
    expect((await call(path, { method: "DELETE", key: plane.admin_token })).status).toBe(403);
    expect((await call(path, { method: "DELETE", key: bob.token })).status).toBe(404);

    const tested = await callJson(`${path}/test`, { method: "POST", key: alice.token });
    expect(tested.body.reachable).toBe(true);

    const audit = await callJson(`/v1/audit?target=${mine.body.id}`);
    const rows = audit.body.data.map((e: { action: string; outcome: string; actor_id: string }) => [
      e.action,
      e.outcome,
    ]);
    expect(rows).toContainEqual(["peers.create", "success"]);
    expect(rows).toContainEqual(["peers.test", "success"]);
    // A refused delete is audited too: an attempted change is what an auditor wants to see.
    expect(rows).toContainEqual(["peers.delete", "failure"]);
    expect(rows).not.toContainEqual(["peers.delete", "success"]);
  });
});

describe("deleting a peer", () => {
  it("erases its token, revokes its credentials, and hides it", async () => {
    const peer = (await addPeer({ direction: "both", outbound_token: OUT_TOKEN })).body;
    const res = await callJson(`/v1/peers/${peer.id}`, { method: "DELETE" });
    expect(res.body).toEqual({ id: peer.id, type: "peer_deleted" });
    expect((await callJson(`/v1/peers/${peer.id}`)).status).toBe(404);
    const row = await env.DB.prepare("SELECT outbound_ciphertext FROM peers WHERE id = ?")
      .bind(peer.id)
      .first();
    expect(row?.outbound_ciphertext).toBeNull();
    const live = await env.DB.prepare(
      "SELECT count(*) AS n FROM peer_inbound_credentials WHERE peer_id = ? AND revoked_at IS NULL",
    )
      .bind(peer.id)
      .first<{ n: number }>();
    expect(live?.n).toBe(0);
  });
});

describe("vault key rotation", () => {
  it("re-seals peers' outbound tokens under the new current key, the token unchanged", async () => {
    const peer = (await addPeer({ outbound_token: OUT_TOKEN })).body;
    const [first, second] = (env as unknown as { VAULT_ENCRYPTION_KEYS: string }).VAULT_ENCRYPTION_KEYS.split(
      ",",
    );
    const rotated = await parseKeyring(`${second},${first}`);
    const db = createDb(env.DB);
    let result = await reencryptPeerTokens(db, rotated, 1000);
    while (result.remaining > 0) result = await reencryptPeerTokens(db, rotated, 1000);
    const row = await db.query.peers.findFirst({ where: (p, { eq }) => eq(p.id, peer.id) });
    expect(row?.outboundKeyId).toBe(rotated.currentId);
    expect(await openOutboundToken(rotated, row as NonNullable<typeof row>)).toBe(OUT_TOKEN);
  });
});
