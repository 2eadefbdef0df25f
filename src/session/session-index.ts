/**
 * The session's row in the D1 session index (src/db/sessions.ts), as of its record: status,
 * usage, last activity and the wire object that listing, plane status and cost roll-ups read.
 * Written only by the session's Durable Object.
 */
import { createDb } from "../db/client";
import { deleteSessionRow, upsertSessionRow } from "../db/sessions";
import { type SessionRecord, sessionToWire } from "./session-record";

export async function syncSessionIndex(db: D1Database, r: SessionRecord): Promise<void> {
  await upsertSessionRow(createDb(db), {
    id: r.id,
    agentId: r.agent.id,
    agentVersion: r.agent.version,
    environmentId: r.environmentId,
    title: r.title,
    metadata: r.metadata,
    status: r.status,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    archivedAt: r.archivedAt,
    inputTokens: r.usage.input_tokens,
    outputTokens: r.usage.output_tokens,
    costUsd: r.usage.cost_usd,
    wire: sessionToWire(r),
  });
}

/** The session is deleted: its row goes too. */
export async function dropSessionIndex(db: D1Database, sessionId: string): Promise<void> {
  await deleteSessionRow(createDb(db), sessionId);
}
