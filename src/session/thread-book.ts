/**
 * A session's threads, in its Durable Object's SQLite (so they outlive the runtime, an eviction
 * and a redeploy, as the event log does). The object is their only writer.
 *
 * The primary thread is the session itself: its row only gives it a stable `sthr_…` id, and its
 * status and usage are read from the session record. Child threads keep their own status,
 * timings and usage here; what a child's model calls cost is also in the session's totals (every
 * call is metered there), so a child's usage is a share of the session's, never added twice.
 */
import { randomBase62 } from "../lib/ids";
import type { ThreadAgent, ThreadStatus } from "../schemas/session-threads";
import { ZERO_USAGE, type UsageTotals } from "./session-record";

export interface ThreadRow {
  seq: number;
  id: string;
  /** Null for the primary thread. */
  parentId: string | null;
  agent: ThreadAgent;
  status: ThreadStatus;
  /** Spawn depth: 0 for the primary, 1 for its children, … */
  depth: number;
  /** The OpenClaw session key the child runs under (null for the primary). */
  runtimeKey: string | null;
  createdAt: number;
  updatedAt: number;
  archivedAt: number | null;
  /** When the thread last started running (null while it is not). */
  runningSince: number | null;
  activeMs: number;
  /** When the thread first started running, for `stats.startup_seconds`. */
  startedAt: number | null;
  usage: UsageTotals;
  /** Whether the thread has been idle once (the API shows no usage before). */
  idledOnce: boolean;
}

export interface ThreadListOptions {
  limit: number;
  /** Exclusive lower bound on seq. */
  afterSeq?: number;
  statuses?: ThreadStatus[];
}

type Row = {
  seq: number;
  id: string;
  parent_id: string | null;
  agent: string;
  status: ThreadStatus;
  depth: number;
  runtime_key: string | null;
  created_at: number;
  updated_at: number;
  archived_at: number | null;
  running_since: number | null;
  active_ms: number;
  started_at: number | null;
  usage: string;
  idled_once: number;
};

export function newThreadId(): string {
  return `sthr_${randomBase62(24)}`;
}

function fromRow(r: Row): ThreadRow {
  return {
    seq: r.seq,
    id: r.id,
    parentId: r.parent_id,
    agent: JSON.parse(r.agent) as ThreadAgent,
    status: r.status,
    depth: r.depth,
    runtimeKey: r.runtime_key,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    archivedAt: r.archived_at,
    runningSince: r.running_since,
    activeMs: r.active_ms,
    startedAt: r.started_at,
    usage: JSON.parse(r.usage) as UsageTotals,
    idledOnce: r.idled_once === 1,
  };
}

export class ThreadBook {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS threads (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      id TEXT NOT NULL UNIQUE,
      parent_id TEXT,
      agent TEXT NOT NULL,
      status TEXT NOT NULL,
      depth INTEGER NOT NULL,
      runtime_key TEXT UNIQUE,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      archived_at INTEGER,
      running_since INTEGER,
      active_ms INTEGER NOT NULL DEFAULT 0,
      started_at INTEGER,
      usage TEXT NOT NULL,
      idled_once INTEGER NOT NULL DEFAULT 0
    )`);
  }

  /** The primary thread, created on first use with the session's agent. */
  primary(agent: ThreadAgent, createdAt: number): ThreadRow {
    const found = this.sql.exec<Row>("SELECT * FROM threads WHERE parent_id IS NULL").toArray()[0];
    if (found) return fromRow(found);
    return this.insert({
      id: newThreadId(),
      parentId: null,
      agent,
      depth: 0,
      runtimeKey: null,
      now: createdAt,
    });
  }

  /** Records a new child thread, running from `now`. */
  spawn(init: {
    parentId: string;
    agent: ThreadAgent;
    depth: number;
    runtimeKey: string;
    now: number;
  }): ThreadRow {
    return this.insert({ id: newThreadId(), ...init });
  }

  get(id: string): ThreadRow | null {
    const row = this.sql.exec<Row>("SELECT * FROM threads WHERE id = ?", id).toArray()[0];
    return row ? fromRow(row) : null;
  }

  byRuntimeKey(key: string): ThreadRow | null {
    const row = this.sql.exec<Row>("SELECT * FROM threads WHERE runtime_key = ?", key).toArray()[0];
    return row ? fromRow(row) : null;
  }

  /** Threads in creation order; fetches `limit + 1` rows so the caller can tell whether more exist. */
  list(opts: ThreadListOptions): ThreadRow[] {
    const where = ["seq > ?"];
    const args: unknown[] = [opts.afterSeq ?? 0];
    if (opts.statuses?.length) {
      // The primary's stored status means nothing (it is the session's): the caller decides it.
      where.push(`(parent_id IS NULL OR status IN (${opts.statuses.map(() => "?").join(",")}))`);
      args.push(...opts.statuses);
    }
    return this.sql
      .exec<Row>(
        `SELECT * FROM threads WHERE ${where.join(" AND ")} ORDER BY seq LIMIT ?`,
        ...args,
        opts.limit + 1,
      )
      .toArray()
      .map(fromRow);
  }

  /** Child threads not yet terminated (running or idle), oldest first. */
  liveChildren(): ThreadRow[] {
    return this.sql
      .exec<Row>("SELECT * FROM threads WHERE parent_id IS NOT NULL AND status != 'terminated' ORDER BY seq")
      .toArray()
      .map(fromRow);
  }

  /** Moves a child's status, keeping its active time; returns the updated row. */
  setStatus(id: string, status: ThreadStatus, now: number): ThreadRow | null {
    const thread = this.get(id);
    if (!thread || thread.status === "terminated") return thread;
    if (thread.runningSince !== null && status !== "running") {
      thread.activeMs += now - thread.runningSince;
      thread.runningSince = null;
    }
    if (status === "running" && thread.runningSince === null) {
      thread.runningSince = now;
      thread.startedAt ??= now;
    }
    if (status === "idle" || status === "terminated") thread.idledOnce = true;
    thread.status = status;
    thread.updatedAt = now;
    this.write(thread);
    return thread;
  }

  /** Adds one model call's usage to a child thread. */
  addUsage(id: string, usage: Omit<UsageTotals, "cost_usd"> & { cost_usd?: number }): void {
    const thread = this.get(id);
    if (!thread) return;
    thread.usage = {
      input_tokens: thread.usage.input_tokens + usage.input_tokens,
      output_tokens: thread.usage.output_tokens + usage.output_tokens,
      cache_read_input_tokens: thread.usage.cache_read_input_tokens + usage.cache_read_input_tokens,
      cache_creation_input_tokens:
        thread.usage.cache_creation_input_tokens + usage.cache_creation_input_tokens,
      cost_usd: thread.usage.cost_usd + (usage.cost_usd ?? 0),
    };
    this.write(thread);
  }

  /** Marks a thread archived (its status is moved by the caller). */
  archive(id: string, now: number): ThreadRow | null {
    const thread = this.get(id);
    if (!thread || thread.archivedAt !== null) return thread;
    thread.archivedAt = thread.updatedAt = now;
    this.write(thread);
    return thread;
  }

  /** The usage of every child thread together (a share of the session's totals). */
  childrenUsage(): UsageTotals {
    const total = { ...ZERO_USAGE };
    for (const r of this.sql.exec<{ usage: string }>(
      "SELECT usage FROM threads WHERE parent_id IS NOT NULL",
    )) {
      const u = JSON.parse(r.usage) as UsageTotals;
      total.input_tokens += u.input_tokens;
      total.output_tokens += u.output_tokens;
      total.cache_read_input_tokens += u.cache_read_input_tokens;
      total.cache_creation_input_tokens += u.cache_creation_input_tokens;
      total.cost_usd += u.cost_usd;
    }
    return total;
  }

  private insert(init: {
    id: string;
    parentId: string | null;
    agent: ThreadAgent;
    depth: number;
    runtimeKey: string | null;
    now: number;
  }): ThreadRow {
    const row = this.sql
      .exec<Row>(
        `INSERT INTO threads (id, parent_id, agent, status, depth, runtime_key, created_at, updated_at, usage)
         VALUES (?, ?, ?, 'idle', ?, ?, ?, ?, ?) RETURNING *`,
        init.id,
        init.parentId,
        JSON.stringify(init.agent),
        init.depth,
        init.runtimeKey,
        init.now,
        init.now,
        JSON.stringify(ZERO_USAGE),
      )
      .one();
    return fromRow(row);
  }

  private write(t: ThreadRow): void {
    this.sql.exec(
      `UPDATE threads SET status = ?, updated_at = ?, archived_at = ?, running_since = ?, active_ms = ?,
         started_at = ?, usage = ?, idled_once = ? WHERE id = ?`,
      t.status,
      t.updatedAt,
      t.archivedAt,
      t.runningSince,
      t.activeMs,
      t.startedAt,
      JSON.stringify(t.usage),
      t.idledOnce ? 1 : 0,
      t.id,
    );
  }
}
