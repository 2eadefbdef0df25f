/**
 * The thread tools: how an agent with `multiagent` settings delegates to sub-agents.
 * - `spawn_agent {agent, version?, task, definition?}` starts a child thread (a saved agent, or
 *   an inline one when the settings allow: `agent: "inline"` with a `definition`);
 * - `message_thread {thread_id, message}` continues one of its own children that is idle.
 *
 * Why tools of our own and not OpenClaw's `sessions_spawn` / `sessions_send`: OpenClaw runs a
 * spawned child with the parent's tools, model and prompt (one gateway config), reports its end
 * only as an unsolicited parent run, and decides spawning by its own depth caps. Here the
 * session's Durable Object runs the child instead: the tools are registered by the threads
 * plugin (container/plugins/clawplane-threads), configured by the session document (so a warm
 * pool gateway offers them after a claim), whose call waits until the session answers it; the
 * session decides the call (decideSpawn, outside the model's reach), records the child thread,
 * runs it under its own OpenClaw session key with its own agent's tool policy and model, and
 * answers the call with the child's reply (or the refusal). See thread-runs.ts.
 */
import type { SessionAgent } from "./session-record";
import type { GatewayToolPolicy } from "./tool-policy";

export const SPAWN_TOOL = "spawn_agent";
export const MESSAGE_TOOL = "message_thread";
/** The gateway method the threads plugin takes the session's answer to a call on. */
export const THREAD_TOOL_ANSWER_METHOD = "clawplane.threads.answer";

/** Whether `name` is one of the thread tools (their calls are the session's to answer). */
export function isThreadTool(name: string): boolean {
  return name === SPAWN_TOOL || name === MESSAGE_TOOL;
}

/** What a spawn call asks for, once read from the model's input. */
export interface SpawnInput {
  /** A saved agent's id, `self` for the spawning thread's own agent, or `inline`. */
  agent: string;
  version?: number;
  task: string;
  /** The inline agent's definition (with `agent: "inline"`), checked by inline-agent.ts. */
  definition?: unknown;
}

/** What a message call asks for. */
export interface MessageInput {
  threadId: string;
  message: string;
}

/** The tools as the threads plugin registers them (name, description, JSON schema). */
export const THREAD_TOOL_DEFINITIONS = [
  {
    name: SPAWN_TOOL,
    description:
      "Delegate a task to a sub-agent. The sub-agent runs as its own thread with its own " +
      "instructions and tools, and its final reply is this tool's result (with its thread id, " +
      "for message_thread). `agent` is the id of an agent you may delegate to, `self`, or " +
      "`inline` with a `definition` (a name, instructions and a subset of your own tools).",
    input_schema: {
      type: "object" as const,
      properties: {
        agent: { type: "string", description: "Agent id (agent_…), `self`, or `inline`" },
        version: { type: "integer", description: "Agent version (optional)" },
        task: { type: "string", description: "What the sub-agent should do" },
        definition: {
          type: "object",
          description: "With agent `inline`: the sub-agent's definition",
          properties: {
            name: { type: "string" },
            system: { type: "string", description: "Its instructions" },
            tools: {
              type: "array",
              items: { type: "string" },
              description: "Which of your own built-in tools it may use (bash, read, …); none if omitted",
            },
          },
          required: ["name"],
        },
      },
      required: ["agent", "task"],
    },
  },
  {
    name: MESSAGE_TOOL,
    description:
      "Send a follow-up message to a sub-agent you spawned earlier (its thread id came with its " +
      "reply). It continues with everything it has done so far; its reply is this tool's result.",
    input_schema: {
      type: "object" as const,
      properties: {
        thread_id: { type: "string", description: "The sub-agent's thread id (sthr_…)" },
        message: { type: "string", description: "What to tell or ask it" },
      },
      required: ["thread_id", "message"],
    },
  },
];

/** Whether `agent`'s settings let it spawn at all (it is then offered the tools). */
export function canSpawn(agent: Pick<SessionAgent, "multiagent">): boolean {
  const m = agent.multiagent;
  if (!m) return false;
  return m.type === "coordinator" || m.subagents.type === "enabled";
}

/** `policy` with the thread tools allowed: each call is decided by the session, not the plugin. */
export function withThreadTools(policy: GatewayToolPolicy): GatewayToolPolicy {
  return { ...policy, tools: { ...policy.tools, [SPAWN_TOOL]: "allow", [MESSAGE_TOOL]: "allow" } };
}

/** The spawn input in a call's arguments, or why it is unusable. */
export function readSpawnInput(input: Record<string, unknown>): SpawnInput | string {
  const { agent, version, task, definition } = input;
  if (typeof agent !== "string" || !agent.trim())
    return "`agent` (an agent id, `self` or `inline`) is required";
  if (typeof task !== "string" || !task.trim()) return "`task` (a non-empty string) is required";
  if (version !== undefined && (!Number.isInteger(version) || (version as number) < 1))
    return "`version` must be a positive integer";
  if (agent.trim() === "inline" && definition === undefined)
    return "`definition` is required with agent `inline`";
  if (agent.trim() !== "inline" && definition !== undefined) return "`definition` is only for agent `inline`";
  return {
    agent: agent.trim(),
    task,
    ...(version !== undefined ? { version: version as number } : {}),
    ...(definition !== undefined ? { definition } : {}),
  };
}

/** The message input in a call's arguments, or why it is unusable. */
export function readMessageInput(input: Record<string, unknown>): MessageInput | string {
  const { thread_id: threadId, message } = input;
  if (typeof threadId !== "string" || !threadId.trim()) return "`thread_id` (a sthr_… id) is required";
  if (typeof message !== "string" || !message.trim()) return "`message` (a non-empty string) is required";
  return { threadId: threadId.trim(), message };
}
