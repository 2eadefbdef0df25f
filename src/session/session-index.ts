/**
 * The denormalised D1 row of a session (status, usage, last activity) that listing, plane
 * status and cost roll-ups read. Written only by the session's Durable Object.
 */
import { type SessionRecord, sessionToWire } from "./session-record";

export async function syncSessionIndex(db: D1Database, r: SessionRecord): Promise<void> {
  await db
    .prepare(
      `INSERT INTO sessions (id, agent_id, agent_version, environment_id, title, metadata, status, created_at, updated_at, archived_at, input_tokens, output_tokens, cost_usd, wire)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET agent_version = excluded.agent_version, title = excluded.title, metadata = excluded.metadata, status = excluded.status,
         updated_at = excluded.updated_at, archived_at = excluded.archived_at, input_tokens = excluded.input_tokens,
         output_tokens = excluded.output_tokens, cost_usd = excluded.cost_usd, wire = excluded.wire`,
    )
    .bind(
      r.id,
      r.agent.id,
      r.agent.version,
      r.environmentId,
      r.title,
      JSON.stringify(r.metadata),
      r.status,
      r.createdAt,
      r.updatedAt,
      r.archivedAt,
      r.usage.input_tokens,
      r.usage.output_tokens,
      r.usage.cost_usd,
      JSON.stringify(sessionToWire(r)),
    )
    .run();
}
