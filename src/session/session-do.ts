/**
 * SessionDO: one Durable Object per session, the session's single writer and conductor.
 *
 * It owns the session record, the event log, the input queue and the live streams, and drives
 * the session's OpenClaw gateway (a container in production, a local process in dev/tests)
 * through the runtime seam. Turns run one at a time from the durable queue; the translation
 * of OpenClaw events into CMA events lives in TurnTranslator, the connection in GatewayLink.
 *
 * Restart safety: a queued message leaves the queue only when its turn has finished, and an
 * alarm re-checks pending work, so an evicted object or a killed runtime picks up where it
 * stopped. A fresh runtime has no transcript; the next turn then carries the conversation so
 * far (from this object's log), because the log here, not OpenClaw's state, is the source of
 * truth.
 */
import { DurableObject } from "cloudflare:workers";
import { MAX_TURN_ATTEMPTS, RUNTIME_IDLE_STOP_MS, SESSION_WATCHDOG_MS, turnTimeoutMs } from "../config";
import { ApiError } from "../errors";
import { describeError, log } from "../lib/log";
import type { ModelCallGrant, ModelCallUsage } from "../llm/session-meter";
import { RuntimeStartError } from "../runtime/agent-runtime";
import type { EventFrame } from "../runtime/openclaw/protocol";
import { EventLog, type EventQuery, newEventId, textOf, type WireEvent } from "./event-log";
import type { LinkState } from "./gateway-link";
import { InputQueue, type QueuedInput } from "./input-queue";
import { withRestoredContext } from "./restored-context";
import { capture, type RpcResult } from "./rpc-result";
import { syncSessionIndex } from "./session-index";
import {
  type SessionAgent,
  type SessionRecord,
  type SessionStatus,
  type SessionWire,
  sessionToWire,
  usageToWire,
} from "./session-record";
import { openclawSessionKey, SessionRuntime } from "./session-runtime";
import { StreamHub } from "./stream-hub";
import { type TurnOutcome, TurnTranslator } from "./turn-translator";
import type { UserEventInput } from "./user-events";

const RECORD_KEY = "session";

interface ActiveTurn {
  eventId: string;
  runId: string;
  translator: TurnTranslator;
  startedAt: number;
  done: (outcome: TurnOutcome | { kind: "runtime_lost"; reason: string }) => void;
}

export interface EventPage {
  data: WireEvent[];
  next_page: string | null;
}

export class SessionDO extends DurableObject<Env> {
  private readonly events: EventLog;
  private readonly queue: InputQueue;
  private readonly hub = new StreamHub();
  private readonly runtime: SessionRuntime;
  private turn: ActiveTurn | undefined;
  private pumping: Promise<void> | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.events = new EventLog(ctx.storage.sql);
    this.queue = new InputQueue(ctx.storage.sql);
    this.runtime = new SessionRuntime(ctx, env, {
      onEvent: (frame) => this.onGatewayEvent(frame),
      onLost: (reason) => this.turn?.done({ kind: "runtime_lost", reason }),
    });
    // An object restarted with work pending (evicted, redeployed) resumes it as soon as it is
    // constructed; the watchdog alarm covers an object that nothing calls.
    if (this.queue.size() > 0) this.kick();
  }

  // ---- RPC: lifecycle -------------------------------------------------------------------

  /** Creates the session (idempotent for the same id) and accepts its initial events. */
  async create(record: SessionRecord, initial: UserEventInput[]): Promise<RpcResult<SessionWire>> {
    return capture(async () => {
      if (!this.record()) {
        this.save(record);
        await syncSessionIndex(this.env.DB, record);
      }
      if (initial.length) this.accept(initial);
      return sessionToWire(this.mustRecord());
    });
  }

  async describe(): Promise<RpcResult<SessionWire>> {
    return capture(() => sessionToWire(this.mustRecord()));
  }

  /** Applies an already-validated change of title and/or metadata; emits `session.updated`. */
  async updateInfo(change: {
    title?: string | null;
    metadata?: Record<string, string>;
  }): Promise<RpcResult<SessionWire>> {
    return capture(async () => {
      const record = this.mustRecord();
      const fields: Record<string, unknown> = {};
      if (change.title !== undefined && change.title !== record.title)
        fields.title = record.title = change.title;
      if (change.metadata !== undefined) fields.metadata = record.metadata = change.metadata;
      if (Object.keys(fields).length) {
        record.updatedAt = Date.now();
        this.save(record);
        this.emit("session.updated", fields);
        await syncSessionIndex(this.env.DB, record);
      }
      return sessionToWire(record);
    });
  }

  /** Archives: stops the runtime and terminates the session; history stays readable. */
  async archive(): Promise<RpcResult<SessionWire>> {
    return capture(async () => {
      const record = this.mustRecord();
      if (record.archivedAt === null) {
        record.archivedAt = record.updatedAt = Date.now();
        record.status = "terminated";
        this.save(record);
        this.queue.clear();
        this.emit("session.status_terminated", {});
        await this.stopRuntime("archived", true);
        await syncSessionIndex(this.env.DB, record);
      }
      return sessionToWire(this.mustRecord());
    });
  }

  /** Deletes the session for good: runtime torn down, streams closed, storage wiped. */
  async destroy(): Promise<RpcResult<{ id: string }>> {
    return capture(async () => {
      const record = this.mustRecord();
      this.emit("session.deleted", {});
      this.hub.closeAll();
      await this.stopRuntime("deleted", true);
      await this.ctx.storage.deleteAlarm();
      await this.ctx.storage.deleteAll();
      await this.env.DB.prepare("DELETE FROM sessions WHERE id = ?").bind(record.id).run();
      return { id: record.id };
    });
  }

  // ---- RPC: events ----------------------------------------------------------------------

  /** Accepts user events (returns at once); queued messages run in order. */
  async send(inputs: UserEventInput[]): Promise<RpcResult<WireEvent[]>> {
    return capture(() => this.accept(inputs));
  }

  /**
   * Like `send`, but refuses (409 `session_running`) while a turn runs or messages wait: the
   * OpenAI endpoint answers one turn per request, and check-and-accept must be one step.
   */
  async sendWhenIdle(inputs: UserEventInput[]): Promise<RpcResult<WireEvent[]>> {
    return capture(() => {
      if (this.turn || this.queue.size() > 0) {
        throw new ApiError("session_running", `session ${this.mustRecord().id} is busy with another turn`);
      }
      return this.accept(inputs);
    });
  }

  async listEvents(
    query: EventQuery,
  ): Promise<RpcResult<{ rows: Array<{ seq: number; event: WireEvent }> }>> {
    return capture(() => {
      this.mustRecord();
      return { rows: this.events.query(query) };
    });
  }

  /**
   * `GET .../events/stream`: live events over SSE, as the CMA stream is. With `Last-Event-ID`
   * (or `?last_event_id=`) the stream first replays everything after that event, so a client
   * that reconnects misses nothing and sees nothing twice.
   */
  override async fetch(request: Request): Promise<Response> {
    const record = this.record();
    if (!record) return new Response("session not found", { status: 404 });
    const url = new URL(request.url);
    const lastId = request.headers.get("last-event-id") ?? url.searchParams.get("last_event_id");
    const deltas = new Set(url.searchParams.getAll("event_deltas[]"));
    // Catch-up and subscription in one synchronous step: nothing can be emitted in between.
    const backlog = lastId ? this.events.after(this.events.get(lastId)?.seq ?? 0) : [];
    return this.hub.subscribe(backlog, deltas, request.signal);
  }

  // ---- RPC: LLM proxy meter -------------------------------------------------------------

  async authorizeModelCall(token: string): Promise<ModelCallGrant | null> {
    const record = this.record();
    if (!record || record.status === "terminated") return null;
    if (!(await this.runtime.acceptsModelToken(token))) return null;
    return { sessionId: record.id, model: record.agent.model.id };
  }

  async recordModelUsage(usage: ModelCallUsage): Promise<void> {
    const record = this.record();
    if (!record) return;
    record.usage.input_tokens += usage.inputTokens;
    record.usage.output_tokens += usage.outputTokens;
    record.usage.cache_read_input_tokens += usage.cacheReadTokens;
    record.usage.cache_creation_input_tokens += usage.cacheWriteTokens;
    record.usage.cost_usd += usage.costUsd;
    this.save(record);
  }

  // ---- alarm: watchdog and idle stop ----------------------------------------------------

  override async alarm(): Promise<void> {
    const record = this.record();
    if (!record || record.status === "terminated") return;
    if (this.queue.size() > 0 || this.turn) {
      this.kick();
      return;
    }
    await this.stopRuntime("idle", false);
  }

  // ---- internals ------------------------------------------------------------------------

  private record(): SessionRecord | undefined {
    return this.ctx.storage.kv.get<SessionRecord>(RECORD_KEY);
  }

  private mustRecord(): SessionRecord {
    const record = this.record();
    if (!record) throw new ApiError("session_not_found", `session ${this.ctx.id.name ?? ""} not found`);
    return record;
  }

  private save(record: SessionRecord): void {
    this.ctx.storage.kv.put(RECORD_KEY, record);
  }

  /** Appends an event to the log and publishes it to live streams. */
  private emit(type: string, fields: Record<string, unknown>, id?: string): WireEvent {
    const { event } = this.events.append(type, fields, Date.now(), id);
    this.hub.publish(event);
    return event;
  }

  /** Moves the status (never out of `terminated`) and refreshes the D1 index row in the background. */
  private setStatus(status: SessionStatus): void {
    const record = this.mustRecord();
    if (record.status === "terminated" || record.status === status) return;
    record.status = status;
    record.updatedAt = Date.now();
    this.save(record);
    this.ctx.waitUntil(
      syncSessionIndex(this.env.DB, record).catch((err) =>
        log("warn", "session index sync failed", { session_id: record.id, ...describeError(err) }),
      ),
    );
  }

  private accept(inputs: UserEventInput[]): WireEvent[] {
    const record = this.mustRecord();
    if (record.status === "terminated") {
      throw new ApiError("session_terminated", `session ${record.id} is terminated and accepts no events`);
    }
    // Refuse the whole batch before changing anything, so a bad event never half-applies it.
    // Tool confirmations and custom tool results answer an event that asked for one; no turn of
    // this session is waiting for an answer.
    inputs.forEach((input, i) => {
      if (input.type !== "user.tool_confirmation" && input.type !== "user.custom_tool_result") return;
      const ref = input.type === "user.tool_confirmation" ? input.tool_use_id : input.custom_tool_use_id;
      throw new ApiError("invalid_request", `no pending tool call ${ref} awaits an answer in this session`, {
        fields: [{ path: `events.${i}`, message: "no pending tool call with this id" }],
      });
    });
    const echoed: WireEvent[] = [];
    for (const input of inputs) {
      if (input.type === "user.message") {
        const { event } = this.events.append("user.message", { content: input.content }, null);
        this.queue.enqueue(event.id, textOf(input.content));
        this.hub.publish(event);
        echoed.push(event);
        // Armed with the message itself, so pending work survives even an eviction right now.
        void this.ctx.storage.setAlarm(Date.now() + SESSION_WATCHDOG_MS);
      } else if (input.type === "user.interrupt") {
        echoed.push(
          this.emit(
            "user.interrupt",
            input.session_thread_id ? { session_thread_id: input.session_thread_id } : {},
          ),
        );
        void this.interrupt();
      }
    }
    this.kick();
    return echoed;
  }

  /** Starts the turn loop unless it is running; keeps the object alive while it works. */
  private kick(): void {
    if (this.pumping || this.queue.size() === 0) return;
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined;
    });
    this.ctx.waitUntil(this.pumping);
  }

  private async pump(): Promise<void> {
    for (;;) {
      const record = this.record();
      const next = this.queue.peek();
      if (!record || record.status === "terminated" || !next) break;
      await this.ctx.storage.setAlarm(Date.now() + SESSION_WATCHDOG_MS);
      await this.runTurn(next).catch((err) => {
        log("error", "turn failed unexpectedly", { session_id: record.id, ...describeError(err) });
        this.finishTurn(next, { kind: "error", message: "internal error while running the turn" });
      });
    }
    const record = this.record();
    if (record && record.status !== "terminated") {
      await this.ctx.storage.setAlarm(Date.now() + RUNTIME_IDLE_STOP_MS);
      await syncSessionIndex(this.env.DB, record);
    }
  }

  private async runTurn(input: QueuedInput): Promise<void> {
    const attempt = this.queue.markAttempt(input.eventId);
    await this.takePendingAgent(); // ---- plane oversight: a rollout's newer agent version starts here
    if (attempt > MAX_TURN_ATTEMPTS) {
      this.finishTurn(input, {
        kind: "error",
        message: `the agent runtime failed ${MAX_TURN_ATTEMPTS} times on this message`,
      });
      return;
    }
    if (this.mustRecord().status !== "running") {
      this.setStatus("running");
      this.emit("session.status_running", {});
    }

    // Picked up now, whether or not the runtime then manages to run it.
    this.events.markProcessed(input.eventId, Date.now());
    let link: LinkState;
    try {
      link = await this.runtime.connect(this.mustRecord());
    } catch (err) {
      const reason =
        err instanceof RuntimeStartError ? err.reason : `could not reach the agent runtime: ${String(err)}`;
      log("warn", "runtime start failed", { session_id: this.mustRecord().id, reason });
      this.finishTurn(input, { kind: "error", message: reason, errorType: "unknown_error" });
      return;
    }

    const message = link.freshTranscript
      ? withRestoredContext(this.events.transcript(), input.text)
      : input.text;
    const runId = `${input.eventId}:${attempt}`;
    const startedAt = Date.now();
    const limitMs = turnTimeoutMs(this.env);
    let timer: ReturnType<typeof setTimeout> | null = null;
    const outcome = await new Promise<TurnOutcome | { kind: "runtime_lost"; reason: string }>((done) => {
      this.turn = {
        eventId: input.eventId,
        runId,
        translator: new TurnTranslator(runId, this.turnSink()),
        startedAt,
        done,
      };
      link.client
        .chatSend({ sessionKey: openclawSessionKey(this.mustRecord().id), message, idempotencyKey: runId })
        .catch((err) => done({ kind: "runtime_lost", reason: `chat.send failed: ${String(err)}` }));
      timer = setTimeout(() => {
        void this.runtime.abort(this.mustRecord().id, runId);
        done({
          kind: "error",
          message: `the turn exceeded its time limit of ${limitMs / 1000} s and was stopped`,
        });
      }, limitMs);
    });
    if (timer !== null) clearTimeout(timer);
    this.turn = undefined;
    link.freshTranscript = false;
    const record = this.mustRecord();
    record.activeMs += Date.now() - startedAt;
    this.save(record);

    if (outcome.kind === "runtime_lost") {
      if (record.status === "terminated") return this.finishTurn(input, { kind: "aborted" });
      // The message stays queued and runs again on a restarted runtime.
      this.runtime.forget();
      this.setStatus("rescheduling");
      this.emit("session.error", {
        error: {
          type: "unknown_error",
          message: `agent runtime lost: ${outcome.reason}`,
          retry_status: { type: "retrying" },
        },
      });
      this.emit("session.status_rescheduled", {});
      return;
    }
    this.finishTurn(input, outcome);
  }

  /** Ends a turn for good: the message leaves the queue and the session goes idle. */
  private finishTurn(
    input: QueuedInput,
    outcome: TurnOutcome | { kind: "error"; message: string; errorType?: string },
  ): void {
    this.queue.remove(input.eventId);
    const record = this.mustRecord();
    // Archived while the turn ran: the session already said it terminated.
    if (record.status === "terminated") return;
    if (outcome.kind === "error") {
      this.emit("session.error", {
        error: {
          type:
            "errorType" in outcome && outcome.errorType ? outcome.errorType : "model_request_failed_error",
          message: outcome.message,
          retry_status: { type: "exhausted" },
        },
      });
    }
    this.emit("session.usage", { usage: usageToWire(record.usage, record.activeMs) });
    this.setStatus("idle");
    this.emit("session.status_idle", {
      stop_reason: { type: outcome.kind === "error" ? "retries_exhausted" : "end_turn" },
      stop_details: null,
    });
  }

  private turnSink() {
    return {
      emit: (type: string, fields: Record<string, unknown>, id?: string) => this.emit(type, fields, id),
      preview: (forType: string, frame: Record<string, unknown>) => this.hub.publishPreview(forType, frame),
      newEventId,
    };
  }

  /** Gateway events go to the running turn; between turns there is nothing to translate. */
  private onGatewayEvent(frame: EventFrame): void {
    const turn = this.turn;
    log("debug", "gateway event", { event: frame.event, in_turn: Boolean(turn) });
    const outcome = turn?.translator.handle(frame);
    if (turn && outcome) turn.done(outcome);
  }

  private async interrupt(): Promise<void> {
    const turn = this.turn;
    if (turn) await this.runtime.abort(this.mustRecord().id, turn.runId);
  }

  private async stopRuntime(why: string, destroy: boolean): Promise<void> {
    const record = this.record();
    if (!record) return;
    this.turn?.done({ kind: "aborted" });
    await this.runtime.stop(record.id, why, destroy);
  }

  // ---- plane oversight: Agents Plane rollouts (src/planes/rollouts.ts) ---------------------

  /**
   * A newer version of this session's agent, taken up when the next turn starts (a running turn
   * finishes on the version it started with). `restartRuntime` (a runtime version change) stops
   * the runtime then, so the turn starts a fresh one, re-seeded from this session's log.
   */
  async adoptAgentVersion(
    agent: SessionAgent,
    restartRuntime: boolean,
  ): Promise<RpcResult<{ pending: boolean }>> {
    return capture(() => {
      const record = this.mustRecord();
      if (record.status === "terminated" || agent.id !== record.agent.id) return { pending: false };
      const pending = this.ctx.storage.kv.get<PendingAgent>(PENDING_AGENT_KEY);
      if (agent.version === record.agent.version && !restartRuntime && !pending) return { pending: false };
      this.ctx.storage.kv.put(PENDING_AGENT_KEY, {
        agent,
        restartRuntime: restartRuntime || Boolean(pending?.restartRuntime),
      } satisfies PendingAgent);
      return { pending: true };
    });
  }

  private async takePendingAgent(): Promise<void> {
    const pending = this.ctx.storage.kv.get<PendingAgent>(PENDING_AGENT_KEY);
    if (!pending) return;
    this.ctx.storage.kv.delete(PENDING_AGENT_KEY);
    const record = this.mustRecord();
    record.agent = pending.agent;
    record.updatedAt = Date.now();
    this.save(record);
    if (pending.restartRuntime) await this.runtime.stop(record.id, "runtime upgrade", false);
    await syncSessionIndex(this.env.DB, record);
  }
}

const PENDING_AGENT_KEY = "plane-pending-agent";

interface PendingAgent {
  agent: SessionAgent;
  restartRuntime: boolean;
}
