/** Reads of the D1 session index (written by each session's Durable Object). */
import { and, asc, desc, eq, gt, gte, inArray, isNull, lt, lte } from "drizzle-orm";
import { decodeCursor, encodeCursor } from "../lib/cursor";
import type { SessionStatus, SessionWire } from "../schemas/sessions";
import type { Db } from "./client";
import { beyondCursor } from "./paging";
import { sessions } from "./schema";

export type SessionIndexRow = typeof sessions.$inferSelect;

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
