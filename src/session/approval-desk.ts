/**
 * The session's side of tool approvals (`always_ask`): what happens when OpenClaw asks, when
 * the user answers, when an answer comes after the run that asked is gone, and when a gate
 * outside OpenClaw (the MCP proxy) checks a call.
 *
 * The durable state is the {@link ApprovalBook}; this desk holds the rules and the one timer
 * (parking a run before OpenClaw's own approval deadline). The session object gives it its
 * running turn and the few actions it needs through {@link DeskHost}, so the turn loop itself
 * stays in the session object.
 */
import { log } from "../lib/log";
import type { McpToolCall } from "../mcp/proxy";
import type { AgentTool } from "../schemas/agent-tools";
import { type ApprovalBook, canonicalInput } from "./approvals";
import { decisionFor, gatewayToolPolicy, mcpToolName } from "./tool-policy";
import { cmaToolName } from "./turn-translator";

/**
 * How long before OpenClaw's own approval deadline the run is parked (stopped and resumed once
 * the user answers), so OpenClaw never decides a pending approval by timing it out.
 */
const PARK_MARGIN_MS = 20_000;
/** OpenClaw's default approval timeout, for a request that names no deadline. */
const DEFAULT_APPROVAL_MS = 120_000;

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
  /** Stops a run (its turn then ends as aborted). */
  abort(runId: string): void;
  /** Idle with `requires_action` naming these `agent.tool_use` events. */
  waitForUser(toolUseIds: string[]): void;
  /** Every pending call of the live turn is answered: the session runs again. */
  resumeRunning(): void;
  /** Starts the turn loop (a parked turn whose calls are all answered runs again). */
  kick(): void;
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
    if (!turn || details.sessionKey !== this.host.sessionKey()) return;
    if (details.runId !== undefined && details.runId !== turn.runId) return;
    const toolName = String(details.toolName ?? "");
    const toolCallId = String(details.toolCallId ?? "");
    const inputKey = canonicalInput(turn.translator.toolInputOf(toolCallId));
    const decided = this.book.takeDecision(toolName, inputKey);
    const call = { approvalId: request.id, toolCallId };
    if (decided) {
      if (decided.allow) this.book.allowOnce(toolName, inputKey);
      void this.host.answer(call, decided.allow, decided.denyMessage);
      return;
    }
    const toolUseId = turn.translator.toolUseIdOf(toolCallId);
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

  /** The user's answer to a pending call (already validated and echoed). */
  confirm(toolUseId: string, allow: boolean, denyMessage?: string): void {
    const pending = this.book.find(toolUseId);
    if (!pending) return;
    this.book.remove(toolUseId);
    const turn = this.host.turn();
    const live = turn !== undefined && turn.runId === pending.runId && !turn.parked;
    const remaining = this.book.pendingFor(pending.eventId).length;
    const keep = () =>
      this.book.decide({ toolName: pending.toolName, inputKey: pending.inputKey, allow, denyMessage });
    if (live) {
      if (allow) this.book.allowOnce(pending.toolName, pending.inputKey);
      if (remaining === 0) {
        this.clearParkTimer();
        this.host.resumeRunning();
      }
      const call = { approvalId: pending.approvalId, toolCallId: pending.toolCallId };
      void this.host.answer(call, allow, denyMessage).then((ok) => {
        if (ok) return;
        // OpenClaw no longer holds the request: keep the answer for a re-run of the turn.
        keep();
        if (this.host.turn() === turn) this.park(turn);
      });
      return;
    }
    // The run that asked is gone (parked, evicted, runtime restarted): answer the repeat of the
    // call, and run the turn again once nothing else is pending.
    keep();
    if (remaining === 0) this.host.kick();
  }

  /**
   * What a resumed turn tells the agent: the user's answers to its parked calls (it then
   * repeats an approved call, which the stored decision lets through at once). Null when the
   * turn is not a resumption.
   */
  resumeNote(): string | null {
    const answers = this.book.decisions().map((d) => {
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
