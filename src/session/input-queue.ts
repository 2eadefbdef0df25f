/**
 * The durable FIFO of accepted user messages waiting for a turn. An item stays in the queue
 * until its turn has finished, so a crash or runtime restart mid-turn re-runs it rather than
 * losing it (at-least-once; the turn's idempotency key is the event id).
 */

export interface QueuedInput {
  seq: number;
  eventId: string;
  text: string;
  attempts: number;
  /**
   * When the message was accepted (epoch ms), for its turn's timing line. Kept in the row, so it
   * leaves with the message however the message leaves; absent for rows queued before it was.
   */
  acceptedAt?: number;
}

type Row = { seq: number; event_id: string; text: string; attempts: number; accepted_at: number | null };

export class InputQueue {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS input_queue (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      event_id TEXT NOT NULL UNIQUE,
      text TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      accepted_at INTEGER
    )`);
    // A queue made before the accept time was kept: the column is added (its rows have none).
    const columns = sql.exec<{ name: string }>("PRAGMA table_info(input_queue)").toArray();
    if (!columns.some((c) => c.name === "accepted_at"))
      sql.exec("ALTER TABLE input_queue ADD COLUMN accepted_at INTEGER");
  }

  /** Queues a message accepted at `acceptedAt` (epoch ms). */
  enqueue(eventId: string, text: string, acceptedAt: number): void {
    this.sql.exec(
      "INSERT INTO input_queue (event_id, text, accepted_at) VALUES (?, ?, ?)",
      eventId,
      text,
      acceptedAt,
    );
  }

  /** The oldest waiting input, or null. */
  peek(): QueuedInput | null {
    const row = this.sql
      .exec<Row>("SELECT seq, event_id, text, attempts, accepted_at FROM input_queue ORDER BY seq LIMIT 1")
      .toArray()[0];
    if (!row) return null;
    return {
      seq: row.seq,
      eventId: row.event_id,
      text: row.text,
      attempts: row.attempts,
      ...(row.accepted_at !== null ? { acceptedAt: row.accepted_at } : {}),
    };
  }

  /** Counts a dispatch attempt (a runtime failure mid-turn makes another). */
  markAttempt(eventId: string): number {
    return this.sql
      .exec<{ attempts: number }>(
        "UPDATE input_queue SET attempts = attempts + 1 WHERE event_id = ? RETURNING attempts",
        eventId,
      )
      .one().attempts;
  }

  remove(eventId: string): void {
    this.sql.exec("DELETE FROM input_queue WHERE event_id = ?", eventId);
  }

  size(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM input_queue").one().n;
  }

  clear(): void {
    this.sql.exec("DELETE FROM input_queue");
  }
}
