/** The audit log: append, query with filters and cursor pagination, expire by retention. */
import { and, desc, eq, gte, lt, lte, sql } from "drizzle-orm";
import { RETENTION_DELETE_BATCH } from "../config";
import { decodeCursor, toPage } from "../lib/cursor";
import { toRfc3339 } from "../lib/time";
import type { AuditEvent } from "../schemas/audit";
import type { Db } from "./client";
import { auditLog } from "./schema";

export type AuditRow = typeof auditLog.$inferSelect;
export type NewAuditRow = typeof auditLog.$inferInsert;

/** The wire shape of an audit row. */
export function auditEventToWire(row: AuditRow): AuditEvent {
  return {
    id: `aud_${row.id}`,
    type: "audit_event",
    at: toRfc3339(row.at),
    request_id: row.requestId,
    actor: { type: row.actorType, id: row.actorId },
    action: row.action,
    target: row.target,
    outcome: row.outcome === "success" ? "success" : "failure",
    status: row.status,
    error_code: row.errorCode,
  };
}

export async function appendAudit(db: Db, row: NewAuditRow): Promise<void> {
  await db.insert(auditLog).values(row);
}

export interface AuditQuery {
  limit: number;
  page?: string;
  since?: number;
  until?: number;
  /** Exact action, or a pattern where `*` matches anything (`agents.*`). */
  action?: string;
  target?: string;
  actor?: string;
  /** Only rows of this plane (what a plane admin sees). */
  planeId?: string;
}

/** `agents.*` → SQL LIKE `agents.%`, with LIKE's own wildcards taken literally. */
export function actionPatternToLike(pattern: string): string {
  return pattern.replace(/[\\%_]/g, (ch) => `\\${ch}`).replaceAll("*", "%");
}

/** Newest first. Rows are ordered by their autoincrement id, which follows insertion. */
export async function queryAudit(
  db: Db,
  q: AuditQuery,
): Promise<{ data: AuditRow[]; next_page: string | null }> {
  const before = q.page ? decodeCursor(q.page) : null;
  const rows = await db
    .select()
    .from(auditLog)
    .where(
      and(
        q.since !== undefined ? gte(auditLog.at, q.since) : undefined,
        q.until !== undefined ? lte(auditLog.at, q.until) : undefined,
        q.action === undefined
          ? undefined
          : q.action.includes("*")
            ? sql`${auditLog.action} LIKE ${actionPatternToLike(q.action)} ESCAPE '\\'`
            : eq(auditLog.action, q.action),
        q.target !== undefined ? eq(auditLog.target, q.target) : undefined,
        q.actor !== undefined ? eq(auditLog.actorId, q.actor) : undefined,
        q.planeId !== undefined ? eq(auditLog.planeId, q.planeId) : undefined,
        before ? lt(auditLog.id, before.key) : undefined,
      ),
    )
    .orderBy(desc(auditLog.id))
    .limit(q.limit + 1);
  return toPage(rows, q.limit, (row) => ({ key: row.id, id: "" }));
}

/** Deletes rows older than `cutoff` in bounded batches; returns how many went. */
export async function purgeAuditBefore(db: Db, cutoff: number): Promise<number> {
  let total = 0;
  for (;;) {
    const result = await db.run(
      sql`DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < ${cutoff} LIMIT ${RETENTION_DELETE_BATCH})`,
    );
    const deleted = result.meta.changes ?? 0;
    total += deleted;
    if (deleted < RETENTION_DELETE_BATCH) return total;
  }
}
