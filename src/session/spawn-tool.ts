/**
 * `spawn_agent`: how an agent with `multiagent` settings delegates to a sub-agent.
 *
 * Why a tool of our own and not OpenClaw's `sessions_spawn`: OpenClaw runs a spawned child
 * with the parent's tools, model and prompt (one gateway config), reports its end only as an
 * unsolicited parent run, and decides spawning by its own depth caps. Here the session's
 * Durable Object runs the child instead: the tool is registered by the custom-tools plugin
 * (container/plugins/clawplane-custom-tools), whose call waits until the session answers it;
 * the session decides the spawn (decideSpawn, outside the model's reach), records the child
 * thread, runs it under its own OpenClaw session key with its own agent's tool policy, and
 * answers the call with the child's reply (or the refusal). See thread-runs.ts.
 */
import type { SessionAgent } from "./session-record";
import type { GatewayToolPolicy } from "./tool-policy";

export const SPAWN_TOOL = "spawn_agent";

/** What a spawn call asks for, once read from the model's input. */
export interface SpawnInput {
  /** A saved agent's id, or `self` for the spawning thread's own agent. */
  agent: string;
  version?: number;
  task: string;
}

/** The tool as the custom-tools plugin registers it (name, description, JSON schema). */
export const SPAWN_TOOL_DEFINITION = {
  name: SPAWN_TOOL,
  description:
    "Delegate a task to a sub-agent. The sub-agent runs as its own thread with its own " +
    "instructions and tools, and its final reply is this tool's result. `agent` is the id of " +
    "an agent you may delegate to, or `self`.",
  input_schema: {
    type: "object" as const,
    properties: {
      agent: { type: "string", description: "Agent id (agent_…) or `self`" },
      version: { type: "integer", description: "Agent version (optional)" },
      task: { type: "string", description: "What the sub-agent should do" },
    },
    required: ["agent", "task"],
  },
};

/** Whether `agent`'s settings let it spawn at all (it is then offered the tool). */
export function canSpawn(agent: Pick<SessionAgent, "multiagent">): boolean {
  const m = agent.multiagent;
  if (!m) return false;
  return m.type === "coordinator" || m.subagents.type === "enabled";
}

/** `policy` with the spawn tool allowed: each call is decided by the session, not the plugin. */
export function withSpawnTool(policy: GatewayToolPolicy): GatewayToolPolicy {
  return { ...policy, tools: { ...policy.tools, [SPAWN_TOOL]: "allow" } };
}

/** The spawn input in a call's arguments, or why it is unusable. */
export function readSpawnInput(input: Record<string, unknown>): SpawnInput | string {
  const { agent, version, task } = input;
  if (typeof agent !== "string" || !agent.trim()) return "`agent` (an agent id or `self`) is required";
  if (typeof task !== "string" || !task.trim()) return "`task` (a non-empty string) is required";
  if (version !== undefined && (!Number.isInteger(version) || (version as number) < 1))
    return "`version` must be a positive integer";
  return { agent: agent.trim(), task, ...(version !== undefined ? { version: version as number } : {}) };
}
