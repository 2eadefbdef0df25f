/**
 * Resolves an agent's `multiagent` settings as sent into their stored form.
 *
 * A `coordinator` is always replaced whole. A `multiagent_20261001` sent over a stored one is
 * merged level by level: an omitted key keeps its stored value, a null key takes its default,
 * and an object whose `type` differs from the stored one starts again from the defaults.
 */
import type { FieldError } from "../errors";
import type {
  Advisor,
  Multiagent,
  MultiagentParams,
  PredefinedAgent,
  PredefinedAgentParams,
  Spawn,
  SpawnParams,
} from "../schemas/agent-multiagent";

type Multiagent20261001 = Extract<Multiagent, { type: "multiagent_20261001" }>;
type EnabledSpawn = Extract<Spawn, { type: "enabled" }>;

const DEFAULT_ADVISOR: Advisor = { type: "disabled" };

function defaultSpawn(): EnabledSpawn {
  return { type: "enabled", inline_agents: { type: "enabled" }, predefined_agents: [] };
}

function referenceOf(entry: PredefinedAgentParams): PredefinedAgent {
  if (typeof entry === "string") return { type: "agent", id: entry };
  if (entry.type === "self") return { type: "self" };
  return entry.version === undefined
    ? { type: "agent", id: entry.id }
    : { type: "agent", id: entry.id, version: entry.version };
}

function resolveSpawn(params: SpawnParams | null | undefined, stored: Spawn | undefined): Spawn {
  if (params === undefined) return stored ?? defaultSpawn();
  if (params === null) return defaultSpawn();
  if (params.type === "disabled") return { type: "disabled" };
  const base: EnabledSpawn = stored?.type === "enabled" ? stored : defaultSpawn();
  const limits: Pick<EnabledSpawn, "max_depth" | "max_concurrent" | "timeout_seconds"> = {};
  for (const key of ["max_depth", "max_concurrent", "timeout_seconds"] as const) {
    const value = params[key] === undefined ? base[key] : params[key];
    if (value !== undefined) limits[key] = value;
  }
  return {
    type: "enabled",
    ...limits,
    inline_agents:
      params.inline_agents === undefined
        ? base.inline_agents
        : { type: params.inline_agents?.type ?? "enabled" },
    predefined_agents:
      params.predefined_agents === undefined
        ? base.predefined_agents
        : (params.predefined_agents ?? []).map(referenceOf),
  };
}

function resolveAdvisor(params: Advisor | null | undefined, stored: Advisor | undefined): Advisor {
  if (params === undefined) return stored ?? DEFAULT_ADVISOR;
  if (params === null) return DEFAULT_ADVISOR;
  return params.type === "enabled" ? { type: "enabled", model: params.model } : { type: "disabled" };
}

/**
 * Resolves `params` against the stored settings (`null` on create) into the stored form.
 */
export function resolveMultiagent(params: MultiagentParams, stored: Multiagent | null): Multiagent {
  if (params.type === "coordinator") {
    return {
      type: "coordinator",
      agents: params.agents.map((entry) =>
        typeof entry !== "string" && entry.type === "advisor"
          ? { type: "advisor", model: entry.model }
          : referenceOf(entry),
      ),
    };
  }
  const base: Partial<Multiagent20261001> = stored?.type === "multiagent_20261001" ? stored : {};
  return {
    type: "multiagent_20261001",
    advisor: resolveAdvisor(params.advisor, base.advisor),
    subagents: resolveSpawn(params.subagents, base.subagents),
    workflows: resolveSpawn(params.workflows, base.workflows),
  };
}

/** Lists the rules the resolved settings break, with paths under `multiagent`. */
export function multiagentProblems(multiagent: Multiagent | null): FieldError[] {
  const problems: FieldError[] = [];
  if (multiagent === null) return problems;
  if (multiagent.type === "coordinator") {
    const seen = new Set<string>();
    multiagent.agents.forEach((entry, i) => {
      const key = entry.type === "agent" ? `agent:${entry.id}` : entry.type === "self" ? "self" : undefined;
      if (key === undefined) return;
      if (seen.has(key)) {
        problems.push({
          path: `multiagent.agents.${i}`,
          message: "roster entries must reference distinct agents",
        });
      }
      seen.add(key);
    });
    return problems;
  }
  for (const member of ["subagents", "workflows"] as const) {
    const spawn = multiagent[member];
    if (
      spawn.type === "enabled" &&
      spawn.inline_agents.type === "disabled" &&
      spawn.predefined_agents.length === 0
    ) {
      problems.push({
        path: `multiagent.${member}.predefined_agents`,
        message: "must name at least one agent when inline_agents is disabled",
      });
    }
  }
  return problems;
}
