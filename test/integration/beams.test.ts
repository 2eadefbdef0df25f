/**
 * Delegation to Teleport Beams through the Worker in workerd (real D1): the org's Teleport
 * connection (write-only credential), a plane's allow/forbid, and beam runs as users see them.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createBeamRun } from "../../src/beams/beam-runs";
import { createDb } from "../../src/db/client";
import { callJson, createKey } from "../helpers/api";
import { connectTeleport } from "../helpers/teleport";
import { createPlane } from "../helpers/planes";

const JOIN_TOKEN = "tbot-join-9f8e7d6c5b4a39281706f5e4d3c2b1a0";

async function recordRun(sessionId: string, toolCallId: string, createdAt = Date.now()) {
  return createBeamRun(
    createDb(env.DB),
    {
      connector: "test-connector",
      sessionId,
      toolCallId,
      agentId: "agent_test",
      agentVersion: 1,
      planeId: null,
      memberId: null,
      task: "fix the flaky test",
      agentCli: "claude",
      command: ["claude", "--print", "--permission-mode", "bypassPermissions", "fix the flaky test"],
      timeoutSeconds: 300,
      publish: false,
    },
    createdAt,
  );
}

describe("teleport connection", () => {
  it("stores the bot credential sealed and never returns it", async () => {
    const put = await connectTeleport(JOIN_TOKEN);
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      type: "teleport_connection",
      scope: "org",
      proxy_address: "acme.teleport.sh:443",
      bot_name: "clawplane",
      credential: { type: "join_token" },
      delegation_allowed: true,
    });
    const read = await callJson("/v1/teleport/connection");
    expect(JSON.stringify(read.body)).not.toContain(JOIN_TOKEN);
    const row = await env.DB.prepare(
      "SELECT sealed_credential FROM teleport_connections WHERE scope = 'org'",
    ).first<{
      sealed_credential: string;
    }>();
    expect(row?.sealed_credential).toMatch(/^v1\./);
    expect(row?.sealed_credential).not.toContain(JOIN_TOKEN);
    const audit = await callJson("/v1/audit?action=teleport.connection.put");
    expect(audit.body.data[0]).toMatchObject({ action: "teleport.connection.put", target: "teleport:org" });
  });

  it("refuses bad input with field paths and storing nothing, and non-admins", async () => {
    const bad = await callJson("/v1/teleport/connection", {
      method: "PUT",
      body: {
        proxy_address: "https://acme.teleport.sh",
        bot_name: "Bad Bot!",
        credential: { type: "password" },
      },
    });
    expect(bad.status).toBe(400);
    const paths = bad.body.error.details.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(["proxy_address", "bot_name", "credential.type"]));
    expect(JSON.stringify(bad.body)).not.toContain(JOIN_TOKEN);
    const writer = await createKey(["read", "write"]);
    const denied = await callJson("/v1/teleport/connection", {
      method: "PUT",
      key: writer.secret,
      body: {
        proxy_address: "x.teleport.sh:443",
        bot_name: "b",
        credential: { type: "identity", identity: "id" },
      },
    });
    expect(denied.status).toBe(403);
    const still = await callJson("/v1/teleport/connection");
    expect(still.body.proxy_address).toBe("acme.teleport.sh:443");
  });

  it("lets a plane forbid delegation for its members", async () => {
    const plane = await createPlane();
    const put = await callJson(`/v1/planes/${plane.id}/beams`, {
      method: "PUT",
      body: { delegation_allowed: false },
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ scope: plane.id, delegation_allowed: false, credential: null });
    const { assertDelegationAllowed } = await import("../../src/beams/teleport-connection");
    await expect(assertDelegationAllowed(createDb(env.DB), plane.id)).rejects.toMatchObject({
      code: "beam_delegation_forbidden",
    });
    await expect(assertDelegationAllowed(createDb(env.DB), null)).resolves.toBeTruthy();
    const missing = await callJson("/v1/planes/plane_nope/beams", {
      method: "PUT",
      body: { delegation_allowed: true },
    });
    expect(missing.status).toBe(404);
  });
});

describe("beam runs", () => {
  it("lists runs with queue positions, filters by session, shows one with its output", async () => {
    const session = `sesn_${crypto.randomUUID().slice(0, 8)}`;
    const t = Date.now();
    const first = await recordRun(session, "call_1", t);
    const second = await recordRun(session, "call_2", t + 1);
    // A retried tool call finds its run instead of creating a second beam.
    expect((await recordRun(session, "call_1", t + 2)).id).toBe(first.id);
    const list = await callJson(`/v1/beam_runs?session_id=${session}`);
    expect(list.status).toBe(200);
    expect(list.body.data.map((r: { id: string }) => r.id)).toEqual([second.id, first.id]);
    expect(list.body.data.map((r: { queue_position: number }) => r.queue_position)).toEqual([2, 1]);
    const one = await callJson(`/v1/beam_runs/${first.id}`);
    expect(one.body).toMatchObject({
      id: first.id,
      type: "beam_run",
      status: "queued",
      agent_cli: "claude",
      tool_call_id: "call_1",
      output: { text: "", bytes: 0, truncated: false },
      beam: { id: null, uuid: null, url: null },
    });
    expect((await callJson("/v1/beam_runs/beam_nope")).status).toBe(404);
    expect((await callJson("/v1/beam_runs?status=exploded")).status).toBe(400);
  });

  it("cancels a queued run once, audited; a second cancel is a conflict", async () => {
    const run = await recordRun(`sesn_${crypto.randomUUID().slice(0, 8)}`, "call_x");
    const cancelled = await callJson(`/v1/beam_runs/${run.id}/cancel`, { method: "POST" });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({
      status: "cancelled",
      queue_position: null,
      error: "cancelled through the API",
    });
    const again = await callJson(`/v1/beam_runs/${run.id}/cancel`, { method: "POST" });
    expect(again.status).toBe(409);
    expect(again.body.error.details.error_code).toBe("beam_run_ended");
    const audit = await callJson(`/v1/audit?action=beam_runs.cancel`);
    expect(audit.body.data.map((a: { target: string }) => a.target)).toContain(run.id);
  });
});
