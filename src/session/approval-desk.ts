/**
 * The session's side of tool calls that wait for the user: approvals (`always_ask`) and calls
 * of the agent's custom tools. What happens when OpenClaw asks (or a custom tool is called),
 * when the user answers, when an answer comes after the run that asked is gone, and when a
 * gate outside OpenClaw (the MCP proxy) checks a call.
 *
 * The durable state is the {@link ApprovalBook}; this desk holds the rules and the one timer
 * (parking a run before OpenClaw's own approval deadline). The session object gives it its
 * running turn and the few actions it needs through {@link DeskHost}, so the turn loop itself
 * stays in the session object.
 */
import { log } from "../lib/log";
import type { McpToolCall } from "../mcp/proxy";
import type { AgentTool } from "../schemas/agent-tools";
import { type ApprovalBook, type CustomToolAnswer, canonicalInput, type PendingApproval } from "./approvals";
import type { CustomToolCall } from "./custom-tools";
import { decisionFor, gatewayToolPolicy, mcpToolName } from "./tool-policy";
import { cmaToolName } from "./turn-translator";

/**
 * How long before OpenClaw's own approval deadline the run is parked (stopped and resumed once
 * the user answers), so OpenClaw never decides a pending approval by timing it out.
 */
const PARK_MARGIN_MS = 20_000;
/** OpenClaw's default approval timeout, for a request that names no deadline. */
const DEFAULT_APPROVAL_MS = 120_000;
/**
 * How long a run waits, blocked in the runtime, for the answer to a custom tool call before it
 * is parked like an approval (OpenClaw's own cap on approvals, 10 min): the turn's time limit
 * and its wall-time quota run while a run waits, not while it is parked.
 */
const CUSTOM_TOOL_WAIT_MS = 600_000;

/** `plugin.approval.requested` as OpenClaw sends it (only the fields used here). */
export interface ApprovalRequest {
  id: string;
  expiresAtMs?: number;
  request?: { toolName?: string; toolCallId?: string; sessionKey?: string; runId?: string };
}

/** One of OpenClaw's approvals: its id, and the tool call it is about. */
export interface ApprovalCall {
  approvalId: string;
  toolCallId: string;
}

/** The running turn, as far as approvals are concerned. */
export interface DeskTurn {
  runId: string;
  /** The queued user message the turn answers. */
  eventId: string;
  /** Set when the run is stopped to wait for the user: its message stays queued. */
  parked?: boolean;
  translator: {
    toolUseIdOf(toolCallId: string): string | undefined;
    toolInputOf(toolCallId: string): Record<string, unknown> | undefined;
  };
}

/** What the desk asks of the session object. */
export interface DeskHost {
  turn(): DeskTurn | undefined;
  /** OpenClaw's key of this session: requests for other sessions are not ours. */
  sessionKey(): string;
  agentTools(): readonly AgentTool[];
  /**
   * Answers OpenClaw's approval of one tool call; a denial can carry the user's reason, which
   * the agent is told as the call's result. False when the gateway no longer holds it.
   */
  answer(call: ApprovalCall, allow: boolean, denyMessage?: string): Promise<boolean>;
  /**
   * Hands a custom tool call (OpenClaw's `toolCallId`) its answer. False when the runtime did
   * not take it.
   */
  answerCustom(toolCallId: string, answer: CustomToolAnswer): Promise<boolean>;
  /** Stops a run (its turn then ends as aborted). */
  abort(runId: string): void;
  /** Idle with `requires_action` naming these `agent.tool_use` events. */
  waitForUser(toolUseIds: string[]): void;
  /** Every pending call of the live turn is answered: the session runs again. */
  resumeRunning(): void;
  /** Starts the turn loop (a parked turn whose calls are all answered runs again). */
  kick(): void;
  /**
   * A running child thread's call under OpenClaw key `sessionKey` (thread-runs.ts), cross-posted
   * to the primary stream to ask the user; null when the key is no running child's.
   */
  childCall?(
    sessionKey: string,
    toolCallId: string,
  ): { toolUseId: string; input: Record<string, unknown> | undefined } | null;
}

export class ApprovalDesk {
  private parkTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly book: ApprovalBook,
    private readonly host: DeskHost,
  ) {}

  /** Whether the turn of message `eventId` waits for the user's answer. */
  isWaiting(eventId: string): boolean {
    return this.book.pendingFor(eventId).length > 0;
  }

  /**
   * OpenClaw asks before an `always_ask` call. A call the user already answered (a resumed
   * turn repeating it) is answered at once; otherwise the session goes idle with
   * `requires_action` naming the call's `agent.tool_use` event.
   */
  onRequested(request: ApprovalRequest): void {
    const turn = this.host.turn();
    const details = request.request ?? {};
    if (!turn || !details.sessionKey) return;
    const toolName = String(details.toolName ?? "");
    const toolCallId = String(details.toolCallId ?? "");
    // A sub-agent's call (its own key) is asked within the parent's turn, which waits on it.
    const child =
      details.sessionKey === this.host.sessionKey()
        ? undefined
        : this.host.childCall?.(details.sessionKey, toolCallId);
    if (child === null || (child === undefined && details.sessionKey !== this.host.sessionKey())) return;
    if (!child && details.runId !== undefined && details.runId !== turn.runId) return;
    const inputKey = canonicalInput(child ? child.input : turn.translator.toolInputOf(toolCallId));
    const decided = this.book.takeDecision(toolName, inputKey);
    const call = { approvalId: request.id, toolCallId };
    if (decided) {
      if (decided.allow) this.book.allowOnce(toolName, inputKey);
      void this.host.answer(call, decided.allow, decided.denyMessage);
      return;
    }
    const toolUseId = child ? child.toolUseId : turn.translator.toolUseIdOf(toolCallId);
    if (!toolUseId) {
      // Not a call this session reported (should not happen): refuse rather than run unasked.
      log("warn", "approval for an unknown tool call denied", { tool: toolName });
      void this.host.answer(call, false);
      return;
    }
    this.book.add({
      toolUseId,
      toolName,
      inputKey,
      approvalId: request.id,
      toolCallId,
      runId: turn.runId,
      eventId: turn.eventId,
      expiresAt: request.expiresAtMs ?? Date.now() + DEFAULT_APPROVAL_MS,
    });
    this.armParkTimer(turn);
    this.host.waitForUser(this.book.pending().map((p) => p.toolUseId));
  }

  /**
   * The agent called one of its custom tools (reported as `agent.custom_tool_use` event
   * `toolUseId`): its run now waits in the runtime. The repeat of a call the client already
   * answered (a resumed turn) gets that answer at once; otherwise the session goes idle with
   * `requires_action` naming the event.
   */
  onCustomToolUse(call: CustomToolCall): void {
    const turn = this.host.turn();
    if (!turn) return;
    const inputKey = canonicalInput(call.input);
    const decided = this.book.takeDecision(call.name, inputKey, true)?.custom;
    if (decided) {
      void this.host.answerCustom(call.toolCallId, decided);
      return;
    }
    this.book.add({
      toolUseId: call.toolUseId,
      toolName: call.name,
      inputKey,
      approvalId: "",
      toolCallId: call.toolCallId,
      runId: turn.runId,
      eventId: turn.eventId,
      expiresAt: Date.now() + CUSTOM_TOOL_WAIT_MS,
      custom: true,
    });
    this.armParkTimer(turn);
    this.host.waitForUser(this.book.pending().map((p) => p.toolUseId));
  }

  /** Whether `toolUseId` is a pending call of the given kind (an approval, or a custom tool's). */
  awaits(toolUseId: string, kind: "approval" | "custom"): boolean {
    const pending = this.book.find(toolUseId);
    return pending !== undefined && (pending.custom === true) === (kind === "custom");
  }

  /** The user's answer to a pending `always_ask` call (already validated and echoed). */
  confirm(toolUseId: string, allow: boolean, denyMessage?: string): void {
    const pending = this.book.find(toolUseId);
    if (!pending || pending.custom) return;
    const call = { approvalId: pending.approvalId, toolCallId: pending.toolCallId };
    this.settle(pending, {
      deliver: () => {
        if (allow) this.book.allowOnce(pending.toolName, pending.inputKey);
        return this.host.answer(call, allow, denyMessage);
      },
      keep: () =>
        this.book.decide({ toolName: pending.toolName, inputKey: pending.inputKey, allow, denyMessage }),
    });
  }

  /** The client's `user.custom_tool_result` for a pending custom tool call (validated, echoed). */
  answerCustom(toolUseId: string, answer: CustomToolAnswer): void {
    const pending = this.book.find(toolUseId);
    if (!pending?.custom) return;
    this.settle(pending, {
      deliver: () => this.host.answerCustom(pending.toolCallId, answer),
      keep: () =>
        this.book.decide({
          toolName: pending.toolName,
          inputKey: pending.inputKey,
          allow: true,
          custom: answer,
        }),
    });
  }

  /**
   * Settles one pending call with its answer. While the run that made the call is live, the
   * answer goes to the runtime (`deliver`), and the session runs again once nothing else of the
   * turn is pending. Otherwise, or when the runtime no longer holds the call, the answer is kept
   * (`keep`) for the repeat of the call in the turn's next run.
   */
  private settle(pending: PendingApproval, answer: { deliver(): Promise<boolean>; keep(): void }): void {
    this.book.remove(pending.toolUseId);
    const turn = this.host.turn();
    const live = turn !== undefined && turn.runId === pending.runId && !turn.parked;
    const remaining = this.book.pendingFor(pending.eventId).length;
    if (live) {
      if (remaining === 0) {
        this.clearParkTimer();
        this.host.resumeRunning();
      }
      void answer.deliver().then((ok) => {
        if (ok) return;
        // The runtime no longer holds the call: keep the answer for a re-run of the turn.
        answer.keep();
        if (this.host.turn() === turn) this.park(turn);
      });
      return;
    }
    // The run that asked is gone (parked, evicted, runtime restarted): answer the repeat of the
    // call, and run the turn again once nothing else is pending.
    answer.keep();
    if (remaining === 0) this.host.kick();
  }

  /**
   * What a resumed turn tells the agent: the user's answers to its parked calls (it then
   * repeats an approved call, which the stored decision lets through at once, and a repeated
   * custom tool call gets the client's stored result at once). Null when the turn is not a
   * resumption.
   */
  resumeNote(): string | null {
    const answers = this.book.decisions().map((d) => {
      if (d.custom) {
        const how = d.custom.isError ? "failed with" : "returned";
        return `Your ${d.toolName} call ${d.inputKey} ${how}: ${d.custom.text}`;
      }
      const call = `${cmaToolName(d.toolName)} call ${d.inputKey}`;
      return d.allow
        ? `The user approved your ${call}. Run it now.`
        : `The user denied your ${call}${d.denyMessage ? ` (${d.denyMessage})` : ""}. Do not run it; continue without it.`;
    });
    return answers.length ? `[Clawplane] ${answers.join(" ")}` : null;
  }

  /** The turn of message `eventId` ended for good: nothing of it is left to answer. */
  endTurn(eventId: string): void {
    this.clearParkTimer();
    this.book.dropFor(eventId);
    this.book.clearDecisions();
  }

  /** A running turn stopped (interrupted, finished or lost): its park timer goes with it. */
  clearParkTimer(): void {
    if (this.parkTimer !== undefined) clearTimeout(this.parkTimer);
    this.parkTimer = undefined;
  }

  /**
   * The MCP proxy's own check of tool calls against the agent's policy: `allow` passes, `deny`
   * never does, and `ask` passes once for exactly the call the user allowed (the allowance is
   * recorded when the approval is answered, and consumed here). The runtime's gate is not the
   * only one because the session token is visible inside the runtime.
   */
  permitMcpCalls(calls: McpToolCall[]): { permitted: true } | { permitted: false; reason: string } {
    const policy = gatewayToolPolicy(this.host.agentTools());
    for (const call of calls) {
      const name = mcpToolName(call.server, call.tool);
      const decision = decisionFor(policy, name, call.arguments);
      if (decision === "allow") continue;
      if (decision === "ask" && this.book.takeAllowance(name, canonicalInput(call.arguments))) continue;
      return {
        permitted: false,
        reason:
          decision === "deny"
            ? `the ${call.tool} tool of MCP server "${call.server}" is disabled for this agent`
            : `the ${call.tool} tool of MCP server "${call.server}" needs the user's approval for this call`,
      };
    }
    return { permitted: true };
  }

  /** Stops the run so its message waits, queued, for the user's answers. */
  private park(turn: DeskTurn): void {
    turn.parked = true;
    this.host.abort(turn.runId);
  }

  /**
   * Parks the running turn shortly before OpenClaw's earliest approval deadline: the run is
   * stopped, its message stays queued, and the answers arrive whenever the user gives them.
   */
  private armParkTimer(turn: DeskTurn): void {
    this.clearParkTimer();
    const pending = this.book.pending().filter((p) => p.runId === turn.runId);
    if (pending.length === 0) return;
    const deadline = Math.min(...pending.map((p) => p.expiresAt)) - PARK_MARGIN_MS;
    this.parkTimer = setTimeout(
      () => {
        if (this.host.turn() === turn) this.park(turn);
      },
      Math.max(1_000, deadline - Date.now()),
    );
  }
}
