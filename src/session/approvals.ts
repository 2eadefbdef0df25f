/**
 * Tool calls waiting for the user (`always_ask`, and calls of the agent's custom tools), kept
 * in the session's Durable Object storage so they outlive the object and the runtime.
 *
 * A pending approval is the CMA `agent.tool_use` event the user must answer plus what is
 * needed to answer it: OpenClaw's plugin-approval id (valid only while the run that asked is
 * still running in this object) and the call itself (tool and input). When the user answers
 * a call whose run is gone (the object was evicted, the runtime restarted, or the run was
 * parked before OpenClaw's own approval timeout), the answer is kept as a decision for that
 * exact call; the turn is run again, and when the agent repeats the call the decision answers
 * OpenClaw's new approval request at once, without asking the user twice.
 *
 * A custom tool call waits the same way for the client's `user.custom_tool_result`; its answer,
 * given after its run is gone, is kept as a decision carrying the result, which answers the
 * repeat of the call in the turn's next run.
 */

const STORAGE_KEY = "approvals";

export interface PendingApproval {
  /** Id of the `agent.tool_use` event the user confirms. */
  toolUseId: string;
  /** OpenClaw tool name (e.g. `exec`). */
  toolName: string;
  /** Canonical JSON of the call's input: how a repeated call is recognised. */
  inputKey: string;
  /** OpenClaw's approval id; answerable only while `runId` runs in this object ("" for custom). */
  approvalId: string;
  /** OpenClaw's id of the tool call (its tool-policy plugin takes the answer by it). */
  toolCallId: string;
  runId: string;
  /** The queued user message whose turn asked. */
  eventId: string;
  /** When OpenClaw stops waiting and denies (ms since epoch); for custom, when the run parks. */
  expiresAt: number;
  /** A call of a custom tool: the client answers it with `user.custom_tool_result`. */
  custom?: true;
}

/** The client's answer to a custom tool call, as the tool's result (text, or an error). */
export interface CustomToolAnswer {
  text: string;
  isError: boolean;
}

export interface ApprovalDecision {
  toolName: string;
  inputKey: string;
  allow: boolean;
  /** Why the user denied (`deny_message`), told to the agent with the call's result. */
  denyMessage?: string;
  /** A custom tool call's answer (then `allow` is true and means nothing). */
  custom?: CustomToolAnswer;
}

interface Stored {
  pending: PendingApproval[];
  decisions: ApprovalDecision[];
  /** Calls the user allowed, for gates outside OpenClaw (the MCP proxy) to let through once. */
  allowances?: Array<{ toolName: string; inputKey: string; at: number }>;
}

/** An allowance not used within this long is dropped (the call it was for has long happened). */
const ALLOWANCE_TTL_MS = 10 * 60_000;

/** Stable JSON (sorted keys) so the same call compares equal however its keys were ordered. */
export function canonicalInput(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === "object") {
      return Object.fromEntries(
        Object.keys(v as Record<string, unknown>)
          .sort()
          .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return JSON.stringify(sort(value ?? {}));
}

/** Whether a decision is about this call: same tool, same input, same kind (custom or not). */
function sameCall(d: ApprovalDecision, toolName: string, inputKey: string, custom: boolean): boolean {
  return d.toolName === toolName && d.inputKey === inputKey && (d.custom !== undefined) === custom;
}

export class ApprovalBook {
  constructor(private readonly kv: DurableObjectStorage["kv"]) {}

  private load(): Stored {
    return this.kv.get<Stored>(STORAGE_KEY) ?? { pending: [], decisions: [] };
  }

  private save(stored: Stored): void {
    this.kv.put(STORAGE_KEY, stored);
  }

  pending(): PendingApproval[] {
    return this.load().pending;
  }

  /** Pending approvals of the turn of message `eventId`. */
  pendingFor(eventId: string): PendingApproval[] {
    return this.pending().filter((p) => p.eventId === eventId);
  }

  find(toolUseId: string): PendingApproval | undefined {
    return this.pending().find((p) => p.toolUseId === toolUseId);
  }

  add(approval: PendingApproval): void {
    const stored = this.load();
    stored.pending.push(approval);
    this.save(stored);
  }

  remove(toolUseId: string): void {
    const stored = this.load();
    stored.pending = stored.pending.filter((p) => p.toolUseId !== toolUseId);
    this.save(stored);
  }

  /** Forgets every pending approval of message `eventId` (its turn ended or was interrupted). */
  dropFor(eventId: string): PendingApproval[] {
    const stored = this.load();
    const dropped = stored.pending.filter((p) => p.eventId === eventId);
    if (dropped.length === 0) return dropped;
    stored.pending = stored.pending.filter((p) => p.eventId !== eventId);
    this.save(stored);
    return dropped;
  }

  /** Decisions only serve the turn that asked: a finished turn leaves none behind. */
  clearDecisions(): void {
    const stored = this.load();
    if (stored.decisions.length === 0) return;
    stored.decisions = [];
    this.save(stored);
  }

  /** Remembers the user's answer for a call whose run is gone. */
  decide(decision: ApprovalDecision): void {
    const stored = this.load();
    stored.decisions = stored.decisions.filter(
      (d) => !sameCall(d, decision.toolName, decision.inputKey, decision.custom !== undefined),
    );
    stored.decisions.push(decision);
    this.save(stored);
  }

  /** Takes (once) the decision made earlier for this exact call (an approval's, or a custom tool's). */
  takeDecision(toolName: string, inputKey: string, custom = false): ApprovalDecision | undefined {
    const stored = this.load();
    const found = stored.decisions.find((d) => sameCall(d, toolName, inputKey, custom));
    if (!found) return undefined;
    stored.decisions = stored.decisions.filter((d) => d !== found);
    this.save(stored);
    return found;
  }

  /** Decisions waiting for their call to be repeated. */
  decisions(): ApprovalDecision[] {
    return this.load().decisions;
  }

  /** Records that the user allowed this exact call (see `takeAllowance`). */
  allowOnce(toolName: string, inputKey: string, now = Date.now()): void {
    const stored = this.load();
    const live = (stored.allowances ?? []).filter((a) => now - a.at < ALLOWANCE_TTL_MS);
    live.push({ toolName, inputKey, at: now });
    stored.allowances = live;
    this.save(stored);
  }

  /** Consumes an allowance for this exact call; false when the user allowed no such call. */
  takeAllowance(toolName: string, inputKey: string, now = Date.now()): boolean {
    const stored = this.load();
    const live = (stored.allowances ?? []).filter((a) => now - a.at < ALLOWANCE_TTL_MS);
    const index = live.findIndex((a) => a.toolName === toolName && a.inputKey === inputKey);
    if (index >= 0) live.splice(index, 1);
    stored.allowances = live;
    this.save(stored);
    return index >= 0;
  }

  clear(): void {
    this.kv.delete(STORAGE_KEY);
  }
}
