/**
 * A session's threads as the API and the streams see them: the thread book (storage), each
 * thread's live stream, and the events a thread's life produces, emitted in one place so the
 * session's stream and the thread's own stream always tell the same story.
 *
 * Where events go. The session's (primary thread's) log carries every child's lifecycle —
 * `session.thread_created`, `session.thread_status_*` — as CMA's parent stream does. A child's
 * own log carries its turn (`session.status_running` … `session.status_idle`) and its work.
 * Messages between threads appear on both sides: `agent.thread_message_sent` in the sender's
 * log, `agent.thread_message_received` in the receiver's.
 */
import { ApiError } from "../errors";
import { decodeCursor, encodeCursor } from "../lib/cursor";
import { toRfc3339, toRfc3339OrNull } from "../lib/time";
import type { SessionEvent, SessionEventBody, SessionEventBodyOf } from "../schemas/session-events";
import type {
  SessionThreadWire,
  ThreadAgent,
  ThreadListQuery,
  ThreadStatus,
} from "../schemas/session-threads";
import type { SessionRecord, UsageTotals } from "./session-record";
import { StreamHub } from "./stream-hub";
import { ThreadBook, type ThreadRow } from "./thread-book";

type StopReason = SessionEventBodyOf<"session.status_idle">["stop_reason"];

export interface ThreadsHost {
  record(): SessionRecord;
  /** Appends to the log of `threadId` (absent: the primary's) and publishes it to its stream. */
  emit(body: SessionEventBody, threadId?: string): SessionEvent;
  /** Stops whatever a child is running in the runtime (archive, interrupt). */
  stopRun(thread: ThreadRow): Promise<void>;
}

/** The snapshot a thread of the session's own agent shows. */
export function threadAgentOf(agent: SessionRecord["agent"]): ThreadAgent {
  return {
    type: "agent",
    id: agent.id,
    version: agent.version,
    name: agent.name,
    description: agent.description,
    model: agent.model,
    system: agent.system,
    tools: agent.tools,
    mcp_servers: agent.mcp_servers,
    skills: agent.skills,
    execution_identity: agent.execution_identity,
  };
}

function usageWire(usage: UsageTotals, activeMs: number): NonNullable<SessionThreadWire["usage"]> {
  return {
    input_tokens: usage.input_tokens,
    output_tokens: usage.output_tokens,
    cache_read_input_tokens: usage.cache_read_input_tokens,
    cache_creation: {
      ephemeral_5m_input_tokens: usage.cache_creation_input_tokens,
      ephemeral_1h_input_tokens: 0,
    },
    active_seconds: Math.round(activeMs / 1000),
  };
}

const seconds = (ms: number) => Math.round(ms / 1000);

export class SessionThreads {
  readonly book: ThreadBook;
  private readonly hubs = new Map<string, StreamHub>();

  constructor(
    sql: SqlStorage,
    private readonly host: ThreadsHost,
  ) {
    this.book = new ThreadBook(sql);
  }

  /** The primary thread's row (made on first use). */
  primary(): ThreadRow {
    const record = this.host.record();
    return this.book.primary(threadAgentOf(record.agent), record.createdAt);
  }

  /** A thread of this session, or null. */
  find(id: string): ThreadRow | null {
    const primary = this.primary();
    return id === primary.id ? primary : this.book.get(id);
  }

  /** A thread of this session, or 404 `thread_not_found`. */
  mustGet(id: string): ThreadRow {
    const thread = this.find(id);
    if (!thread)
      throw new ApiError("thread_not_found", `session ${this.host.record().id} has no thread ${id}`);
    return thread;
  }

  /** Whether `id` names a child thread (whose events live in their own log). */
  isChild(thread: ThreadRow): boolean {
    return thread.parentId !== null;
  }

  list(query: ThreadListQuery): { data: SessionThreadWire[]; next_page: string | null } {
    this.primary();
    const statuses = query["statuses[]"];
    const rows = this.book.list({
      limit: query.limit,
      afterSeq: query.page ? decodeCursor(query.page).key : undefined,
      statuses: statuses === undefined ? undefined : Array.isArray(statuses) ? statuses : [statuses],
    });
    // The primary's status is the session's, not its row's: filter it here.
    const wanted = (t: ThreadRow) => !statuses || [statuses].flat().includes(this.statusOf(t));
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      data: page.filter(wanted).map((t) => this.toWire(t)),
      next_page: rows.length > query.limit && last ? encodeCursor({ key: last.seq, id: last.id }) : null,
    };
  }

  toWire(t: ThreadRow, now = Date.now()): SessionThreadWire {
    const record = this.host.record();
    const primary = t.parentId === null;
    const activeMs = primary
      ? record.activeMs
      : t.activeMs + (t.runningSince !== null ? now - t.runningSince : 0);
    const end = t.archivedAt ?? (primary ? record.archivedAt : null) ?? now;
    const usage = primary ? minus(record.usage, this.book.childrenUsage()) : t.usage;
    const started = primary ? record.activeMs > 0 || record.status !== "idle" : t.startedAt !== null;
    return {
      id: t.id,
      type: "session_thread",
      session_id: record.id,
      parent_thread_id: t.parentId,
      agent: t.agent,
      status: this.statusOf(t),
      stats: started
        ? {
            active_seconds: seconds(activeMs),
            duration_seconds: seconds(end - t.createdAt),
            startup_seconds: primary || t.startedAt === null ? 0 : seconds(t.startedAt - t.createdAt),
          }
        : null,
      usage: primary
        ? started
          ? usageWire(usage, activeMs)
          : null
        : t.idledOnce
          ? usageWire(usage, activeMs)
          : null,
      workflow_run_id: null,
      created_at: toRfc3339(t.createdAt),
      updated_at: toRfc3339(primary ? record.updatedAt : t.updatedAt),
      archived_at: toRfc3339OrNull(primary ? record.archivedAt : t.archivedAt),
    };
  }

  // ---- a child's life ---------------------------------------------------------------------

  /**
   * A new child of `parent` running `agent`, handed `task`: `session.thread_created`, the task as
   * a message from the parent, and the child running.
   */
  spawn(init: { parent: ThreadRow; agent: ThreadAgent; runtimeKey: string; task: string }): ThreadRow {
    const child = this.book.spawn({
      parentId: init.parent.id,
      agent: init.agent,
      depth: init.parent.depth + 1,
      runtimeKey: init.runtimeKey,
      now: Date.now(),
    });
    this.host.emit({
      type: "session.thread_created",
      session_thread_id: child.id,
      agent_name: child.agent.name,
      workflow_run_id: null,
    });
    this.message(init.parent, child, init.task);
    this.setStatus(child, "running");
    return this.book.get(child.id) ?? child;
  }

  /** A message from one thread to another, on both sides. */
  message(from: ThreadRow, to: ThreadRow, text: string): void {
    const content = [{ type: "text" as const, text }];
    this.host.emit(
      {
        type: "agent.thread_message_sent",
        to_session_thread_id: to.id,
        to_agent_name: to.agent.name,
        content,
      },
      this.logOf(from),
    );
    this.host.emit(
      {
        type: "agent.thread_message_received",
        from_session_thread_id: from.id,
        from_agent_name: from.agent.name,
        content,
      },
      this.logOf(to),
    );
  }

  /** Moves a child to `running`, `idle` (with why) or `terminated`; once terminated it stays so. */
  setStatus(thread: ThreadRow, status: ThreadStatus, stopReason: StopReason = { type: "end_turn" }): void {
    if (thread.parentId === null) return;
    const current = this.book.get(thread.id);
    if (!current || current.status === "terminated" || current.status === status) return;
    this.book.setStatus(thread.id, status, Date.now());
    const named = { session_thread_id: thread.id, agent_name: thread.agent.name };
    if (status === "running") {
      this.host.emit({ type: "session.thread_status_running", ...named });
      this.host.emit({ type: "session.status_running" }, thread.id);
    } else if (status === "idle") {
      this.host.emit({
        type: "session.thread_status_idle",
        ...named,
        stop_reason: stopReason,
        stop_details: null,
      });
      this.host.emit({ type: "session.status_idle", stop_reason: stopReason, stop_details: null }, thread.id);
    } else if (status === "rescheduling") {
      this.host.emit({ type: "session.thread_status_rescheduled", ...named });
      this.host.emit({ type: "session.status_rescheduled" }, thread.id);
    } else {
      this.host.emit({ type: "session.thread_status_terminated", ...named });
      this.host.emit({ type: "session.status_terminated" }, thread.id);
    }
  }

  /** Archives a child: its run is stopped, it is terminated, and it takes no more work. */
  async archive(id: string): Promise<SessionThreadWire> {
    const thread = this.mustGet(id);
    if (thread.parentId === null) {
      throw new ApiError(
        "primary_thread",
        `thread ${id} is session ${this.host.record().id}'s primary thread: archive the session instead`,
      );
    }
    if (thread.archivedAt === null) {
      if (thread.status === "running") await this.host.stopRun(thread);
      this.setStatus(thread, "terminated");
      this.book.archive(id, Date.now());
    }
    return this.toWire(this.mustGet(id));
  }

  /** Interrupts running children: each one's run is stopped and it goes idle (`end_turn`). */
  async interrupt(children: ThreadRow[]): Promise<void> {
    for (const child of children) {
      if (child.status !== "running") continue;
      await this.host.stopRun(child);
      this.setStatus(child, "idle");
    }
  }

  /** The session ends (archived): every child still alive ends with it, terminated. */
  async endAll(): Promise<void> {
    for (const child of this.book.liveChildren()) {
      if (child.status === "running") await this.host.stopRun(child);
      this.setStatus(child, "terminated");
    }
  }

  /**
   * The runtime went away while children ran: each running child ends, terminated, with a
   * `session.error` in its own stream saying why (its run cannot be resumed in a new runtime).
   */
  runtimeLost(reason: string): void {
    for (const child of this.book.liveChildren()) {
      if (child.status !== "running") continue;
      this.host.emit(
        {
          type: "session.error",
          error: {
            type: "unknown_error",
            message: `the session's runtime stopped while this thread ran (${reason})`,
            retry_status: { type: "terminal" },
          },
        },
        child.id,
      );
      this.setStatus(child, "terminated");
    }
  }

  // ---- streams ------------------------------------------------------------------------------

  /** The live stream of a child thread. */
  hub(threadId: string): StreamHub {
    let hub = this.hubs.get(threadId);
    if (!hub) {
      hub = new StreamHub();
      this.hubs.set(threadId, hub);
    }
    return hub;
  }

  /** Publishes a child's event to its thread's stream (if anyone listens). */
  publish(threadId: string, event: SessionEvent): void {
    this.hubs.get(threadId)?.publish(event);
  }

  closeAll(): void {
    for (const hub of this.hubs.values()) hub.closeAll();
  }

  private statusOf(t: ThreadRow): ThreadStatus {
    return t.parentId === null ? this.host.record().status : t.status;
  }

  /** The log a thread's events go to: the primary's (undefined) or the child's own. */
  private logOf(t: ThreadRow): string | undefined {
    return t.parentId === null ? undefined : t.id;
  }
}

function minus(a: UsageTotals, b: UsageTotals): UsageTotals {
  return {
    input_tokens: Math.max(0, a.input_tokens - b.input_tokens),
    output_tokens: Math.max(0, a.output_tokens - b.output_tokens),
    cache_read_input_tokens: Math.max(0, a.cache_read_input_tokens - b.cache_read_input_tokens),
    cache_creation_input_tokens: Math.max(0, a.cache_creation_input_tokens - b.cache_creation_input_tokens),
    cost_usd: Math.max(0, a.cost_usd - b.cost_usd),
  };
}
