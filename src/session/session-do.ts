/**
 * SessionDO: one Durable Object per session, the session's single writer and conductor.
 *
 * It owns the session record, the event log, the input queue and the live streams, and drives
 * the session's OpenClaw gateway (a container in production, a local process in dev/tests)
 * through the runtime seam. Turns run one at a time from the durable queue: this object
 * decides when (the pump), TurnRunner runs one, TurnTranslator turns OpenClaw's events into CMA
 * events, and GatewayLink holds the connection.
 *
 * Restart safety: a queued message leaves the queue only when its turn has finished, and an
 * alarm re-checks pending work, so an evicted object or a killed runtime picks up where it
 * stopped. A fresh runtime has no transcript; the next turn then carries the conversation so
 * far (from this object's log), because the log here, not OpenClaw's state, is the source of
 * truth.
 */
import { DurableObject } from "cloudflare:workers";
import { SESSION_WATCHDOG_MS, turnTimeoutMs } from "../config";
import type { QuotaBreach } from "../domain/session-limits";
import type { EgressSecrets } from "../egress/secret-substitution";
import { ApiError, toErrorResponse } from "../errors";
import { describeError, log } from "../lib/log";
import type { ModelCallGrant, ModelCallUsage } from "../llm/metering";
import { type PricingEnv, priceTable } from "../llm/pricing";
import type { McpGrant, McpToolCall } from "../mcp/proxy";
import { type RuntimeExit, RuntimeStartError } from "../runtime/agent-runtime";
import type { EventFrame } from "../runtime/openclaw/protocol";
import {
  type SessionEvent,
  type SessionEventBody,
  type PeerEventBody,
  type SessionEventBodyOf,
  sessionError,
  type UserEventInput,
} from "../schemas/session-events";
import type { SessionThreadWire, ThreadListQuery } from "../schemas/session-threads";
import type { SessionStatus, SessionWire } from "../schemas/sessions";
import { type BeamCaller, type BeamRunEventBody, beamToolOf, cancelBeamRunsOf } from "./beam-tools";
import { ApprovalDesk, type ApprovalRequest } from "./approval-desk";
import { ApprovalBook } from "./approvals";
import { EventLog, type EventQuery, textOf } from "./event-log";
import { InputQueue } from "./input-queue";
import { PendingAgent } from "./pending-agent";
import { capture, type RpcResult } from "./rpc-result";
import { describeExit, runtimeExitedEvent } from "./runtime-exit";
import { RuntimeProgress } from "./runtime-progress";
import { type RuntimeLogTail, runtimeLogTail } from "./runtime-logs";
import { dropSessionIndex, syncSessionIndex } from "./session-index";
import {
  networkingOf,
  type SessionAgent,
  type SessionRecord,
  sessionToWire,
  sleepAfterMs,
} from "./session-record";
import { openclawSessionKey, SessionRuntime } from "./session-runtime";
import { SessionThreads } from "./session-threads";
import { loadSpawnableAgent } from "./spawnable-agent";
import { ThreadRuns } from "./thread-runs";
import { StreamHub } from "./stream-hub";
import { quotaErrorEvent, TurnRunner } from "./turn-runner";
import { compactedSessionKey } from "./turn-translator";
import { workspaceSaveError } from "./workspace-store";

const RECORD_KEY = "session";

export interface EventPage {
  data: SessionEvent[];
  next_page: string | null;
}

export class SessionDO extends DurableObject<Env> {
  private readonly events: EventLog;
  private readonly queue: InputQueue;
  private readonly hub = new StreamHub();
  private readonly runtime: SessionRuntime;
  private readonly approvals: ApprovalDesk;
  private readonly pendingAgent: PendingAgent;
  private readonly turns: TurnRunner;
  private readonly threads: SessionThreads;
  private readonly threadRuns: ThreadRuns;
  private pumping: Promise<void> | undefined;
  /** Set once the session is being deleted: a start at create that gives up then says nothing. */
  private deleting = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.events = new EventLog(ctx.storage.sql);
    this.queue = new InputQueue(ctx.storage.sql);
    this.pendingAgent = new PendingAgent(ctx.storage.kv);
    this.threads = new SessionThreads(ctx.storage.sql, {
      record: () => this.mustRecord(),
      emit: (body, threadId) => this.emit(body, undefined, threadId),
      stopRun: (thread) => (thread.runtimeKey ? this.runtime.abortKey(thread.runtimeKey) : Promise.resolve()),
    });
    this.threadRuns = new ThreadRuns({
      threads: this.threads,
      sessionAgent: () => this.mustRecord().agent,
      emit: (body, id, threadId) => this.emit(body, id, threadId),
      loadAgent: (id, version) => loadSpawnableAgent(env, id, version),
      answer: (toolCallId, text, isError) => this.runtime.answerThreadTool(toolCallId, { text, isError }),
      startRun: (key, policy, message, runId, modelRef) =>
        this.runtime.runChild(key, policy, message, runId, modelRef),
      stopRun: (key) => this.runtime.abortKey(key),
      // The proxy's own price table (LLM_PRICING_JSON is an optional var, like the proxy reads it).
      prices: () => priceTable(env as PricingEnv),
    });
    this.approvals = new ApprovalDesk(new ApprovalBook(ctx.storage.kv), {
      turn: () => this.turns.current,
      sessionKey: () => openclawSessionKey(this.mustRecord().id),
      agentTools: () => this.mustRecord().agent.tools,
      answer: (call, allow, denyMessage) => this.runtime.answerApproval(call, allow, denyMessage),
      answerCustom: (toolCallId, answer) => this.runtime.answerCustomTool(toolCallId, answer),
      abort: (runId) => void this.runtime.abort(this.mustRecord().id, runId),
      waitForUser: (toolUseIds) => {
        this.setStatus("idle");
        this.emit({
          type: "session.status_idle",
          stop_reason: { type: "requires_action", event_ids: toolUseIds },
          stop_details: null,
        });
      },
      resumeRunning: () => {
        this.setStatus("running");
        this.emit({ type: "session.status_running" });
      },
      kick: () => this.kick(),
      childCall: (key, toolCallId) => this.threadRuns.approvalCall(key, toolCallId),
    });
    this.runtime = new SessionRuntime(ctx, env, {
      onEvent: (frame) => this.onGatewayEvent(frame),
      onLost: (reason) => {
        this.threadRuns.runtimeLost();
        this.threads.runtimeLost(reason);
        this.turns.runtimeLost(reason);
      },
      onExit: (exit) => this.runtimeExited(exit),
    });
    this.turns = new TurnRunner(
      {
        record: () => this.mustRecord(),
        save: (record) => this.save(record),
        emit: (event, id) => this.emit(event, id),
        preview: (forType, frame) => this.hub.publishPreview(forType, frame),
        setStatus: (status) => this.setStatus(status),
        events: this.events,
        queue: this.queue,
        approvals: this.approvals,
        runtime: this.runtime,
        // Plane oversight: a rollout's newer agent version is taken up as a turn starts.
        beforeTurn: () => this.takePendingAgent(),
        // The turn's files are saved before the session says it is idle.
        afterTurn: async () => (await this.saveWorkspace()) === null,
        threadCall: (call) => void this.threadRuns.onCall(call),
      },
      turnTimeoutMs(env),
    );
    // An object restarted with work pending (evicted, redeployed) resumes it as soon as it is
    // constructed; the watchdog alarm covers an object that nothing calls.
    if (this.queue.size() > 0) this.kick();
  }

  // ---- RPC: lifecycle -------------------------------------------------------------------

  /** Creates the session (idempotent for the same id) and accepts its initial events. */
  async create(record: SessionRecord, initial: UserEventInput[]): Promise<RpcResult<SessionWire>> {
    return capture(async () => {
      const fresh = !this.record();
      if (fresh) {
        this.save(record);
        await syncSessionIndex(this.env.DB, record);
      }
      if (initial.length) this.accept(initial);
      // The runtime is started now, in the background, so the first message finds it claimed or
      // claiming (README, "Warm pool"). A message sent with the create starts it at once anyway.
      if (fresh && !initial.some((input) => input.type === "user.message"))
        this.ctx.waitUntil(this.startAtCreate());
      return sessionToWire(this.mustRecord());
    });
  }

  /**
   * Starts the runtime of a session just created, before its first message, when a warm pool
   * can serve it (SessionRuntime.startsAtCreate). The session stays idle: the start's spans
   * (`span.runtime_start`, `span.runtime_warm_pool`, `span.runtime_ready`) are emitted now
   * instead of in the first turn, and a turn that comes meanwhile joins this start. A start that
   * fails is said (`session.error`, retrying) and logged; the first message then starts the
   * runtime afresh, as a turn always does. Idle sleep counts from here for a session that gets
   * no message.
   */
  private async startAtCreate(): Promise<void> {
    const record = this.record();
    if (!record || record.status === "terminated") return;
    const decision = await this.runtime.startsAtCreate(record);
    if (!decision.yes) {
      log("debug", "runtime not started at create", { session_id: record.id, why: decision.why });
      return;
    }
    // A message (or a stop) that came meanwhile: its turn starts the runtime as it always has.
    if (this.queue.size() > 0 || this.runtime.isStarting || this.record()?.status === "terminated") return;
    const progress = new RuntimeProgress((event) => this.emit(event));
    try {
      await this.runtime.connect(
        record,
        () => progress.starting(),
        (outcome) => progress.warmPool(outcome),
        decision.start,
      );
      progress.ready();
    } catch (err) {
      const now = this.record();
      // Stopped while starting (archived, deleted): nothing more to say.
      if (!now || now.status === "terminated" || this.deleting) return;
      const reason = err instanceof RuntimeStartError ? err.reason : String(err);
      log("warn", "runtime start at create failed", { session_id: record.id, reason });
      this.emit(
        sessionError(
          "unknown_error",
          `the runtime started at create failed; the next message starts it again: ${reason}`,
          "retrying",
        ),
      );
      return;
    }
    const now = this.record();
    if (!now || now.status === "terminated" || this.queue.size() > 0 || this.turns.current) return;
    // Idle sleep, as after a turn: the claimed runtime is stopped if no message comes.
    if ((await this.ctx.storage.getAlarm()) === null)
      await this.ctx.storage.setAlarm(Date.now() + sleepAfterMs(now));
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
      const updated: SessionEventBodyOf<"session.updated"> = { type: "session.updated" };
      if (change.title !== undefined && change.title !== record.title)
        updated.title = record.title = change.title;
      if (change.metadata !== undefined) updated.metadata = record.metadata = change.metadata;
      if (Object.keys(updated).length > 1) {
        record.updatedAt = Date.now();
        this.save(record);
        this.emit(updated);
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
        this.approvals.book.clear();
        await this.threads.endAll();
        this.emit({ type: "session.status_terminated" });
        await cancelBeamRunsOf(this.env, record.id, "the session was archived");
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
      this.deleting = true;
      this.emit({ type: "session.deleted" });
      this.hub.closeAll();
      this.threads.closeAll();
      await cancelBeamRunsOf(this.env, record.id, "the session was deleted");
      await this.stopRuntime("deleted", true);
      await this.runtime.deleteWorkspace(record.id);
      await this.ctx.storage.deleteAlarm();
      await this.ctx.storage.deleteAll();
      await dropSessionIndex(this.env.DB, record.id);
      return { id: record.id };
    });
  }

  // ---- RPC: events ----------------------------------------------------------------------

  /** Accepts user events (returns at once); queued messages run in order. */
  async send(inputs: UserEventInput[]): Promise<RpcResult<SessionEvent[]>> {
    return capture(() => this.accept(inputs));
  }

  /**
   * Like `send`, but refuses (409 `session_running`) while a turn runs or messages wait: the
   * OpenAI endpoint answers one turn per request, and check-and-accept must be one step.
   */
  async sendWhenIdle(inputs: UserEventInput[]): Promise<RpcResult<SessionEvent[]>> {
    return capture(() => {
      if (this.turns.current || this.queue.size() > 0) {
        throw new ApiError("session_running", `session ${this.mustRecord().id} is busy with another turn`);
      }
      return this.accept(inputs);
    });
  }

  async listEvents(
    query: EventQuery,
  ): Promise<RpcResult<{ rows: Array<{ seq: number; event: SessionEvent }> }>> {
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
    const url = new URL(request.url);
    const threadPath = /^\/threads\/([^/]+)\/stream$/.exec(url.pathname);
    let childId: string | undefined;
    try {
      if (url.pathname !== "/stream" && !threadPath)
        throw new ApiError("not_found", `no ${url.pathname} on a session`);
      this.mustRecord();
      if (threadPath) {
        const thread = this.threads.mustGet(decodeURIComponent(threadPath[1] ?? ""));
        if (this.threads.isChild(thread)) childId = thread.id;
      }
    } catch (err) {
      // The API's one error envelope, as the Worker's own answers are.
      if (err instanceof ApiError)
        return toErrorResponse(err, request.headers.get("request-id") ?? "req_unknown");
      throw err;
    }
    const lastId = request.headers.get("last-event-id") ?? url.searchParams.get("last_event_id");
    const deltas = new Set(url.searchParams.getAll("event_deltas[]"));
    // Catch-up and subscription in one synchronous step: nothing can be emitted in between.
    // A child thread's stream works the same way, over the child's own log.
    if (childId !== undefined) {
      const backlog = lastId ? this.events.after(this.events.get(lastId)?.seq ?? 0, childId) : [];
      return this.threads.hub(childId).subscribe(backlog, deltas, request.signal);
    }
    const backlog = lastId ? this.events.after(this.events.get(lastId)?.seq ?? 0) : [];
    return this.hub.subscribe(backlog, deltas, request.signal);
  }

  // ---- RPC: threads ---------------------------------------------------------------------

  async listThreads(
    query: ThreadListQuery,
  ): Promise<RpcResult<{ data: SessionThreadWire[]; next_page: string | null }>> {
    return capture(() => this.threads.list(query));
  }

  async getThread(threadId: string): Promise<RpcResult<SessionThreadWire>> {
    return capture(() => this.threads.toWire(this.threads.mustGet(threadId)));
  }

  async archiveThread(threadId: string): Promise<RpcResult<SessionThreadWire>> {
    return capture(() => this.threads.archive(threadId));
  }

  /** A thread's events: the primary's are the session's own; a child's are its own log. */
  async listThreadEvents(
    threadId: string,
    query: EventQuery,
  ): Promise<RpcResult<{ rows: Array<{ seq: number; event: SessionEvent }> }>> {
    return capture(() => {
      const thread = this.threads.mustGet(threadId);
      const childId = this.threads.isChild(thread) ? thread.id : undefined;
      return { rows: this.events.query({ ...query, threadId: childId }) };
    });
  }

  // ---- RPC: LLM proxy meter -------------------------------------------------------------

  /**
   * Grants one model call to the holder of the session's LLM proxy token. A session past a
   * quota gets none: the proxy answers 429 `quota_exceeded` and the running turn is stopped
   * here (rather than left to the runtime's own retry logic) with `budget_reached`.
   * No hidden spend: a call while the session runs no turn (a gateway acting on its own, e.g.
   * a heartbeat) is refused, so every call metered is one a turn's spans report. 409, not 401
   * or 403: OpenClaw would take those for a bad key and cool the provider down for later turns.
   */
  async authorizeModelCall(
    token: string,
    requestedModel?: string,
  ): Promise<RpcResult<ModelCallGrant | null>> {
    return capture(async () => {
      const record = this.record();
      if (!record || record.status === "terminated") return null;
      if (!(await this.runtime.acceptsModelToken(token))) return null;
      const breach = this.turns.quotaBreach(record);
      if (breach) {
        this.turns.stopAtQuota(breach);
        throw quotaError(record.id, breach);
      }
      if (!this.turns.current) throw outOfTurnError(record.id);
      // A child thread's call comes in on its model slot and gets its own agent's model.
      const childModel = requestedModel === undefined ? undefined : this.threadRuns.modelFor(requestedModel);
      if (childModel === null) throw noSuchThreadModel(record.id, requestedModel ?? "");
      this.turns.modelCallGranted();
      return { sessionId: record.id, model: childModel ?? record.agent.model.id };
    });
  }

  async recordModelUsage(usage: ModelCallUsage): Promise<RpcResult<void>> {
    return capture(() => {
      const record = this.record();
      if (!record) return;
      record.usage.input_tokens += usage.inputTokens;
      record.usage.output_tokens += usage.outputTokens;
      record.usage.cache_read_input_tokens += usage.cacheReadTokens;
      record.usage.cache_creation_input_tokens += usage.cacheWriteTokens;
      record.usage.cost_usd += usage.costUsd;
      this.save(record);
      if (usage.failure) this.turns.modelCallFailed(usage.failure);
      this.turns.modelCallRecorded();
    });
  }

  // ---- alarm: watchdog and idle stop ----------------------------------------------------

  override async alarm(): Promise<void> {
    const record = this.record();
    if (!record || record.status === "terminated") return;
    const head = this.queue.peek();
    const parked = head !== null && this.approvals.isWaiting(head.eventId);
    if (this.turns.current || (head && !parked)) {
      this.kick();
      return;
    }
    // Idle, or parked on the user's answer (a resumed turn starts the runtime again). What the
    // agent's processes wrote since the last turn is saved before the runtime goes.
    await this.saveWorkspace();
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

  /** Appends an event to the log (a child thread's, with `threadId`) and publishes it to live streams. */
  private emit(body: SessionEventBody, id?: string, threadId?: string): SessionEvent {
    const { event } = this.events.append(body, Date.now(), id, threadId ?? null);
    if (threadId === undefined) this.hub.publish(event);
    else this.threads.publish(threadId, event);
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

  private accept(inputs: UserEventInput[]): SessionEvent[] {
    const record = this.mustRecord();
    if (record.status === "terminated") {
      throw new ApiError("session_terminated", `session ${record.id} is terminated and accepts no events`);
    }
    // Refuse the whole batch before changing anything, so a bad event never half-applies it.
    // A tool confirmation must answer an approval that is waiting, a custom tool result a custom
    // tool call that is waiting; each once.
    const answered = new Set<string>();
    inputs.forEach((input, i) => {
      if (input.type === "user.interrupt" && input.session_thread_id !== undefined) {
        if (this.threads.find(input.session_thread_id)) return;
        throw new ApiError(
          "invalid_request",
          `session ${record.id} has no thread ${input.session_thread_id}`,
          {
            fields: [
              { path: `events.${i}.session_thread_id`, message: "no thread with this id in this session" },
            ],
          },
        );
      }
      if (input.type !== "user.tool_confirmation" && input.type !== "user.custom_tool_result") return;
      const custom = input.type === "user.custom_tool_result";
      const ref = custom ? input.custom_tool_use_id : input.tool_use_id;
      if (this.approvals.awaits(ref, custom ? "custom" : "approval") && !answered.has(ref)) {
        answered.add(ref);
        return;
      }
      throw new ApiError("invalid_request", `no pending tool call ${ref} awaits an answer in this session`, {
        fields: [{ path: `events.${i}`, message: "no pending tool call with this id" }],
      });
    });
    // A message that would start a turn past a quota is refused, and the stream is told why.
    const breach = inputs.some((input) => input.type === "user.message")
      ? this.turns.quotaBreach(record)
      : null;
    if (breach) {
      this.emit(quotaErrorEvent(breach));
      throw quotaError(record.id, breach);
    }
    const echoed: SessionEvent[] = [];
    for (const input of inputs) {
      if (input.type === "user.message") {
        const { event } = this.events.append({ type: "user.message", content: input.content }, null);
        this.queue.enqueue(event.id, textOf(input.content), Date.now());
        this.hub.publish(event);
        echoed.push(event);
        // Armed with the message itself, so pending work survives even an eviction right now.
        void this.ctx.storage.setAlarm(Date.now() + SESSION_WATCHDOG_MS);
      } else if (input.type === "user.tool_confirmation") {
        echoed.push(
          this.emit({
            type: "user.tool_confirmation",
            tool_use_id: input.tool_use_id,
            result: input.result,
            ...(input.deny_message !== undefined ? { deny_message: input.deny_message } : {}),
          }),
        );
        this.approvals.confirm(input.tool_use_id, input.result === "allow", input.deny_message);
      } else if (input.type === "user.custom_tool_result") {
        echoed.push(
          this.emit({
            type: "user.custom_tool_result",
            custom_tool_use_id: input.custom_tool_use_id,
            ...(input.content !== undefined ? { content: input.content } : {}),
            ...(input.is_error !== undefined ? { is_error: input.is_error } : {}),
          }),
        );
        this.approvals.answerCustom(input.custom_tool_use_id, {
          text: textOf(input.content ?? []),
          isError: input.is_error === true,
        });
      } else if (input.type === "user.interrupt") {
        echoed.push(
          this.emit({
            type: "user.interrupt",
            ...(input.session_thread_id ? { session_thread_id: input.session_thread_id } : {}),
          }),
        );
        void this.interrupt(input.session_thread_id);
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
      // A turn parked on a tool call waits for the user's answer, and so does what is behind it.
      if (this.approvals.isWaiting(next.eventId)) break;
      await this.ctx.storage.setAlarm(Date.now() + SESSION_WATCHDOG_MS);
      await this.turns.run(next).catch((err) => {
        log("error", "turn failed unexpectedly", { session_id: record.id, ...describeError(err) });
        this.turns.finish(next, { kind: "error", message: "internal error while running the turn" });
      });
    }
    const record = this.record();
    if (record && record.status !== "terminated") {
      // Idle sleep: unless a message comes first, the alarm then stops the runtime.
      await this.ctx.storage.setAlarm(Date.now() + sleepAfterMs(record));
      await syncSessionIndex(this.env.DB, record);
    }
  }

  /** Gateway events go to the running turn; between turns there is nothing to translate. */
  private onGatewayEvent(frame: EventFrame): void {
    log("debug", "gateway event", { event: frame.event, in_turn: Boolean(this.turns.current) });
    // A child thread's frames (its own session key) are its own, never the parent turn's.
    if (this.threadRuns.onGatewayEvent(frame)) return;
    // An explicit compaction of the session's own context runs between turns: no turn sees it.
    const compacted = compactedSessionKey(frame);
    if (compacted !== null) {
      const record = this.record();
      if (record && compacted === openclawSessionKey(record.id))
        this.emit({ type: "agent.thread_context_compacted" });
      return;
    }
    if (frame.event === "plugin.approval.requested") {
      this.approvals.onRequested(frame.payload as ApprovalRequest);
      return;
    }
    this.turns.onGatewayEvent(frame);
  }

  /**
   * `user.interrupt`: of a child thread, stops that child only; otherwise stops the session's
   * turn and every running child with it.
   */
  private async interrupt(threadId?: string): Promise<void> {
    const target = threadId === undefined ? undefined : this.threads.find(threadId);
    if (target && this.threads.isChild(target)) {
      await this.threads.interrupt([target]);
      return;
    }
    await this.threads.interrupt(this.threads.book.liveChildren());
    // Delegated work stops with the turn that asked for it: its beams are removed.
    await cancelBeamRunsOf(this.env, this.mustRecord().id, "the session was interrupted");
    const turn = this.turns.current;
    if (turn) {
      // Pending calls of the interrupted turn are dropped with it: nothing is left to answer.
      this.approvals.book.dropFor(turn.eventId);
      await this.turns.abort(turn.runId);
      return;
    }
    // A turn parked on a tool call ends here, as if it had been running.
    const head = this.queue.peek();
    if (head && this.approvals.isWaiting(head.eventId)) {
      this.turns.finish(head, { kind: "aborted" });
      this.kick();
    }
  }

  /**
   * Saves the workspace durably; a save that could not happen is told to the session, and its
   * error event returned (null when saved, unchanged, or nothing to save).
   */
  private async saveWorkspace(): Promise<SessionEventBody | null> {
    const record = this.record();
    if (!record || record.status === "terminated") return null;
    const error = workspaceSaveError(record.id, await this.runtime.saveWorkspace(record));
    if (error) this.emit(error);
    return error;
  }

  /** The runtime exited on its own: said with its exit code, and a running turn is rescheduled. */
  private runtimeExited(exit: RuntimeExit): void {
    const record = this.record();
    if (!record || record.status === "terminated") return;
    log("warn", "runtime exited", { session_id: record.id, exit_code: exit.exitCode, signal: exit.signal });
    this.emit(runtimeExitedEvent(exit));
    this.threadRuns.runtimeLost();
    this.threads.runtimeLost(`the runtime ${describeExit(exit)}`);
    this.turns.runtimeLost(`the runtime ${describeExit(exit)}`);
  }

  private async stopRuntime(why: string, destroy: boolean): Promise<void> {
    const record = this.record();
    if (!record) return;
    this.turns.stopped();
    await this.runtime.stop(record.id, why, destroy);
  }

  // ---- MCP proxy ------------------------------------------------------------------------

  /** For a valid session token: the agent's MCP servers, the bound vaults and the networking. */
  async authorizeMcpCall(token: string, calls: McpToolCall[] = []): Promise<RpcResult<McpGrant | null>> {
    return capture(async () => {
      const record = this.record();
      if (!record || record.status === "terminated") return null;
      if (!(await this.runtime.acceptsModelToken(token))) return null;
      const { id: sessionId, agent, vaultIds } = record;
      const grant: McpGrant = {
        sessionId,
        servers: agent.mcp_servers,
        vaultIds,
        networking: networkingOf(record),
      };
      if (calls.length > 0) grant.toolCalls = this.approvals.permitMcpCalls(calls);
      return grant;
    });
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
    return capture(() => ({ pending: this.pendingAgent.offer(this.mustRecord(), agent, restartRuntime) }));
  }

  private async takePendingAgent(): Promise<void> {
    const record = this.mustRecord();
    const taken = this.pendingAgent.takeInto(record, Date.now());
    if (!taken) return;
    this.save(record);
    if (taken.restartRuntime) await this.runtime.stop(record.id, "agent upgrade", false);
    await syncSessionIndex(this.env.DB, record);
  }

  // ---- plane oversight: runtime logs (src/planes/logs.ts) --------------------------------

  /** The running runtime's recent log lines (see runtime-logs); `cursor` asks for newer ones. */
  async runtimeLogs(query: { cursor?: number; limit: number }): Promise<RpcResult<RuntimeLogTail>> {
    return capture(() => runtimeLogTail(this.runtime, this.mustRecord(), query));
  }

  // ---- tailnet peers (src/peers/outbound.ts) ----------------------------------------------

  /** The session and agent behind a runtime's session token, for its `peer_send` calls (null: not this session's). */
  async authorizePeerCall(token: string): Promise<RpcResult<{ sessionId: string; agentId: string } | null>> {
    return capture(async () => {
      const record = this.record();
      if (!record || record.status === "terminated") return null;
      if (!(await this.runtime.acceptsModelToken(token))) return null;
      return { sessionId: record.id, agentId: record.agent.id };
    });
  }

  /** Logs and streams a peer exchange event (`agent.peer_message`, `agent.peer_reply`); returns its id. */
  async recordPeerEvent(body: PeerEventBody): Promise<RpcResult<string | null>> {
    return capture(() => {
      const record = this.record();
      if (!record || record.status === "terminated") return null;
      return this.emit(body).id;
    });
  }

  // ---- delegation to beams (src/entrypoints/beam-calls.ts) --------------------------------

  /** The session, agent and `beam_agent` entry behind a runtime's session token (null: not this session's). */
  async authorizeBeamCall(token: string): Promise<RpcResult<BeamCaller | null>> {
    return capture(async () => {
      const record = this.record();
      if (!record || record.status === "terminated") return null;
      if (!(await this.runtime.acceptsModelToken(token))) return null;
      return {
        sessionId: record.id,
        agentId: record.agent.id,
        agentVersion: record.agent.version,
        tool: beamToolOf(record.agent.tools),
      };
    });
  }

  /** Logs and streams a beam run event (started, output, ended); returns its id. */
  async recordBeamEvent(body: BeamRunEventBody): Promise<RpcResult<string | null>> {
    return capture(() => {
      const record = this.record();
      if (!record || record.status === "terminated") return null;
      return this.emit(body).id;
    });
  }

  // ---- egress secrets

  /**
   * For the container's egress edge (src/entrypoints/egress.ts), once per outbound request:
   * placeholder → secret value, networking and injection of the session's
   * `environment_variable` credentials whose placeholders its runtime holds; `null` for a
   * session that is gone or terminated (the edge then substitutes nothing).
   */
  async egressSecrets(): Promise<RpcResult<EgressSecrets | null>> {
    return capture(() => {
      const record = this.record();
      if (!record || record.status === "terminated") return null;
      return this.runtime.egressSecrets(record);
    });
  }
}

function quotaError(sessionId: string, breach: QuotaBreach): ApiError {
  return new ApiError("quota_exceeded", `session ${sessionId}: ${breach.message}`, {
    details: { limit: breach.limit },
  });
}

/** A call on a model slot no running child holds (a stopped child's late call, or a guess). */
function noSuchThreadModel(sessionId: string, modelId: string): ApiError {
  log("warn", "llm proxy: model call on a slot no running thread holds", {
    session_id: sessionId,
    model: modelId,
  });
  return new ApiError("session_idle", `no thread of session ${sessionId} is running on model ${modelId}`);
}

function outOfTurnError(sessionId: string): ApiError {
  log("warn", "llm proxy: model call refused, no turn is running", { session_id: sessionId });
  return new ApiError(
    "session_idle",
    `session ${sessionId} is running no turn: the model is called only to handle a user's message`,
  );
}
