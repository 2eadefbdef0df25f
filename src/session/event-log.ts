/**
 * A session's event log in the Durable Object's SQLite: every CMA event the session emitted or
 * accepted, in order. `seq` is the monotonic position (what SSE resume and paging use); `id` is
 * the opaque `sevt_…` id clients see, identical in history and on the stream.
 *
 * Every event belongs to one thread (src/session/thread-book.ts): `thread_id` is null for the
 * session's primary thread — what the session's own history and stream show, child threads'
 * lifecycle events included — and a child thread's id for that child's own work.
 */
import { randomBase62 } from "../lib/ids";
import { toRfc3339 } from "../lib/time";
import type { SessionEvent, SessionEventBody, SessionEventOf } from "../schemas/session-events";

export interface LoggedEvent {
  seq: number;
  event: SessionEvent;
}

export interface EventQuery {
  limit: number;
  /** Exclusive lower bound on seq (ascending) or upper bound (descending). */
  cursorSeq?: number;
  order: "asc" | "desc";
  types?: string[];
  /** Bounds on processed_at, epoch ms. */
  processedGt?: number;
  processedGte?: number;
  processedLt?: number;
  processedLte?: number;
  /** The child thread whose events to read; absent: the session's primary thread. */
  threadId?: string;
}

export function newEventId(): string {
  return `sevt_${randomBase62(24)}`;
}

export class EventLog {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS events (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      id TEXT NOT NULL UNIQUE,
      type TEXT NOT NULL,
      processed_at INTEGER,
      body TEXT NOT NULL,
      thread_id TEXT
    )`);
    // Logs written before threads existed lack the column: every event in them is the primary's.
    const columns = sql.exec<{ name: string }>("PRAGMA table_info(events)").toArray();
    if (!columns.some((c) => c.name === "thread_id"))
      sql.exec("ALTER TABLE events ADD COLUMN thread_id TEXT");
    sql.exec("CREATE INDEX IF NOT EXISTS events_type ON events (type, seq)");
    sql.exec("CREATE INDEX IF NOT EXISTS events_thread ON events (thread_id, seq)");
  }

  /**
   * Appends an event, on the wire as `{id, type, ...fields, processed_at}`; `processedAt` null
   * marks a user event still waiting in the queue; `threadId` a child thread's own event.
   */
  append(
    body: SessionEventBody,
    processedAt: number | null,
    id = newEventId(),
    threadId: string | null = null,
  ): LoggedEvent {
    const { type, ...fields } = body;
    const event = {
      id,
      type,
      ...fields,
      processed_at: processedAt === null ? null : toRfc3339(processedAt),
    } as SessionEvent;
    const row = this.sql
      .exec<{ seq: number }>(
        "INSERT INTO events (id, type, processed_at, body, thread_id) VALUES (?, ?, ?, ?, ?) RETURNING seq",
        id,
        type,
        processedAt,
        JSON.stringify(event),
        threadId,
      )
      .one();
    return { seq: row.seq, event };
  }

  /** Marks a queued user event as picked up by the agent. */
  markProcessed(id: string, at: number): void {
    const row = this.sql.exec<{ body: string }>("SELECT body FROM events WHERE id = ?", id).toArray()[0];
    if (!row) return;
    const event = JSON.parse(row.body) as SessionEvent;
    event.processed_at = toRfc3339(at);
    this.sql.exec("UPDATE events SET processed_at = ?, body = ? WHERE id = ?", at, JSON.stringify(event), id);
  }

  get(id: string): LoggedEvent | null {
    const row = this.sql
      .exec<{ seq: number; body: string }>("SELECT seq, body FROM events WHERE id = ?", id)
      .toArray()[0];
    return row ? { seq: row.seq, event: JSON.parse(row.body) as SessionEvent } : null;
  }

  /** Events of one thread (absent: the primary) after `seq`, oldest first (stream catch-up). */
  after(seq: number, threadId?: string, limit = 10_000): LoggedEvent[] {
    return this.sql
      .exec<{ seq: number; body: string }>(
        `SELECT seq, body FROM events WHERE seq > ? AND ${threadClause(threadId)} ORDER BY seq LIMIT ?`,
        seq,
        ...threadArgs(threadId),
        limit,
      )
      .toArray()
      .map((r) => ({ seq: r.seq, event: JSON.parse(r.body) as SessionEvent }));
  }

  lastSeq(): number {
    return this.sql.exec<{ seq: number | null }>("SELECT MAX(seq) AS seq FROM events").one().seq ?? 0;
  }

  /** History with filters; fetches `limit + 1` rows so the caller can tell whether more exist. */
  query(q: EventQuery): LoggedEvent[] {
    const where: string[] = [threadClause(q.threadId)];
    const args: unknown[] = [...threadArgs(q.threadId)];
    if (q.cursorSeq !== undefined) {
      where.push(q.order === "asc" ? "seq > ?" : "seq < ?");
      args.push(q.cursorSeq);
    }
    if (q.types?.length) {
      where.push(`type IN (${q.types.map(() => "?").join(",")})`);
      args.push(...q.types);
    }
    const bounds: Array<[number | undefined, string]> = [
      [q.processedGt, "processed_at > ?"],
      [q.processedGte, "processed_at >= ?"],
      [q.processedLt, "processed_at < ?"],
      [q.processedLte, "processed_at <= ?"],
    ];
    for (const [value, clause] of bounds) {
      if (value !== undefined) {
        where.push(clause);
        args.push(value);
      }
    }
    const sql = `SELECT seq, body FROM events WHERE ${where.join(" AND ")} ORDER BY seq ${
      q.order === "asc" ? "ASC" : "DESC"
    } LIMIT ?`;
    return this.sql
      .exec<{ seq: number; body: string }>(sql, ...args, q.limit + 1)
      .toArray()
      .map((r) => ({ seq: r.seq, event: JSON.parse(r.body) as SessionEvent }));
  }

  /** Text of the conversation so far (user messages and agent replies), oldest first. */
  transcript(): Array<{ role: "user" | "assistant"; text: string }> {
    const rows = this.sql
      .exec<{ body: string }>(
        "SELECT body FROM events WHERE type IN ('user.message', 'agent.message') AND processed_at IS NOT NULL AND thread_id IS NULL ORDER BY seq",
      )
      .toArray();
    return rows.map((r) => {
      const event = JSON.parse(r.body) as SessionEventOf<"user.message" | "agent.message">;
      return { role: event.type === "user.message" ? "user" : "assistant", text: textOf(event.content) };
    });
  }
}

/** SQL selecting one thread's rows: the primary's (`thread_id` null) unless a child is named. */
function threadClause(threadId: string | undefined): string {
  return threadId === undefined ? "thread_id IS NULL" : "thread_id = ?";
}

function threadArgs(threadId: string | undefined): string[] {
  return threadId === undefined ? [] : [threadId];
}

/** Concatenates the text blocks of a content array. */
export function textOf(content: unknown): string {
  if (!Array.isArray(content)) return "";
  return content
    .filter((b): b is { type: "text"; text: string } => b?.type === "text" && typeof b.text === "string")
    .map((b) => b.text)
    .join("\n");
}
