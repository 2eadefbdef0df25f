/**
 * The saved agent a child thread runs: loaded from D1 at the version the allowlist pinned (or
 * its latest), as a session's own agent is when the session is created.
 */
import { createDb } from "../db/client";
import { getAgent } from "../db/agents";
import { ApiError } from "../errors";
import type { SessionAgent } from "./session-record";

export async function loadSpawnableAgent(env: Env, id: string, version?: number): Promise<SessionAgent> {
  const agent = await getAgent(createDb(env.DB), id, version);
  if (agent.archivedAt !== null) throw new ApiError("agent_archived", `agent ${id} is archived`);
  return { id: agent.id, type: "agent", ...agent.spec, version: agent.version };
}
