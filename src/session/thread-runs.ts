/**
 * Sub-agents run as child threads: the session's side of `spawn_agent` and `message_thread` (thread-tools.ts).
 *
 * A spawn call is decided here, by the session's Durable Object, outside the model's reach:
 * decideSpawn (the spawning thread's agent's `multiagent` allowlist with pinned versions, depth
 * and concurrency caps). A refusal is answered to the call as a tool error the model reads and
 * reported as `session.thread_spawn_refused`. An allowed spawn becomes a child thread (the
 * thread book, the single record) that runs in the session's own runtime under its own
 * OpenClaw session key: the tool-policy plugin is told that key's policy (the child's own
 * agent's tools, never the parent's), the child's instructions open its task, and its gateway
 * frames, told apart by session key, are translated into the child thread's own events. When
 * the child's run ends, its reply goes to the parent as `agent.thread_message_received` and as
 * the spawn call's result.
 *
 * Runs live in memory: a run cannot outlive the runtime it runs in. A lost runtime terminates
 * running children (SessionThreads.runtimeLost) and the parent's turn runs again.
 */
import { inlineAgentSpec } from "../domain/inline-agent";
import { decideSpawn, spawnLimitsOf } from "../domain/subagent-policy";
import { describeError, log } from "../lib/log";
import { costUsd, type ModelPrice } from "../llm/pricing";
import type { EventFrame } from "../runtime/openclaw/protocol";
import { type SessionEvent, type SessionEventBody, sessionError } from "../schemas/session-events";
import type { ThreadAgent } from "../schemas/session-threads";
import { newEventId } from "./event-log";
import type { SessionAgent } from "./session-record";
import { type SessionThreads, threadAgentOf } from "./session-threads";
import { canSpawn, MESSAGE_TOOL, readMessageInput, readSpawnInput, withThreadTools } from "./thread-tools";
import type { ThreadRow } from "./thread-book";
import { THREAD_MODEL_SLOTS, slotOfModelId, threadModelRef } from "./thread-model";
import { decisionFor, type GatewayToolPolicy, gatewayToolPolicy } from "./tool-policy";
import { compactedSessionKey, type TurnOutcome, TurnTranslator } from "./turn-translator";

/** A thread tool call (spawn_agent, message_thread) as the translator reports it. */
export interface ThreadToolCall {
  tool: string;
  toolCallId: string;
  toolUseId: string;
  input: Record<string, unknown>;
}

export interface ThreadRunsHost {
  threads: SessionThreads;
  /** The session's own agent (the primary thread's). */
  sessionAgent(): SessionAgent;
  /** Appends to `threadId`'s log (absent: the primary's) and publishes it. */
  emit(body: SessionEventBody, id?: string, threadId?: string): SessionEvent;
  /** A saved agent at `version` (absent: latest); throws an ApiError when there is none. */
  loadAgent(id: string, version?: number): Promise<SessionAgent>;
  /** Answers a spawn call waiting in the runtime's custom-tools plugin. */
  answer(toolCallId: string, text: string, isError: boolean): Promise<boolean>;
  /**
   * Starts a child's run under `sessionKey` with `policy` bound to that key and its OpenClaw
   * session pinned to `modelRef` (its model slot, thread-model.ts).
   */
  startRun(
    sessionKey: string,
    policy: GatewayToolPolicy,
    message: string,
    runId: string,
    modelRef: string,
  ): Promise<void>;
  /** Stops a child's run in the runtime (its timeout). */
  stopRun(sessionKey: string): Promise<void>;
  prices(): Readonly<Record<string, ModelPrice>>;
}

interface ChildRun {
  thread: ThreadRow;
  agent: SessionAgent;
  parentId: string;
  /** The parent's spawn call, answered with the child's reply. */
  toolCallId: string;
  translator: TurnTranslator;
  reply: string;
  /** The child's `agent.tool_use` / `agent.mcp_tool_use` events by id (cross-posted to ask). */
  toolUses: Map<string, SessionEventBody>;
  /** The model slot its calls come in on (thread-model.ts). */
  slot: number;
  /** Stops it past the spawning agent's `timeout_seconds`. */
  timer?: ReturnType<typeof setTimeout>;
}

/** The OpenClaw session key of a frame (agent/chat frames: `sessionKey`; session.*: `key` too). */
function frameKey(frame: EventFrame): string | undefined {
  const p = frame.payload as { sessionKey?: unknown; key?: unknown } | undefined;
  const key = p?.sessionKey ?? p?.key;
  return typeof key === "string" ? key.toLowerCase() : undefined;
}

/** The thread a call comes from: a child, with the agent it runs. */
type Caller = { thread: ThreadRow; agent: SessionAgent };

/** The log a thread's events go to: the primary's (undefined) or the child's own. */
function logOf(thread: ThreadRow): string | undefined {
  return thread.parentId === null ? undefined : thread.id;
}

/** The message a child starts with: its own agent's instructions, then the task. */
function childMessage(agent: SessionAgent, task: string): string {
  return agent.system ? `[Agent instructions]\n${agent.system}\n\n[Task]\n${task}` : task;
}

export class ThreadRuns {
  /** Running children by their OpenClaw session key. */
  private readonly runs = new Map<string, ChildRun>();
  /** Spawns decided but not yet running (counted against the concurrency cap). */
  private starting = 0;

  constructor(private readonly host: ThreadRunsHost) {}

  /**
   * The model a call on `modelId` is granted: the running child's own agent's model when it
   * names a slot a child holds; null when it names a slot no child holds (refused); undefined
   * when it names no slot (the session's own agent's call).
   */
  modelFor(modelId: string): string | null | undefined {
    const slot = slotOfModelId(modelId);
    if (slot === null) return undefined;
    for (const run of this.runs.values()) if (run.slot === slot) return run.agent.model.id;
    return null;
  }

  /** The lowest model slot no running child holds (the cap keeps one free). */
  private freeSlot(): number | null {
    const taken = new Set([...this.runs.values()].map((r) => r.slot));
    for (let slot = 1; slot <= THREAD_MODEL_SLOTS; slot++) if (!taken.has(slot)) return slot;
    return null;
  }

  /** A thread tool call by the thread `from` (absent: the primary). Never throws. */
  async onCall(call: ThreadToolCall, from?: Caller): Promise<void> {
    if (call.tool === MESSAGE_TOOL) return this.onMessageCall(call, from);
    return this.onSpawnCall(call, from);
  }

  /**
   * A `spawn_agent` call: decided, then refused or run. Whatever happens, the call gets an
   * answer.
   */
  private async onSpawnCall(call: ThreadToolCall, from?: Caller): Promise<void> {
    const threads = this.host.threads;
    const parent = from?.thread ?? threads.primary();
    const parentAgent = from?.agent ?? this.host.sessionAgent();
    const refuse = async (requested: string, reason: string) => {
      this.host.emit(
        {
          type: "session.thread_spawn_refused",
          tool_use_id: call.toolUseId,
          requested_agent: requested,
          reason,
        },
        undefined,
        logOf(parent),
      );
      await this.host.answer(call.toolCallId, `Spawn refused: ${reason}`, true);
    };
    const input = readSpawnInput(call.input);
    if (typeof input === "string") return refuse(String(call.input.agent ?? ""), input);
    const verdict = decideSpawn({
      multiagent: parentAgent.multiagent,
      self: { id: parentAgent.id, version: parentAgent.version },
      target:
        input.agent === "inline"
          ? { type: "inline" }
          : {
              type: "agent",
              id: input.agent === "self" ? parentAgent.id : input.agent,
              ...(input.version !== undefined ? { version: input.version } : {}),
            },
      parentDepth: parent.depth,
      running: this.running(),
    });
    if (!verdict.allowed) return refuse(input.agent, verdict.reason);
    let agent: SessionAgent;
    let snapshot: ThreadAgent;
    if (verdict.agent.type === "inline") {
      // Never more powerful than the parent: its definition narrowed (inline-agent.ts).
      const inline = inlineAgentSpec(parentAgent, input.definition);
      if ("problems" in inline)
        return refuse(input.agent, inline.problems.map((p) => `${p.path}: ${p.message}`).join("; "));
      agent = { ...inline.spec, type: "agent", id: parentAgent.id, version: parentAgent.version };
      const {
        id: _id,
        version: _version,
        type: _type,
        ...definition
      } = threadAgentOf(agent) as Extract<ThreadAgent, { type: "agent" }>;
      snapshot = { type: "inline", ...definition };
    } else {
      this.starting++;
      try {
        agent = await this.host.loadAgent(verdict.agent.id, verdict.agent.version);
      } catch (err) {
        return refuse(input.agent, err instanceof Error ? err.message : String(err));
      } finally {
        this.starting--;
      }
      snapshot = threadAgentOf(agent);
    }
    // The key marks a child: the system-prompt plugin leaves its turns out (container/plugins/clawplane-system-prompt).
    const runtimeKey = `agent:main:thread-${crypto.randomUUID()}`;
    const thread = threads.spawn({ parent, agent: snapshot, runtimeKey, task: input.task });
    await this.start(
      thread,
      agent,
      parent.id,
      call.toolCallId,
      childMessage(agent, input.task),
      verdict.timeoutSeconds,
    );
  }

  /**
   * A `message_thread` call: the caller continues one of its own children that is idle. The
   * message appears on both sides (`agent.thread_message_sent` / `_received`), the child runs
   * again under its own key with its own policy and model, and its reply answers the call.
   */
  private async onMessageCall(call: ThreadToolCall, from?: Caller): Promise<void> {
    const threads = this.host.threads;
    const caller = from?.thread ?? threads.primary();
    const callerAgent = from?.agent ?? this.host.sessionAgent();
    const refuse = (reason: string) => this.host.answer(call.toolCallId, `Message refused: ${reason}`, true);
    const input = readMessageInput(call.input);
    if (typeof input === "string") return void (await refuse(input));
    const child = threads.book.get(input.threadId);
    if (!child || child.parentId !== caller.id)
      return void (await refuse(`${input.threadId} is not a sub-agent thread you spawned`));
    if (child.status === "terminated" || child.archivedAt !== null)
      return void (await refuse(`thread ${child.id} has ended and takes no more messages`));
    if (child.status !== "idle" || this.runs.has(child.runtimeKey ?? ""))
      return void (await refuse(`thread ${child.id} is still working; wait for its reply`));
    const limits = spawnLimitsOf(callerAgent.multiagent);
    if (!limits) return void (await refuse("sub-agents are disabled for this agent"));
    if (this.running() >= limits.max_concurrent)
      return void (await refuse(`at most ${limits.max_concurrent} sub-agents may run at once`));
    let agent: SessionAgent;
    this.starting++;
    try {
      agent = await this.childAgent(child, callerAgent);
    } catch (err) {
      return void (await refuse(err instanceof Error ? err.message : String(err)));
    } finally {
      this.starting--;
    }
    threads.message(caller, child, input.message);
    threads.setStatus(child, "running");
    await this.start(child, agent, caller.id, call.toolCallId, input.message, limits.timeout_seconds);
  }

  /** A child's definition to run it again: its saved agent at its version, or its inline snapshot. */
  private async childAgent(child: ThreadRow, callerAgent: SessionAgent): Promise<SessionAgent> {
    const a = child.agent;
    if (a.type === "agent") return this.host.loadAgent(a.id, a.version);
    const { type: _type, ...definition } = a;
    return { ...callerAgent, ...definition, type: "agent", multiagent: null };
  }

  /** Child threads running now, and spawns still being set up (both count against the cap). */
  private running(): number {
    const running = this.host.threads.book.liveChildren().filter((t) => t.status === "running").length;
    return running + this.starting;
  }

  /** Runs `thread` (now running) with `message`; its end answers the parent's call `toolCallId`. */
  private async start(
    thread: ThreadRow,
    agent: SessionAgent,
    parentId: string,
    toolCallId: string,
    message: string,
    timeoutSeconds: number | undefined,
  ): Promise<void> {
    const runtimeKey = thread.runtimeKey ?? "";
    const runId = `${thread.id}:${crypto.randomUUID()}`;
    const policy = gatewayToolPolicy(agent.tools);
    const childPolicy = canSpawn(agent) ? withThreadTools(policy) : policy;
    const slot = this.freeSlot();
    if (slot === null) {
      // The caps keep a slot free; were none, the child is not run on someone else's model.
      const message = `no model slot is free (${THREAD_MODEL_SLOTS} sub-agents are running)`;
      this.host.emit(sessionError("unknown_error", message, "exhausted"), undefined, thread.id);
      this.host.threads.setStatus(thread, "idle", { type: "retries_exhausted" });
      await this.host.answer(toolCallId, `The sub-agent failed: ${message}`, true);
      return;
    }
    const run: ChildRun = {
      thread,
      agent,
      slot,
      parentId,
      toolCallId,
      reply: "",
      toolUses: new Map(),
      translator: new TurnTranslator(runId, {
        emit: (body, id) => this.childEvent(run, body, id),
        preview: () => {},
        newEventId,
        permission: (tool, toolInput) => decisionFor(childPolicy, tool, toolInput),
        mcpServers: agent.mcp_servers.map((s) => s.name),
        customTools: new Set(),
        customToolUse: () => {},
        threadCall: (nested) => void this.onCall(nested, { thread, agent }),
      }),
    };
    this.runs.set(runtimeKey, run);
    if (timeoutSeconds !== undefined) {
      run.timer = setTimeout(() => this.timedOut(run, timeoutSeconds), timeoutSeconds * 1000);
    }
    try {
      await this.host.startRun(runtimeKey, childPolicy, message, runId, threadModelRef(slot));
    } catch (err) {
      log("warn", "sub-agent run could not start", { thread_id: thread.id, ...describeError(err) });
      this.end(run, { kind: "error", message: `the sub-agent could not start: ${describeError(err).error}` });
    }
  }

  /**
   * A gateway frame: a running child's is translated into its thread's events (true). Frames of
   * a child that is no longer running are dropped (true): they are no one else's.
   */
  onGatewayEvent(frame: EventFrame): boolean {
    const key = frameKey(frame);
    if (key === undefined) return false;
    const run = this.runs.get(key);
    if (compactedSessionKey(frame) !== null) {
      const thread = run?.thread ?? this.host.threads.book.byRuntimeKey(key);
      if (!thread) return false;
      this.compacted(thread);
      return true;
    }
    if (!run) return this.host.threads.book.byRuntimeKey(key) !== null;
    const outcome = run.translator.handle(frame);
    if (outcome) this.end(run, outcome);
    return true;
  }

  /**
   * An approval OpenClaw asks for a running child's call: the child's tool_use event is
   * cross-posted to the primary stream with `session_thread_id` (as CMA surfaces a sub-agent's
   * permission request), and the user answers that event like any of the parent's. Null when
   * `sessionKey` is no running child's, or the call was not reported.
   */
  approvalCall(
    sessionKey: string,
    toolCallId: string,
  ): { toolUseId: string; input: Record<string, unknown> | undefined } | null {
    const run = this.runs.get(sessionKey.toLowerCase());
    const childUseId = run?.translator.toolUseIdOf(toolCallId);
    const use = childUseId ? run?.toolUses.get(childUseId) : undefined;
    if (!run || !use || (use.type !== "agent.tool_use" && use.type !== "agent.mcp_tool_use")) return null;
    const posted = this.host.emit({ ...use, session_thread_id: run.thread.id });
    return { toolUseId: posted.id, input: run.translator.toolInputOf(toolCallId) };
  }

  /** The runtime is gone: its runs with it (their threads are terminated by the caller). */
  runtimeLost(): void {
    for (const run of this.runs.values()) clearTimeout(run.timer);
    this.runs.clear();
    this.starting = 0;
  }

  /**
   * A child's context was compacted: in its own log, and in the parent's stream naming it (as
   * CMA's parent stream carries a child's `agent.thread_context_compacted`).
   */
  private compacted(thread: ThreadRow): SessionEvent {
    this.host.emit({ type: "agent.thread_context_compacted", session_thread_id: thread.id });
    return this.host.emit({ type: "agent.thread_context_compacted" }, undefined, thread.id);
  }

  /** A child's event, in its own log; its model calls' usage is added to the thread. */
  private childEvent(run: ChildRun, body: SessionEventBody, id?: string): SessionEvent {
    if (body.type === "agent.thread_context_compacted") return this.compacted(run.thread);
    if (body.type === "agent.tool_use" || body.type === "agent.mcp_tool_use") {
      const event = this.host.emit(body, id, run.thread.id);
      run.toolUses.set(event.id, body);
      return event;
    }
    if (body.type === "agent.message") {
      run.reply = body.content.map((c) => c.text).join("");
    } else if (body.type === "span.model_request_end") {
      const u = body.model_usage;
      this.host.threads.book.addUsage(run.thread.id, {
        input_tokens: u.input_tokens,
        output_tokens: u.output_tokens,
        cache_read_input_tokens: u.cache_read_input_tokens,
        cache_creation_input_tokens: u.cache_creation_input_tokens,
        cost_usd: costUsd(
          run.agent.model.id,
          {
            inputTokens: u.input_tokens,
            outputTokens: u.output_tokens,
            cacheReadTokens: u.cache_read_input_tokens,
            cacheWriteTokens: u.cache_creation_input_tokens,
          },
          this.host.prices(),
        ),
      });
    }
    return this.host.emit(body, id, run.thread.id);
  }

  /**
   * A child ran past its timeout: its run is stopped, the parent's stream says so
   * (`session.thread_timed_out`), its own stream ends with the error, it is terminated, and the
   * parent's spawn call gets a tool error it can read.
   */
  private timedOut(run: ChildRun, seconds: number): void {
    const key = run.thread.runtimeKey ?? "";
    if (this.runs.get(key) !== run) return;
    this.runs.delete(key);
    const threads = this.host.threads;
    const message = `the sub-agent ran past its timeout of ${seconds} s and was stopped`;
    this.host.emit({
      type: "session.thread_timed_out",
      session_thread_id: run.thread.id,
      agent_name: run.thread.agent.name,
      timeout_seconds: seconds,
    });
    this.host.emit(sessionError("unknown_error", message, "terminal"), undefined, run.thread.id);
    threads.setStatus(run.thread, "terminated");
    void this.host.stopRun(key);
    void this.host.answer(run.toolCallId, `The sub-agent failed: ${message}.`, true);
  }

  /** A child's run ended: the thread goes idle and the parent's spawn call gets its answer. */
  private end(run: ChildRun, outcome: TurnOutcome): void {
    const threads = this.host.threads;
    clearTimeout(run.timer);
    if (this.runs.get(run.thread.runtimeKey ?? "") === run) this.runs.delete(run.thread.runtimeKey ?? "");
    const parent = threads.find(run.parentId);
    // Terminated meanwhile (archived, its runtime lost): its end is already told; only the
    // parent's call still needs its answer.
    if (threads.book.get(run.thread.id)?.status === "terminated") {
      void this.host.answer(
        run.toolCallId,
        "The sub-agent's thread was terminated before it finished.",
        true,
      );
      return;
    }
    if (outcome.kind === "end_turn") {
      threads.setStatus(run.thread, "idle");
      const reply = run.reply || "(the sub-agent finished without a reply)";
      if (parent) threads.message(run.thread, parent, reply);
      // The thread id lets the parent continue this child (message_thread).
      void this.host.answer(run.toolCallId, `${reply}\n\n[sub-agent thread ${run.thread.id}]`, false);
      return;
    }
    if (outcome.kind === "error") {
      this.host.emit(sessionError("unknown_error", outcome.message, "exhausted"), undefined, run.thread.id);
      threads.setStatus(run.thread, "idle", { type: "retries_exhausted" });
      void this.host.answer(run.toolCallId, `The sub-agent failed: ${outcome.message}`, true);
      return;
    }
    threads.setStatus(run.thread, "idle");
    void this.host.answer(run.toolCallId, "The sub-agent was stopped before it finished.", true);
  }
}
