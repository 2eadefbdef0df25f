/**
 * All SQL over the D1 session index: one denormalised row per session (status, usage, last
 * activity, its wire object) that listing, plane status, logs and rollouts read. The session's
 * Durable Object is the source of truth and the only writer (src/session/session-index.ts).
 */
import { and, asc, desc, eq, gt, gte, inArray, isNull, lt, lte, or, type SQL, sql } from "drizzle-orm";
import { decodeCursor, encodeCursor } from "../lib/cursor";
import type { SessionStatus, SessionWire } from "../schemas/sessions";
import type { Db } from "./client";
import { beyondCursor } from "./paging";
import { sessions } from "./schema";

export type SessionIndexRow = typeof sessions.$inferSelect;

// ---- writes (the session's Durable Object only) ------------------------------------------

/** Writes the session's row as of `row`; its identity (agent, environment, creation) never changes. */
export async function upsertSessionRow(db: Db, row: typeof sessions.$inferInsert): Promise<void> {
  const { id: _id, agentId: _agent, environmentId: _environment, createdAt: _created, ...changing } = row;
  await db.insert(sessions).values(row).onConflictDoUpdate({ target: sessions.id, set: changing });
}

export async function deleteSessionRow(db: Db, sessionId: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.id, sessionId));
}

// ---- reads -------------------------------------------------------------------------------

export interface SessionIndexQuery {
  limit: number;
  page?: string;
  order: "asc" | "desc";
  statuses?: SessionStatus[];
  agentId?: string;
  agentVersion?: number;
  createdGt?: number;
  createdGte?: number;
  createdLt?: number;
  createdLte?: number;
  includeArchived: boolean;
}

/** A page of sessions as of their last recorded change, newest first unless `order` is asc. */
export async function listSessions(
  db: Db,
  q: SessionIndexQuery,
): Promise<{ data: SessionWire[]; next_page: string | null; prev_page: string | null }> {
  const cursor = q.page ? decodeCursor(q.page) : null;
  const rows = await db
    .select({ id: sessions.id, createdAt: sessions.createdAt, wire: sessions.wire })
    .from(sessions)
    .where(
      and(
        q.includeArchived ? undefined : isNull(sessions.archivedAt),
        q.statuses?.length ? inArray(sessions.status, q.statuses) : undefined,
        q.agentId ? eq(sessions.agentId, q.agentId) : undefined,
        q.agentVersion !== undefined ? eq(sessions.agentVersion, q.agentVersion) : undefined,
        q.createdGt !== undefined ? gt(sessions.createdAt, q.createdGt) : undefined,
        q.createdGte !== undefined ? gte(sessions.createdAt, q.createdGte) : undefined,
        q.createdLt !== undefined ? lt(sessions.createdAt, q.createdLt) : undefined,
        q.createdLte !== undefined ? lte(sessions.createdAt, q.createdLte) : undefined,
        beyondCursor(sessions.createdAt, sessions.id, cursor, q.order),
      ),
    )
    .orderBy(
      q.order === "desc" ? desc(sessions.createdAt) : asc(sessions.createdAt),
      q.order === "desc" ? desc(sessions.id) : asc(sessions.id),
    )
    .limit(q.limit + 1);
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return {
    data: page.map((r) => r.wire),
    next_page: rows.length > q.limit && last ? encodeCursor({ key: last.createdAt, id: last.id }) : null,
    prev_page: null,
  };
}

/** Whether session `sessionId` runs agent `agentId`. */
export async function sessionRunsAgent(db: Db, sessionId: string, agentId: string): Promise<boolean> {
  const row = await db.query.sessions.findFirst({
    columns: { agentId: true },
    where: (s, { eq }) => eq(s.id, sessionId),
  });
  return row?.agentId === agentId;
}

/** Every session of `agentId` from `from` on (inclusive), archived ones too, oldest first. */
export function agentSessions(db: Db, agentId: string, from?: { createdAt: number; id: string }) {
  return db
    .select({ id: sessions.id, createdAt: sessions.createdAt, archivedAt: sessions.archivedAt })
    .from(sessions)
    .where(
      and(
        eq(sessions.agentId, agentId),
        from
          ? or(
              gt(sessions.createdAt, from.createdAt),
              and(eq(sessions.createdAt, from.createdAt), gte(sessions.id, from.id)),
            )
          : undefined,
      ),
    )
    .orderBy(asc(sessions.createdAt), asc(sessions.id));
}

/**
 * Ids of the live (not archived) sessions of `agentId`, oldest first; with `olderThanVersion`,
 * only those still on an earlier version of the agent.
 */
export async function liveSessionIds(db: Db, agentId: string, olderThanVersion?: number): Promise<string[]> {
  const rows = await db
    .select({ id: sessions.id })
    .from(sessions)
    .where(
      and(
        eq(sessions.agentId, agentId),
        isNull(sessions.archivedAt),
        olderThanVersion === undefined ? undefined : lt(sessions.agentVersion, olderThanVersion),
      ),
    )
    .orderBy(asc(sessions.createdAt), asc(sessions.id));
  return rows.map((r) => r.id);
}

/** How many live sessions run an agent of `targets` on an earlier version than its target. */
export async function countLiveSessionsBehind(
  db: Db,
  targets: Array<{ agentId: string; version: number }>,
): Promise<number> {
  const behind: SQL[] = targets.map(
    (t) => and(eq(sessions.agentId, t.agentId), lt(sessions.agentVersion, t.version)) as SQL,
  );
  if (behind.length === 0) return 0;
  const rows = await db
    .select({ id: sessions.id })
    .from(sessions)
    .where(and(isNull(sessions.archivedAt), or(...behind)));
  return rows.length;
}

/** Roll-up of one agent's sessions (see src/planes/status.ts for what each count means). */
export interface AgentSessionStats {
  total: number;
  live: number;
  active: number;
  rescheduling: number;
  lastActivity: number | null;
  lastLiveActivity: number | null;
}

/** Per agent of `agentIds` that has sessions: their counts by status and last activity. */
export async function sessionStatsByAgent(
  db: Db,
  agentIds: string[],
): Promise<Map<string, AgentSessionStats>> {
  const out = new Map<string, AgentSessionStats>();
  if (agentIds.length === 0) return out;
  const rows = await db
    .select({
      agentId: sessions.agentId,
      total: sql<number>`count(*)`,
      live: sql<number>`sum(case when ${sessions.status} != 'terminated' then 1 else 0 end)`,
      active: sql<number>`sum(case when ${sessions.status} in ('running', 'rescheduling') then 1 else 0 end)`,
      rescheduling: sql<number>`sum(case when ${sessions.status} = 'rescheduling' then 1 else 0 end)`,
      lastActivity: sql<number | null>`max(${sessions.updatedAt})`,
      lastLiveActivity: sql<
        number | null
      >`max(case when ${sessions.status} != 'terminated' then ${sessions.updatedAt} end)`,
    })
    .from(sessions)
    .where(inArray(sessions.agentId, agentIds))
    .groupBy(sessions.agentId);
  for (const r of rows) {
    out.set(r.agentId, {
      total: Number(r.total),
      live: Number(r.live ?? 0),
      active: Number(r.active ?? 0),
      rescheduling: Number(r.rescheduling ?? 0),
      lastActivity: r.lastActivity === null ? null : Number(r.lastActivity),
      lastLiveActivity: r.lastLiveActivity === null ? null : Number(r.lastLiveActivity),
    });
  }
  return out;
}
