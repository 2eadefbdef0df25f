/**
 * The `beam_agent` tool as a session's runtime gets it (container/plugins/clawplane-beams):
 * offered only when the session's agent has a `beam_agent` tool entry, and then pointed at the
 * Worker's beam calls (src/entrypoints/beam-calls.ts) — never at Teleport. The runtime
 * authenticates with the session token it already holds; the bot's identity stays in the
 * connector. Also what a session does to its runs when it is interrupted, archived or deleted.
 */
import { cancelBeamRun } from "../beams/connector-client";
import { openRunsOfSession } from "../beams/beam-runs";
import { createDb } from "../db/client";
import { describeError, log } from "../lib/log";
import type { AgentTool, BeamAgentTool } from "../schemas/agent-tools";
import type { SessionEventBodyOf } from "../schemas/session-events";

/** Who makes a beam call: the session behind the runtime's token, and what its agent allows. */
export interface BeamCaller {
  sessionId: string;
  agentId: string;
  agentVersion: number;
  /** The agent's `beam_agent` entry; null: this agent may not delegate. */
  tool: BeamAgentTool | null;
}

export type BeamRunEventBody =
  | SessionEventBodyOf<"agent.beam_run_started">
  | SessionEventBodyOf<"agent.beam_run_output">
  | SessionEventBodyOf<"agent.beam_run_ended">;

/** The agent's `beam_agent` entry (at most one; see src/domain/agent-tools.ts), if any. */
export function beamToolOf(tools: readonly AgentTool[]): BeamAgentTool | null {
  return (tools.find((tool) => tool.type === "beam_agent") as BeamAgentTool | undefined) ?? null;
}

/**
 * Cancels every unfinished run the session started (a queued one never starts; a running one
 * stops and its beam is removed). Best effort per run: one that ends meanwhile is left as it ended.
 */
export async function cancelBeamRunsOf(env: Env, sessionId: string, reason: string): Promise<number> {
  if (!env.BEAM_CONNECTORS) return 0;
  const open = await openRunsOfSession(createDb(env.DB), sessionId).catch((err) => {
    log("warn", "beam runs of the session not read", { session_id: sessionId, ...describeError(err) });
    return [];
  });
  let cancelled = 0;
  for (const run of open) {
    try {
      await cancelBeamRun(env, run.id, reason);
      cancelled++;
    } catch (err) {
      log("warn", "beam run not cancelled", { session_id: sessionId, run_id: run.id, ...describeError(err) });
    }
  }
  return cancelled;
}
