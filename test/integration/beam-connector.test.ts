/**
 * The org's Teleport connector end to end in workerd: the TeleportConnectorDO (real D1, real
 * Durable Object and alarm storage) driving the connector process (scripts/beams-connector.mjs)
 * on the tsh/tbot doubles (test/support/teleport/, started by test/global-setup.ts). Runs are
 * recorded as the `beam_agent` call records them, then handed to the connector.
 *
 * One scenario per file on purpose: the tenant's 5-per-minute budget is shared by everything here.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type BeamRunRow, createBeamRun } from "../../src/beams/beam-runs";
import type { ConnectorRpc } from "../../src/beams/connector-client";
import { createDb } from "../../src/db/client";
import { callJson } from "../helpers/api";
import { connectTeleport } from "../helpers/teleport";
import { waitFor } from "../helpers/wait";

const JOIN_TOKEN = "tbot-join-0a1b2c3d4e5f60718293a4b5c6d7e8f9";
const TENANT = (env as unknown as { TELEPORT_TENANT_URL: string }).TELEPORT_TENANT_URL;
const connector = () => {
  const ns = (env as unknown as { BEAM_CONNECTORS: DurableObjectNamespace }).BEAM_CONNECTORS;
  return ns.get(ns.idFromName("org")) as unknown as ConnectorRpc;
};

async function record(task: string, timeoutSeconds = 60): Promise<BeamRunRow> {
  return createBeamRun(
    createDb(env.DB),
    {
      connector: "org",
      sessionId: `sesn_${crypto.randomUUID().slice(0, 12)}`,
      toolCallId: `call_${crypto.randomUUID().slice(0, 8)}`,
      agentId: "agent_beams",
      agentVersion: 3,
      planeId: null,
      memberId: null,
      task,
      agentCli: "claude",
      command: ["claude", "--print", "--permission-mode", "bypassPermissions", task],
      timeoutSeconds,
      publish: false,
    },
    Date.now(),
  );
}

const run = async (id: string) => (await callJson(`/v1/beam_runs/${id}`)).body;
const tenantBeams = async (): Promise<{ id: string; uuid: string }[]> =>
  (await fetch(`${TENANT}/beams`)).json();

describe("teleport connector", () => {
  it("keeps 25 delegations within 5 new per minute, runs them to the end, cancels and reaps", async () => {
    const put = await connectTeleport(JOIN_TOKEN);
    expect(put.status).toBe(200);

    // 25 at once: the first five get beams (two succeed, one fails, two run long), twenty wait.
    const tasks = [
      "fix bug A [lines 3]",
      "fix bug B [bytes 40000]",
      "break [exit 3]",
      "long 1 [sleep 60000]",
      "long 2 [sleep 60000]",
    ];
    const runs: BeamRunRow[] = [];
    for (let i = 0; i < 25; i++) runs.push(await record(tasks[i] ?? `later job ${i}`));
    await connector().submit(runs[0]!.id);
    const first = runs.slice(0, 5).map((r) => r.id);
    const waiting = runs.slice(5).map((r) => r.id);
    const byTask = async (task: string) => run(first[tasks.indexOf(task)]!);

    const listed = await callJson("/v1/beam_runs?limit=100&status=queued");
    const positions = new Map(
      listed.body.data.map((r: { id: string; queue_position: number }) => [r.id, r.queue_position]),
    );
    expect(waiting.map((id) => positions.get(id))).toEqual(waiting.map((_, i) => i + 1));
    for (const id of first) expect(positions.has(id)).toBe(false);

    await waitFor(async () => (await byTask("fix bug A [lines 3]")).status === "succeeded", {
      timeoutMs: 60_000,
      what: "A",
    });
    const done = await byTask("fix bug A [lines 3]");
    expect(done).toMatchObject({
      status: "succeeded",
      exit_code: 0,
      bot_identity: "bot-clawplane",
      error: null,
    });
    expect(done.beam.id).toMatch(/^[a-z]+-[a-z]+-\d+$/);
    expect(done.output.text).toContain("step 3/3");
    expect(done.output.text).toContain('RESULT: done with "fix bug A [lines 3]"');
    expect(done.exec_started_at).not.toBeNull();
    expect(done.wall_ms).toBeGreaterThan(0);
    const audit = await callJson(`/v1/audit?target=${done.id}&limit=10`);
    expect(audit.body.data.map((a: { action: string }) => a.action).sort()).toEqual([
      "beams.create",
      "beams.exec",
      "beams.remove",
    ]);
    expect(audit.body.data[0].actor).toEqual({ type: "session", id: done.session_id });

    // A failing agent CLI fails its run with the exit code; a large output is kept whole.
    await waitFor(async () => (await byTask("break [exit 3]")).status === "failed", {
      timeoutMs: 60_000,
      what: "exit 3",
    });
    expect(await byTask("break [exit 3]")).toMatchObject({ exit_code: 3, error: "the agent CLI exited 3" });

    await waitFor(async () => (await byTask("fix bug B [bytes 40000]")).status === "succeeded", {
      timeoutMs: 60_000,
      what: "B",
    });
    expect((await byTask("fix bug B [bytes 40000]")).output.bytes).toBeGreaterThan(40_000);

    // A long one is running; cancelling it stops the exec and removes its beam.
    const longTask = "long 1 [sleep 60000]";
    await waitFor(async () => (await byTask(longTask)).status === "running", {
      timeoutMs: 60_000,
      what: "long run",
    });
    const long = await byTask(longTask);
    expect((await tenantBeams()).map((b) => b.uuid)).toContain(long.beam.uuid);
    const cancelled = await callJson(`/v1/beam_runs/${long.id}/cancel`, { method: "POST" });
    expect(cancelled.body.status).toBe("cancelled");
    await waitFor(async () => !(await tenantBeams()).some((b) => b.uuid === long.beam.uuid), {
      timeoutMs: 30_000,
      what: "the cancelled run's beam to be removed",
    });

    // Five beams were created this minute: though four runs have ended, none of the 21 started.
    const still = await callJson("/v1/beam_runs?limit=100&status=queued");
    expect(still.body.data.filter((r: { id: string }) => waiting.includes(r.id))).toHaveLength(20);

    // A beam left behind (a connector that crashed before recording it) is removed by the reaper,
    // and a run nobody drives any more is failed with the reason.
    // The twenty are cancelled (a queued run never starts), so the next minute's window is free
    // for the stray: Teleport refuses a sixth creation this minute, so it waits for the window.
    for (const id of waiting)
      expect((await callJson(`/v1/beam_runs/${id}/cancel`, { method: "POST" })).status).toBe(200);
    let stray = { id: "", uuid: "" };
    await waitFor(
      async () => {
        const res = await fetch(`${TENANT}/add`, { method: "POST" });
        if (res.ok) stray = (await res.json()) as { id: string; uuid: string };
        return res.ok;
      },
      { timeoutMs: 90_000, intervalMs: 2_000, what: "a stray beam" },
    );
    const lost = await record("lost in a restart");
    await env.DB.prepare("UPDATE beam_runs SET status = 'running', started_at = ? WHERE id = ?")
      .bind(Date.now(), lost.id)
      .run();
    const reaped = await connector().reap();
    expect(reaped.removed).toContain(stray.id);
    expect(reaped.failed).toEqual([lost.id]);
    expect((await tenantBeams()).some((b) => b.uuid === stray.uuid)).toBe(false);
    expect(await run(lost.id)).toMatchObject({ status: "failed", error: expect.stringContaining("reaper") });

    // The join token never left the vault row and the connector: not in any run or audit answer.
    const all = await callJson("/v1/beam_runs?limit=100");
    expect(JSON.stringify(all.body)).not.toContain(JOIN_TOKEN);
    expect(JSON.stringify((await callJson("/v1/audit?limit=200")).body)).not.toContain(JOIN_TOKEN);
  }, 180_000);
});
