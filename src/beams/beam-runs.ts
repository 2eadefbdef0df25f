/**
 * Beam runs in D1: the record of every delegation, written before its beam exists (so the reaper
 * can tell ours from strangers' and orphans from live runs), moved through its statuses only
 * forward, and its output kept in order in bounded chunks.
 */
import { and, asc, desc, eq, gte, inArray, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { Db } from "../db/client";
import { beyondCursor } from "../db/paging";
import { beamRunOutput, beamRuns } from "../db/schema";
import { notFound } from "../errors";
import { decodeCursor, toPage } from "../lib/cursor";
import { newId } from "../lib/ids";
import { toRfc3339, toRfc3339OrNull } from "../lib/time";
import type { BeamAgentCli } from "../schemas/agent-tools";
import {
  BEAM_RUN_FINAL,
  type BeamCliUsageWire,
  type BeamRunStatus,
  type BeamRunWire,
} from "../schemas/beams";

export type BeamRunRow = typeof beamRuns.$inferSelect;

/** A run's output is kept up to this many bytes (UTF-8); the rest is dropped and the cut marked. */
export const BEAM_OUTPUT_MAX_BYTES = 10 * 1024 * 1024;
/** Output is stored in chunks of at most this many bytes (D1 rows are capped near 2 MB). */
export const BEAM_OUTPUT_CHUNK_BYTES = 256 * 1024;

export interface NewBeamRun {
  connector: string;
  sessionId: string;
  toolCallId: string;
  agentId: string;
  agentVersion: number;
  planeId: string | null;
  memberId: string | null;
  task: string;
  agentCli: BeamAgentCli;
  command: string[];
  timeoutSeconds: number;
  publish: boolean;
}

/**
 * Records a run as `queued`. A second call for the same session and tool call returns the first
 * record (a retried tool call must not create a second beam).
 */
export async function createBeamRun(db: Db, run: NewBeamRun, now: number): Promise<BeamRunRow> {
  const inserted = await db
    .insert(beamRuns)
    .values({ id: newId("beamRun"), ...run, status: "queued", createdAt: now })
    .onConflictDoNothing()
    .returning()
    .get();
  if (inserted) return inserted;
  const existing = await db
    .select()
    .from(beamRuns)
    .where(and(eq(beamRuns.sessionId, run.sessionId), eq(beamRuns.toolCallId, run.toolCallId)))
    .get();
  if (!existing) throw new Error("beam run vanished between insert and read");
  return existing;
}

export async function getBeamRun(db: Db, id: string): Promise<BeamRunRow> {
  const row = await db.select().from(beamRuns).where(eq(beamRuns.id, id)).get();
  if (!row) throw notFound("beam_run_not_found", "beam run", id);
  return row;
}

export async function listBeamRuns(
  db: Db,
  q: { limit: number; page?: string; status?: BeamRunStatus } & RunOwner,
): Promise<{ data: BeamRunRow[]; next_page: string | null }> {
  const after = q.page ? decodeCursor(q.page) : null;
  const rows = await db
    .select()
    .from(beamRuns)
    .where(
      and(
        ...ownerFilter(q),
        q.status ? eq(beamRuns.status, q.status) : undefined,
        beyondCursor(beamRuns.createdAt, beamRuns.id, after),
      ),
    )
    .orderBy(desc(beamRuns.createdAt), desc(beamRuns.id))
    .limit(q.limit + 1);
  return toPage(rows, q.limit, (r) => ({ key: r.createdAt, id: r.id }));
}

/** Whose runs (any combination; none: every run of the org). */
export interface RunOwner {
  sessionId?: string;
  memberId?: string;
  planeId?: string;
}

function ownerFilter(q: RunOwner) {
  return [
    q.sessionId ? eq(beamRuns.sessionId, q.sessionId) : undefined,
    q.memberId ? eq(beamRuns.memberId, q.memberId) : undefined,
    q.planeId ? eq(beamRuns.planeId, q.planeId) : undefined,
  ];
}

/** Runs and their recorded beam wall time for a session, member or plane (the cost figure). */
export async function beamUsage(db: Db, q: RunOwner): Promise<BeamUsageTotals> {
  const sum = (column: SQLiteColumn) => sql<number>`coalesce(sum(${column}), 0)`;
  const row = await db
    .select({
      runs: sql<number>`count(*)`,
      endedRuns: sql<number>`count(${beamRuns.endedAt})`,
      wallMs: sum(beamRuns.wallMs),
      reportedRuns: sql<number>`count(${beamRuns.inputTokens})`,
      inputTokens: sum(beamRuns.inputTokens),
      outputTokens: sum(beamRuns.outputTokens),
      cacheReadTokens: sum(beamRuns.cacheReadTokens),
      cacheCreationTokens: sum(beamRuns.cacheCreationTokens),
      costUsd: sum(beamRuns.costUsd),
    })
    .from(beamRuns)
    .where(and(...ownerFilter(q)))
    .get();
  return {
    runs: row?.runs ?? 0,
    endedRuns: row?.endedRuns ?? 0,
    wallMs: row?.wallMs ?? 0,
    reportedRuns: row?.reportedRuns ?? 0,
    inputTokens: row?.inputTokens ?? 0,
    outputTokens: row?.outputTokens ?? 0,
    cacheReadTokens: row?.cacheReadTokens ?? 0,
    cacheCreationTokens: row?.cacheCreationTokens ?? 0,
    costUsd: row?.costUsd ?? 0,
  };
}

export interface BeamUsageTotals {
  runs: number;
  endedRuns: number;
  wallMs: number;
  /** Runs whose CLI reported usage; the sums below cover only these. */
  reportedRuns: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheCreationTokens: number;
  costUsd: number;
}

/** The usage the run's agent CLI reported, as the API shows it (null: it reported none). */
export function cliUsageToWire(row: BeamRunRow): BeamCliUsageWire | null {
  if (row.inputTokens === null) return null;
  return {
    input_tokens: row.inputTokens,
    output_tokens: row.outputTokens ?? 0,
    cache_read_input_tokens: row.cacheReadTokens ?? 0,
    cache_creation_input_tokens: row.cacheCreationTokens ?? 0,
    cost_usd: row.costUsd,
  };
}

/** The runs of one connector in these statuses, oldest first (the queue's order). */
export async function runsInStatus(
  db: Db,
  connector: string,
  statuses: BeamRunStatus[],
): Promise<BeamRunRow[]> {
  return db
    .select()
    .from(beamRuns)
    .where(and(eq(beamRuns.connector, connector), inArray(beamRuns.status, statuses)))
    .orderBy(asc(beamRuns.createdAt), asc(beamRuns.id))
    .all();
}

/** Unfinished runs of a session (what archiving, deleting or interrupting it cancels). */
export async function openRunsOfSession(db: Db, sessionId: string): Promise<BeamRunRow[]> {
  return db
    .select()
    .from(beamRuns)
    .where(
      and(eq(beamRuns.sessionId, sessionId), inArray(beamRuns.status, ["queued", "starting", "running"])),
    )
    .all();
}

/**
 * Moves a run on, unless it has already ended: a cancelled run stays cancelled even if the
 * beam's exit is reported after. Returns the row as it now is, or null if it had ended.
 */
export async function updateBeamRun(
  db: Db,
  id: string,
  patch: Partial<Omit<BeamRunRow, "id" | "createdAt">>,
): Promise<BeamRunRow | null> {
  const final = [...BEAM_RUN_FINAL];
  const row = await db
    .update(beamRuns)
    .set(patch)
    .where(
      and(
        eq(beamRuns.id, id),
        sql`${beamRuns.status} NOT IN (${sql.join(
          final.map((s) => sql`${s}`),
          sql`, `,
        )})`,
      ),
    )
    .returning()
    .get();
  return row ?? null;
}

/** Moves a run from `queued` to `starting`; null if it is no longer queued (taken or cancelled). */
export async function takeQueuedRun(db: Db, id: string, now: number): Promise<BeamRunRow | null> {
  const row = await db
    .update(beamRuns)
    .set({ status: "starting", startedAt: now })
    .where(and(eq(beamRuns.id, id), eq(beamRuns.status, "queued")))
    .returning()
    .get();
  return row ?? null;
}

/** Appends output, up to the bound; past it only the truncation mark is set. */
export async function appendBeamOutput(db: Db, run: BeamRunRow, text: string): Promise<BeamRunRow> {
  if (!text) return run;
  const bytes = new TextEncoder().encode(text);
  const room = BEAM_OUTPUT_MAX_BYTES - run.outputBytes;
  const kept = bytes.length <= room ? bytes : bytes.subarray(0, Math.max(0, room));
  const truncated = run.outputTruncated || kept.length < bytes.length;
  const decoder = new TextDecoder();
  let seq = await nextSeq(db, run.id);
  for (let at = 0; at < kept.length; at += BEAM_OUTPUT_CHUNK_BYTES) {
    const piece = decoder.decode(kept.subarray(at, at + BEAM_OUTPUT_CHUNK_BYTES), { stream: true });
    await db.insert(beamRunOutput).values({ runId: run.id, seq: seq++, text: piece });
  }
  const patch = { outputBytes: run.outputBytes + kept.length, outputTruncated: truncated };
  await db.update(beamRuns).set(patch).where(eq(beamRuns.id, run.id));
  return { ...run, ...patch };
}

async function nextSeq(db: Db, runId: string): Promise<number> {
  const row = await db
    .select({ n: sql<number>`coalesce(max(${beamRunOutput.seq}) + 1, 0)` })
    .from(beamRunOutput)
    .where(eq(beamRunOutput.runId, runId))
    .get();
  return row?.n ?? 0;
}

/** Output from chunk `fromSeq` on, and the chunk to read from next (for following a run as it goes). */
export async function readBeamOutputFrom(
  db: Db,
  runId: string,
  fromSeq: number,
): Promise<{ text: string; nextSeq: number }> {
  const rows = await db
    .select({ seq: beamRunOutput.seq, text: beamRunOutput.text })
    .from(beamRunOutput)
    .where(and(eq(beamRunOutput.runId, runId), gte(beamRunOutput.seq, fromSeq)))
    .orderBy(asc(beamRunOutput.seq))
    .all();
  return { text: rows.map((r) => r.text).join(""), nextSeq: (rows.at(-1)?.seq ?? fromSeq - 1) + 1 };
}

export async function readBeamOutput(db: Db, runId: string): Promise<string> {
  const rows = await db
    .select({ text: beamRunOutput.text })
    .from(beamRunOutput)
    .where(eq(beamRunOutput.runId, runId))
    .orderBy(asc(beamRunOutput.seq))
    .all();
  return rows.map((r) => r.text).join("");
}

export function beamRunToWire(
  row: BeamRunRow,
  extra: { queuePosition?: number | null; output?: string | null } = {},
): BeamRunWire {
  return {
    id: row.id,
    type: "beam_run",
    status: row.status as BeamRunStatus,
    queue_position: row.status === "queued" ? (extra.queuePosition ?? null) : null,
    session_id: row.sessionId,
    tool_call_id: row.toolCallId,
    agent: { id: row.agentId, version: row.agentVersion },
    plane_id: row.planeId,
    member_id: row.memberId,
    bot_identity: row.botIdentity,
    task: row.task,
    agent_cli: row.agentCli as BeamAgentCli,
    command: row.command,
    timeout_seconds: row.timeoutSeconds,
    publish: row.publish,
    beam: { id: row.beamId, uuid: row.beamUuid, url: row.publishedUrl },
    exit_code: row.exitCode,
    error: row.error,
    output:
      extra.output === undefined || extra.output === null
        ? null
        : { text: extra.output, bytes: row.outputBytes, truncated: row.outputTruncated },
    created_at: toRfc3339(row.createdAt),
    started_at: toRfc3339OrNull(row.startedAt),
    exec_started_at: toRfc3339OrNull(row.execStartedAt),
    ended_at: toRfc3339OrNull(row.endedAt),
    wall_ms: row.wallMs,
    usage: cliUsageToWire(row),
  };
}
