/**
 * Agents Plane rollouts (src/planes/rollouts.ts) reaching a session: a newer version of the
 * session's agent waits here until the session's next turn starts, so a running turn finishes
 * on the version it started with. Stored in the object's KV, so an offer survives eviction.
 */
import { jsonEqual } from "../domain/json-equal";
import type { SessionAgent, SessionRecord } from "./session-record";

const PENDING_AGENT_KEY = "plane-pending-agent";

interface Pending {
  agent: SessionAgent;
  /** A runtime version change: the next turn starts a fresh runtime. */
  restartRuntime: boolean;
}

export class PendingAgent {
  constructor(private readonly kv: DurableObjectStorage["kv"]) {}

  /**
   * Offers `agent` to the session of `record`; whether something is now pending. Another agent,
   * a terminated session, or the version it already runs (with no restart asked) is no change.
   * Offers add up: a later one replaces the version but keeps an earlier restart.
   */
  offer(record: SessionRecord, agent: SessionAgent, restartRuntime: boolean): boolean {
    if (record.status === "terminated" || agent.id !== record.agent.id) return false;
    const pending = this.kv.get<Pending>(PENDING_AGENT_KEY);
    if (agent.version === record.agent.version && !restartRuntime && !pending) return false;
    this.kv.put(PENDING_AGENT_KEY, {
      agent,
      restartRuntime: restartRuntime || Boolean(pending?.restartRuntime),
    } satisfies Pending);
    return true;
  }

  /**
   * Puts the pending version (if any) into `record` and forgets it; the caller saves the record.
   * Returns null when nothing was pending, else whether the runtime must restart: tools and MCP
   * servers reach the runtime when it starts (policy plugin, MCP config), so a version that
   * changes them needs a fresh runtime too; the model is swapped by the LLM proxy.
   */
  takeInto(record: SessionRecord, now: number): { restartRuntime: boolean } | null {
    const pending = this.kv.get<Pending>(PENDING_AGENT_KEY);
    if (!pending) return null;
    this.kv.delete(PENDING_AGENT_KEY);
    const startConfigChanged =
      !jsonEqual(record.agent.tools, pending.agent.tools) ||
      !jsonEqual(record.agent.mcp_servers, pending.agent.mcp_servers);
    record.agent = pending.agent;
    record.updatedAt = now;
    return { restartRuntime: pending.restartRuntime || startConfigChanged };
  }
}
