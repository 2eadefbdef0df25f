/**
 * The one way the rest of the Worker reaches a Teleport connector (a `TeleportConnectorDO` per
 * org): submit a recorded run, cancel one, and read queue positions from the record.
 */
import { createDb, type Db } from "../db/client";
import { ApiError } from "../errors";
import { type BeamRunRow, getBeamRun, runsInStatus, updateBeamRun } from "./beam-runs";
import { ORG_SCOPE } from "./teleport-connection";

/** What the connector's Durable Object answers over RPC. */
export interface ConnectorRpc {
  submit(runId: string): Promise<void>;
  cancel(runId: string, reason: string): Promise<void>;
  reap(): Promise<{ removed: string[]; failed: string[] }>;
}

export function connectorStub(env: Env, connector: string = ORG_SCOPE): ConnectorRpc | null {
  const ns = env.BEAM_CONNECTORS;
  if (!ns) return null;
  return ns.get(ns.idFromName(connector)) as unknown as ConnectorRpc;
}

/**
 * Cancels a run: a queued one never starts; a starting or running one is stopped and its beam
 * removed by the connector. A run that already ended is refused (409), its record unchanged.
 */
export async function cancelBeamRun(env: Env, runId: string, reason: string): Promise<BeamRunRow> {
  const db = createDb(env.DB);
  const now = Date.now();
  const before = await getBeamRun(db, runId);
  const row = await updateBeamRun(db, runId, { status: "cancelled", error: reason, endedAt: now });
  if (!row) throw new ApiError("beam_run_ended", `beam run ${runId} has already ended (${before.status})`);
  // The beam (if the connector got as far as creating one) is removed by the connector.
  if (before.status !== "queued") await connectorStub(env, before.connector)?.cancel(runId, reason);
  return row;
}

/** 1-based positions of queued runs in their connector's queue (oldest first). */
export async function queuePositions(db: Db, rows: readonly BeamRunRow[]): Promise<Map<string, number>> {
  const positions = new Map<string, number>();
  const connectors = new Set(rows.filter((r) => r.status === "queued").map((r) => r.connector));
  for (const connector of connectors) {
    const queue = await runsInStatus(db, connector, ["queued"]);
    queue.forEach((run, i) => {
      positions.set(run.id, i + 1);
    });
  }
  return positions;
}
