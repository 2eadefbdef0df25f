/**
 * Runs a session's turns: one queued user message at a time, from picking it up to the
 * session going idle again. A turn starts (or reaches) the runtime, sends the message to
 * OpenClaw, lets the {@link TurnTranslator} turn the run's gateway frames into CMA events, and
 * ends in one of four ways: as OpenClaw reports it, with the runtime gone, at its time limit, or
 * at a quota. The end decides what the session says (`session.error`, `session.usage`, the idle
 * stop reason) and whether the message leaves the queue.
 *
 * "As OpenClaw reports it" comes early for a turn that plainly answered: it ends once its reply
 * is settled (emitted, metered, no tool or approval open), while OpenClaw still finishes the run
 * (≈ 70–90 ms of teardown the user need not wait for). That run is then remembered, and the next
 * message is sent only once it ended, so no message is steered into a run the session no longer
 * tracks (README "Performance").
 *
 * The runner holds only the running turn; everything durable (record, log, queue, approvals)
 * and the runtime are reached through {@link TurnHost}, which the session object provides, so
 * the runner has no Durable Object of its own and runs against fakes in unit tests.
 */
import type { WarmPoolOutcome } from "../runtime/agent-runtime";
import { MAX_TURN_ATTEMPTS } from "../config";
import {
  budgetToUsd,
  effectiveLimits,
  type QuotaBreach,
  quotaBreach,
  type SessionLimits,
  wallTimeLeftMs,
} from "../domain/session-limits";
import { log } from "../lib/log";
import { RuntimeStartError } from "../runtime/agent-runtime";
import type { GatewayClient } from "../runtime/openclaw/gateway-client";
import type { EventFrame } from "../runtime/openclaw/protocol";
import {
  type PreviewFrame,
  type SessionError,
  type SessionEvent,
  type SessionEventBody,
  type SessionEventBodyOf,
  sessionError,
} from "../schemas/session-events";
import type { SessionStatus } from "../schemas/sessions";
import type { ApprovalDesk } from "./approval-desk";
import { type CustomToolCall, customToolNames } from "./custom-tools";
import { type EventLog, newEventId } from "./event-log";
import type { InputQueue, QueuedInput } from "./input-queue";
import { isPeerTool } from "./peer-tools";
import { withRestoredContext } from "./restored-context";
import { RuntimeProgress } from "./runtime-progress";
import type { ThreadToolCall } from "./thread-runs";
import { isThreadTool } from "./thread-tools";
import { type SessionRecord, usageToWire } from "./session-record";
import { openclawSessionKey } from "./session-runtime";
import { decisionFor, gatewayToolPolicy } from "./tool-policy";
import { type TurnOutcome, TurnTranslator } from "./turn-translator";

/** The runtime as a turn uses it (SessionRuntime in the session object). */
export interface TurnRuntime {
  /** Why the model cannot be served at all (said before a runtime boots), or null. */
  modelConfigError(record: SessionRecord): string | null;
  /**
   * The live link, starting the runtime first if needed (`onStart` then called, and
   * `onWarmPool` with how a pooled start went).
   */
  connect(
    record: SessionRecord,
    onStart: () => void,
    onWarmPool?: (outcome: WarmPoolOutcome) => void,
  ): Promise<{ client: Pick<GatewayClient, "chatSend">; freshTranscript: boolean }>;
  abort(sessionId: string, runId: string): Promise<void>;
  /**
   * Installs the environment's packages in the connected runtime unless it holds them already
   * (with their progress events); null when they are usable, else the failure naming the package.
   */
  installPackages(
    record: SessionRecord,
    emit: (event: SessionEventBody) => SessionEvent,
  ): Promise<string | null>;
  /** Forgets a link known to be dead: the next turn starts the runtime again. */
  forget(): void;
}

/** What the runner asks of the session object. */
export interface TurnHost {
  record(): SessionRecord;
  save(record: SessionRecord): void;
  /** Appends an event to the log and publishes it. */
  emit(event: SessionEventBody, id?: string): SessionEvent;
  /** Publishes a stream-only preview to the streams that asked for `forType` deltas. */
  preview(forType: string, frame: PreviewFrame): void;
  /** Moves the session's status (never out of `terminated`). */
  setStatus(status: SessionStatus): void;
  events: Pick<EventLog, "markProcessed" | "transcript">;
  queue: Pick<InputQueue, "markAttempt" | "remove">;
  approvals: Pick<
    ApprovalDesk,
    "resumeNote" | "isWaiting" | "clearParkTimer" | "endTurn" | "onCustomToolUse"
  >;
  runtime: TurnRuntime;
  /** Called as each turn starts, before anything else (a rollout's newer agent version). */
  beforeTurn(): Promise<void>;
  /** A thread tool call of the session's own agent (thread-runs.ts decides and runs it). */
  threadCall?(call: ThreadToolCall): void;
  /**
   * Called when a turn that ran on a live runtime and ran a tool ends, before the session goes
   * idle (saving the workspace). It may emit events of its own; it does not throw. True when
   * the workspace is now saved as it is (or there is nothing to save); false to try again after
   * the next turn.
   */
  afterTurn(): Promise<boolean>;
}

/** The running turn (ApprovalDesk reads it as its `DeskTurn`). */
export interface ActiveTurn {
  eventId: string;
  runId: string;
  translator: TurnTranslator;
  startedAt: number;
  /** Set when the run is stopped to wait for the user: the message stays queued. */
  parked?: boolean;
  /** Why the LLM proxy could not make a model call of this turn; the turn ends with it. */
  failure?: string;
  /** Model calls the LLM proxy was granted during the turn, and calls it has recorded since. */
  callsGranted: number;
  callsRecorded: number;
  end(outcome: TurnEnd): void;
}

/**
 * A run whose turn ended at its settled reply (TurnTranslator.replySettled) while OpenClaw was
 * still finishing it: the next message is sent once it ended, so that message is never steered
 * into, or queued behind, a run the session no longer tracks.
 */
interface SettlingRun {
  runId: string;
  ended: Promise<void>;
  end(): void;
}

/**
 * How long the next turn waits for a settling run's end before sending anyway (OpenClaw then
 * queues the message itself). The end comes 70–90 ms after the reply here (p50; 222 ms the
 * slowest seen on a loaded machine); the bound only matters if its frame is lost.
 */
const SETTLING_RUN_WAIT_MS = 5_000;

/** How a running turn can end: as OpenClaw reported it, with the runtime gone, or at a quota. */
type TurnEnd =
  | TurnOutcome
  | { kind: "runtime_lost"; reason: string }
  | { kind: "quota"; breach: QuotaBreach };

/** How a turn ends for good (the message leaves the queue): also an error before it ran. */
export type FinishedTurn =
  | TurnOutcome
  | { kind: "quota"; breach: QuotaBreach }
  | { kind: "error"; message: string; errorType?: SessionError["type"] };

/** The `session.error` of a session stopped at a quota. */
export function quotaErrorEvent(breach: QuotaBreach): SessionEventBodyOf<"session.error"> {
  return sessionError("billing_error", `quota exceeded: ${breach.message}`, "exhausted", {
    error_code: "quota_exceeded",
    limit: breach.limit,
  });
}

export class TurnRunner {
  private turn: ActiveTurn | undefined;
  private settling: SettlingRun | undefined;
  /**
   * Whether the agent may have changed its workspace since the last save: it writes files only
   * through its tools, so a turn that ran none (a chat turn) has nothing new to save and goes
   * idle without the save's round trip to the runtime. Unknown, so true, in a new object; a
   * failed save leaves it true. What a background process writes between turns is saved with
   * the next tool turn and always before idle sleep.
   */
  private workspaceTouched = true;

  constructor(
    private readonly host: TurnHost,
    /** The per-turn time limit (TURN_TIMEOUT_SECONDS). */
    private readonly turnLimitMs: number,
  ) {}

  /** The running turn, if one runs. */
  get current(): ActiveTurn | undefined {
    return this.turn;
  }

  /**
   * Runs the turn of `input`, the head of the queue, until it ends or parks (waiting for the
   * user's answer to a tool call, its message still queued). Never throws for what the turn
   * meets; a throw is a bug the caller ends the turn for.
   */
  async run(input: QueuedInput): Promise<void> {
    const pickedAt = Date.now();
    const attempt = this.host.queue.markAttempt(input.eventId);
    await this.host.beforeTurn();
    if (attempt > MAX_TURN_ATTEMPTS) {
      this.finish(input, {
        kind: "error",
        message: `the agent runtime failed ${MAX_TURN_ATTEMPTS} times on this message`,
      });
      return;
    }
    // Queued behind a turn that used up the session's quota: it never starts.
    const breach = this.quotaBreach(this.host.record());
    if (breach) {
      this.host.events.markProcessed(input.eventId, Date.now());
      this.finish(input, { kind: "quota", breach });
      return;
    }
    if (this.host.record().status !== "running") {
      this.host.setStatus("running");
      this.host.emit({ type: "session.status_running" });
    }

    // Picked up now, whether or not the runtime then manages to run it.
    this.host.events.markProcessed(input.eventId, Date.now());
    const record = this.host.record();
    // A model nothing can serve is a configuration error: said at once, before a runtime boots.
    const configError = this.host.runtime.modelConfigError(record);
    if (configError) {
      log("warn", "turn refused: no model provider", { session_id: record.id });
      this.finish(input, { kind: "error", message: configError });
      return;
    }
    const progress = new RuntimeProgress((event) => this.host.emit(event));
    let link: Awaited<ReturnType<TurnRuntime["connect"]>>;
    try {
      link = await this.host.runtime.connect(
        record,
        () => progress.starting(),
        (outcome) => progress.warmPool(outcome),
      );
      progress.ready();
    } catch (err) {
      const reason =
        err instanceof RuntimeStartError ? err.reason : `could not reach the agent runtime: ${String(err)}`;
      log("warn", "runtime start failed", { session_id: record.id, reason });
      this.finish(input, { kind: "error", message: reason, errorType: "unknown_error" });
      return;
    }
    // The environment's packages, before the turn: a turn never runs on a half-installed set.
    const packagesFailure = await this.host.runtime.installPackages(record, (event) => this.host.emit(event));
    if (packagesFailure) {
      log("warn", "environment packages failed to install", { session_id: record.id });
      this.finish(input, { kind: "error", message: packagesFailure, errorType: "unknown_error" });
      return;
    }

    // A turn resumed after the user answered a parked tool call: the agent is told the answer
    // (and repeats an approved call, which the stored decision then lets through at once).
    const note = this.host.approvals.resumeNote();
    const message = link.freshTranscript
      ? withRestoredContext(this.host.events.transcript(), note ? `${input.text}\n\n${note}` : input.text)
      : (note ?? input.text);
    const runId = `${input.eventId}:${attempt}`;
    // A run of this message may still be waiting in the runtime (a custom tool call or an
    // approval whose session object was evicted meanwhile): it is stopped, so the new run is
    // not queued behind it. Stopping a run that is gone does nothing.
    if (attempt > 1) await this.host.runtime.abort(record.id, `${input.eventId}:${attempt - 1}`);
    await this.previousRunEnded();
    const startedAt = Date.now();
    const outcome = await this.race(input, runId, startedAt, (end) =>
      link.client
        .chatSend({ sessionKey: openclawSessionKey(record.id), message, idempotencyKey: runId })
        .catch((err) => end({ kind: "runtime_lost", reason: `chat.send failed: ${String(err)}` })),
    );
    const failure = this.turn?.failure;
    const parked = this.turn?.parked === true || this.host.approvals.isWaiting(input.eventId);
    this.host.approvals.clearParkTimer();
    this.turn = undefined;
    link.freshTranscript = false;
    const after = this.host.record();
    after.activeMs += Date.now() - startedAt;
    this.host.save(after);

    if (parked && after.status !== "terminated" && outcome.kind !== "quota") {
      // Waiting for the user: the message stays queued and runs again once every pending call
      // has an answer. A lost runtime changes nothing for the user here.
      if (outcome.kind === "runtime_lost") this.host.runtime.forget();
      return;
    }
    if (outcome.kind === "runtime_lost") {
      if (after.status === "terminated") return this.finish(input, { kind: "aborted" });
      // The message stays queued and runs again on a restarted runtime.
      this.host.runtime.forget();
      this.host.setStatus("rescheduling");
      this.host.emit(sessionError("unknown_error", `agent runtime lost: ${outcome.reason}`, "retrying"));
      this.host.emit({ type: "session.status_rescheduled" });
      return;
    }
    const failed = failure !== undefined && (outcome.kind === "error" || outcome.kind === "aborted");
    const endedAt = Date.now();
    if (this.workspaceTouched) this.workspaceTouched = !(await this.host.afterTurn());
    const savedAt = Date.now();
    this.finish(input, failed ? { kind: "error", message: failure } : outcome);
    // Where a turn's time went on the session's side (epoch ms), for tracing and bench/turn-tax.mjs.
    log("info", "turn timing", {
      session_id: record.id,
      event_id: input.eventId,
      // How long it queued: the accept time travels with the queued message (input-queue.ts).
      accepted_at: input.acceptedAt,
      picked_at: pickedAt,
      sent_at: startedAt,
      ended_at: endedAt,
      saved_at: savedAt,
      idle_at: Date.now(),
    });
  }

  /**
   * The running part of a turn: it becomes the current turn, `send` starts the run, and the
   * first end wins: the translator's outcome, a lost runtime, a quota stop, or the time limit.
   * The session's wall-time quota can end a turn sooner than the per-turn limit; a timer that
   * fires then ends the turn at the quota rather than as a timeout.
   */
  private async race(
    input: QueuedInput,
    runId: string,
    startedAt: number,
    send: (end: (outcome: TurnEnd) => void) => void,
  ): Promise<TurnEnd> {
    const record = this.host.record();
    const wallLeftMs = wallTimeLeftMs(limitsOf(record), record.activeMs);
    const limitMs = wallLeftMs === null ? this.turnLimitMs : Math.min(this.turnLimitMs, wallLeftMs);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const outcome = await new Promise<TurnEnd>((end) => {
      this.turn = {
        eventId: input.eventId,
        runId,
        translator: new TurnTranslator(runId, this.translatorSink(record)),
        startedAt,
        callsGranted: 0,
        callsRecorded: 0,
        end,
      };
      send(end);
      timer = setTimeout(() => {
        void this.abort(runId);
        const breach = consumptionBreach(this.host.record(), Date.now() - startedAt);
        end(
          limitMs < this.turnLimitMs && breach
            ? { kind: "quota", breach }
            : {
                kind: "error",
                message: `the turn exceeded its time limit of ${limitMs / 1000} s and was stopped`,
              },
        );
      }, limitMs);
    });
    clearTimeout(timer);
    return outcome;
  }

  /** Ends a turn for good: the message leaves the queue and the session goes idle. */
  finish(input: QueuedInput, outcome: FinishedTurn): void {
    this.host.queue.remove(input.eventId);
    this.host.approvals.endTurn(input.eventId);
    const record = this.host.record();
    // Archived while the turn ran: the session already said it terminated.
    if (record.status === "terminated") return;
    if (outcome.kind === "quota") {
      this.host.emit(quotaErrorEvent(outcome.breach));
    } else if (outcome.kind === "error") {
      const type = ("errorType" in outcome && outcome.errorType) || "model_request_failed_error";
      this.host.emit(sessionError(type, outcome.message, "exhausted"));
    }
    this.host.emit({ type: "session.usage", usage: usageToWire(record.usage, record.activeMs) });
    this.host.setStatus("idle");
    const stopReason =
      outcome.kind === "error"
        ? "retries_exhausted"
        : outcome.kind === "quota"
          ? "budget_reached"
          : "end_turn";
    this.host.emit({ type: "session.status_idle", stop_reason: { type: stopReason }, stop_details: null });
  }

  /** A gateway frame of the running turn (approval requests go to the ApprovalDesk instead). */
  onGatewayEvent(frame: EventFrame): void {
    this.onSettlingFrame(frame);
    const turn = this.turn;
    const outcome = turn?.translator.handle(frame);
    if (turn && outcome) turn.end(outcome);
    else this.endAtSettledReply();
  }

  /** The LLM proxy was granted a model call while a turn runs. */
  modelCallGranted(): void {
    if (this.turn) this.turn.callsGranted++;
  }

  /** The LLM proxy recorded a model call's usage (the session's usage now includes it). */
  modelCallRecorded(): void {
    if (!this.turn) return;
    this.turn.callsRecorded++;
    this.endAtSettledReply();
  }

  /**
   * Ends the running turn as soon as its reply is settled, before OpenClaw has finished the run:
   * the user's idle then comes when the reply and its usage are in, not after the gateway's
   * teardown. Only a turn that plainly answered: not parked or waiting for an approval, no
   * failed model call, and every model call it was granted already metered (so the idle's
   * `session.usage` holds them). Anything else ends at the run's own end, as before.
   */
  private endAtSettledReply(): void {
    const turn = this.turn;
    if (!turn?.translator.replySettled()) return;
    if (turn.parked || turn.failure !== undefined || this.host.approvals.isWaiting(turn.eventId)) return;
    if (turn.callsRecorded < turn.callsGranted) return;
    let end = () => {};
    const ended = new Promise<void>((resolve) => {
      end = resolve;
    });
    this.settling = { runId: turn.runId, ended, end };
    turn.end({ kind: "end_turn" });
  }

  /**
   * Frames of a run whose turn already ended at its settled reply: its end releases the next
   * message; a compaction OpenClaw ran in its post-turn maintenance is still reported.
   */
  private onSettlingFrame(frame: EventFrame): void {
    const settling = this.settling;
    const payload = frame.payload as { runId?: unknown; stream?: unknown; state?: unknown; data?: unknown };
    if (!settling || payload?.runId !== settling.runId) return;
    const data = (payload.data ?? {}) as { phase?: unknown; completed?: unknown; error?: unknown };
    if (frame.event === "agent" && payload.stream === "compaction") {
      if (data.phase === "end" && data.completed === true)
        this.host.emit({ type: "agent.thread_context_compacted" });
      return;
    }
    const lifecycleEnd =
      frame.event === "agent" &&
      payload.stream === "lifecycle" &&
      (data.phase === "end" || data.phase === "error");
    const chatEnd =
      frame.event === "chat" &&
      (payload.state === "final" || payload.state === "aborted" || payload.state === "error");
    if (!lifecycleEnd && !chatEnd) return;
    if (data.phase === "error" || payload.state === "error")
      log("warn", "run failed after its reply was settled", {
        run_id: settling.runId,
        error: String(data.error ?? ""),
      });
    this.releaseSettling();
  }

  private releaseSettling(): void {
    this.settling?.end();
    this.settling = undefined;
  }

  /** Waits (bounded) for the end of a run whose turn ended at its settled reply. */
  private async previousRunEnded(): Promise<void> {
    const settling = this.settling;
    if (!settling) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), SETTLING_RUN_WAIT_MS);
    });
    if (await Promise.race([settling.ended.then(() => false), timedOut]))
      log("warn", "the previous run did not report its end; sending the next message", {
        run_id: settling.runId,
      });
    clearTimeout(timer);
    if (this.settling === settling) this.settling = undefined;
  }

  /** Stops the running turn's run in the gateway; the turn then ends as OpenClaw reports it. */
  async abort(runId = this.turn?.runId): Promise<void> {
    if (runId !== undefined) await this.host.runtime.abort(this.host.record().id, runId);
  }

  /** The runtime went away mid-turn: the message runs again on a new one. */
  runtimeLost(reason: string): void {
    this.releaseSettling();
    this.turn?.end({ kind: "runtime_lost", reason });
  }

  /** The runtime is being stopped (archive, delete, idle stop): the running turn ends aborted. */
  stopped(): void {
    this.releaseSettling();
    this.turn?.end({ kind: "aborted" });
  }

  /** The session reached a quota at a model call: the running turn stops at it, now. */
  stopAtQuota(breach: QuotaBreach): void {
    const turn = this.turn;
    if (!turn) return;
    void this.abort(turn.runId);
    turn.end({ kind: "quota", breach });
  }

  /**
   * The LLM proxy could not make a model call (no provider, provider unreachable): no retry of
   * the runtime's can help, so its run stops now and the turn ends with the proxy's reason.
   */
  modelCallFailed(failure: string): void {
    const turn = this.turn;
    if (!turn) return;
    turn.failure ??= failure;
    void this.abort(turn.runId);
  }

  /** The quota the session has reached, counting the running turn's time so far. */
  quotaBreach(record: SessionRecord): QuotaBreach | null {
    return consumptionBreach(record, this.turn ? Date.now() - this.turn.startedAt : 0);
  }

  private translatorSink(record: SessionRecord) {
    // One turn runs one agent version: its tool policy is computed once, not per tool event.
    const policy = gatewayToolPolicy(record.agent.tools);
    return {
      emit: (event: SessionEventBody, id?: string) => {
        if (event.type === "agent.tool_use" || event.type === "agent.mcp_tool_use")
          this.workspaceTouched = true;
        return this.host.emit(event, id);
      },
      preview: (forType: string, frame: PreviewFrame) => this.host.preview(forType, frame),
      newEventId,
      // Peer tools exist only in runtimes of agents granted peers; the Worker checks each call.
      permission: (tool: string, input: Record<string, unknown>) =>
        isPeerTool(tool) || isThreadTool(tool) ? "allow" : decisionFor(policy, tool, input),
      mcpServers: record.agent.mcp_servers.map((server) => server.name),
      customTools: customToolNames(record.agent.tools),
      customToolUse: (call: CustomToolCall) => this.host.approvals.onCustomToolUse(call),
      threadCall: (call: ThreadToolCall) => this.host.threadCall?.(call),
    };
  }
}

function limitsOf(record: SessionRecord): SessionLimits {
  return effectiveLimits(record.agent.session_limits, budgetToUsd(record.budget));
}

function consumptionBreach(record: SessionRecord, runningMs: number): QuotaBreach | null {
  const u = record.usage;
  return quotaBreach(limitsOf(record), {
    costUsd: u.cost_usd,
    tokens: u.input_tokens + u.output_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens,
    activeMs: record.activeMs + runningMs,
  });
}
