/**
 * The connector's queue under parallel submits, as a model's parallel `beam_agent` calls make
 * them: however many submits arrive at once, no more runs start than the rate window allows.
 * No Teleport connection is configured in this file, so a started run fails at once ("no Teleport
 * connection") without touching the tenant double: what counts is how many were started.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createBeamRun } from "../../src/beams/beam-runs";
import type { ConnectorRpc } from "../../src/beams/connector-client";
import { createDb } from "../../src/db/client";
import { waitFor } from "../helpers/wait";

/** The org's connector (its object is named "org" and drives the runs recorded for "org"). */
const CONNECTOR = "org";

describe("beam run queue", () => {
  it("twelve submits at once start five runs (one window's worth); the rest stay queued in order", async () => {
    const db = createDb(env.DB);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const run = await createBeamRun(
        db,
        {
          connector: CONNECTOR,
          sessionId: "sesn_queue_test",
          toolCallId: `call_${i}`,
          agentId: "agent_queue",
          agentVersion: 1,
          planeId: null,
          memberId: null,
          task: `job ${i}`,
          agentCli: "claude",
          command: ["claude", "--print", `job ${i}`],
          timeoutSeconds: 60,
          publish: false,
        },
        Date.now() + i,
      );
      ids.push(run.id);
    }
    const ns = (env as unknown as { BEAM_CONNECTORS: DurableObjectNamespace }).BEAM_CONNECTORS;
    const connector = ns.get(ns.idFromName(CONNECTOR)) as unknown as ConnectorRpc;
    await Promise.all(ids.map((id) => connector.submit(id)));
    const statuses = async () =>
      (
        await env.DB.prepare(
          "SELECT id, status, started_at FROM beam_runs WHERE connector = ? ORDER BY created_at",
        )
          .bind(CONNECTOR)
          .all<{ id: string; status: string; started_at: number | null }>()
      ).results;
    await waitFor(async () => (await statuses()).filter((r) => r.status === "failed").length >= 5, {
      timeoutMs: 20_000,
      what: "five started runs to fail (no connection)",
    });
    const rows = await statuses();
    expect(rows.filter((r) => r.started_at !== null).map((r) => r.id)).toEqual(ids.slice(0, 5));
    expect(rows.filter((r) => r.status === "queued").map((r) => r.id)).toEqual(ids.slice(5));
  }, 30_000);
});
