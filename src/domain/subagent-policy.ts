/**
 * Whether a thread may spawn a sub-agent, decided from its agent's `multiagent` settings and
 * the session's live threads — by the session, outside the model's reach: a refusal here is
 * what the model gets back as the spawn's tool error, whatever its prompt says.
 *
 * Rules. `multiagent_20261001`: `subagents` must be enabled; an inline agent needs
 * `inline_agents` enabled; a saved agent must be in `predefined_agents` (by id, or `self` for
 * the agent itself), at the version the entry pins (an entry without a version runs the
 * version asked for, else the latest). `coordinator`: its roster is the allowlist, inline
 * agents are not allowed. No settings: no sub-agents. Then the caps: a child may not nest
 * deeper than `max_depth` below the primary thread, and no more than `max_concurrent`
 * children may run at once (defaults in DEFAULT_SPAWN_LIMITS). An allowed spawn carries the
 * settings' `timeout_seconds`, the longest the child's run may take.
 */
import { DEFAULT_SPAWN_LIMITS, type Multiagent, type PredefinedAgent } from "../schemas/agent-multiagent";

/** What the model asked to spawn. */
export type SpawnTarget = { type: "agent"; id: string; version?: number } | { type: "inline" };

export type SpawnVerdict =
  | {
      allowed: true;
      /** The saved agent to run (`version` absent: its latest) or an inline definition. */
      agent: { type: "agent"; id: string; version?: number } | { type: "inline" };
      /** How long the child's run may take (absent: only the turn's own timeout applies). */
      timeoutSeconds?: number;
    }
  | { allowed: false; reason: string };

export interface SpawnRequest {
  multiagent: Multiagent | null;
  /** The spawning thread's agent (what `self` names). */
  self: { id: string; version: number };
  target: SpawnTarget;
  /** The spawning thread's depth: 0 for the primary thread. */
  parentDepth: number;
  /** Child threads of the session running now. */
  running: number;
}

const refuse = (reason: string): SpawnVerdict => ({ allowed: false, reason });

/** The allowlist entry that admits saved agent `id`, if any. */
function entryFor(entries: readonly PredefinedAgent[], id: string, self: SpawnRequest["self"]) {
  for (const entry of entries) {
    if (entry.type === "agent" && entry.id === id) return { id, version: entry.version };
    if (entry.type === "self" && id === self.id) return { id, version: self.version };
  }
  return undefined;
}

/** The caps of `multiagent`'s sub-agents (null when it may not spawn at all). */
export interface SpawnLimits {
  max_depth: number;
  max_concurrent: number;
  timeout_seconds?: number;
}

export function spawnLimitsOf(multiagent: Multiagent | null): SpawnLimits | null {
  if (multiagent === null) return null;
  if (multiagent.type === "coordinator") return { ...DEFAULT_SPAWN_LIMITS };
  const spawn = multiagent.subagents;
  if (spawn.type === "disabled") return null;
  return {
    max_depth: spawn.max_depth ?? DEFAULT_SPAWN_LIMITS.max_depth,
    max_concurrent: spawn.max_concurrent ?? DEFAULT_SPAWN_LIMITS.max_concurrent,
    ...(spawn.timeout_seconds !== undefined ? { timeout_seconds: spawn.timeout_seconds } : {}),
  };
}

export function decideSpawn(req: SpawnRequest): SpawnVerdict {
  const { multiagent, target } = req;
  if (multiagent === null)
    return refuse("this agent has no multiagent settings: it may not spawn sub-agents");
  let entries: PredefinedAgent[];
  let inline: boolean;
  if (multiagent.type === "coordinator") {
    entries = multiagent.agents.filter((a): a is PredefinedAgent => a.type !== "advisor");
    inline = false;
  } else {
    const spawn = multiagent.subagents;
    if (spawn.type === "disabled") return refuse("sub-agents are disabled for this agent");
    entries = spawn.predefined_agents;
    inline = spawn.inline_agents.type === "enabled";
  }
  const limits: SpawnLimits = spawnLimitsOf(multiagent) ?? { ...DEFAULT_SPAWN_LIMITS };

  let agent: Extract<SpawnVerdict, { allowed: true }>["agent"];
  if (target.type === "inline") {
    if (!inline) return refuse("inline sub-agents are not allowed for this agent");
    agent = { type: "inline" };
  } else {
    const entry = entryFor(entries, target.id, req.self);
    if (!entry) return refuse(`agent ${target.id} is not one this agent may spawn`);
    if (entry.version !== undefined && target.version !== undefined && target.version !== entry.version) {
      return refuse(`agent ${target.id} may only be spawned at version ${entry.version}`);
    }
    const version = entry.version ?? target.version;
    agent =
      version === undefined ? { type: "agent", id: entry.id } : { type: "agent", id: entry.id, version };
  }

  if (req.parentDepth + 1 > limits.max_depth) {
    return refuse(
      `sub-agents may nest at most ${limits.max_depth} deep; this one would be ${req.parentDepth + 1}`,
    );
  }
  if (req.running >= limits.max_concurrent) {
    return refuse(`at most ${limits.max_concurrent} sub-agents may run at once; ${req.running} are running`);
  }
  return limits.timeout_seconds === undefined
    ? { allowed: true, agent }
    : { allowed: true, agent, timeoutSeconds: limits.timeout_seconds };
}
