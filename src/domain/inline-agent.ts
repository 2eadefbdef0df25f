/**
 * Inline sub-agents: an agent the model defines when it spawns (`spawn_agent` with
 * `agent: "inline"`), allowed only when the spawning agent's `multiagent.subagents.inline_agents`
 * is enabled (decideSpawn).
 *
 * Never more powerful than its parent. An inline agent is the parent's own definition narrowed:
 * - its `name` and `system` (instructions) are the model's to choose;
 * - its model is the parent's (a definition naming another model is refused);
 * - its tools are the parent's built-in toolset with every tool the definition does not list
 *   disabled, each listed one keeping the parent's permission policy (an `always_ask` stays
 *   asked); a listed tool the parent cannot use is refused; it gets none of the parent's MCP
 *   servers, custom tools or `beam_agent`;
 * - it may not spawn (`multiagent` null), whatever the parent may.
 * A refusal lists every problem with its field path under `definition`, as the API's own
 * validation does, for the model to read and correct.
 */
import type { FieldError } from "../errors";
import { BUILTIN_TOOL_NAMES } from "../schemas/agent-tools";
import type { AgentSpec } from "./agent-spec";

const MAX_NAME = 64;
const MAX_SYSTEM = 100_000;

/** What an inline definition may say; anything else is refused by name. */
const KNOWN_KEYS = new Set(["name", "system", "tools", "model", "description"]);

/** The inline agent's definition, or the problems with it (paths under `definition`). */
export function inlineAgentSpec(
  parent: AgentSpec,
  definition: unknown,
): { spec: AgentSpec } | { problems: FieldError[] } {
  const problems: FieldError[] = [];
  const at = (path: string, message: string) => problems.push({ path: `definition${path}`, message });
  if (typeof definition !== "object" || definition === null || Array.isArray(definition)) {
    at("", "must be an object with at least a name");
    return { problems };
  }
  const def = definition as Record<string, unknown>;
  for (const key of Object.keys(def))
    if (!KNOWN_KEYS.has(key)) at(`.${key}`, "is not a field of an inline agent");
  const name = typeof def.name === "string" ? def.name.trim() : "";
  if (!name || name.length > MAX_NAME)
    at(".name", `must be a non-empty string of at most ${MAX_NAME} characters`);
  if (def.system !== undefined && (typeof def.system !== "string" || def.system.length > MAX_SYSTEM))
    at(".system", `must be a string of at most ${MAX_SYSTEM} characters`);
  if (def.description !== undefined && typeof def.description !== "string")
    at(".description", "must be a string");
  const modelId = typeof def.model === "string" ? def.model : (def.model as { id?: unknown } | undefined)?.id;
  if (def.model !== undefined && modelId !== parent.model.id)
    at(".model", `an inline agent runs on its parent's model (${parent.model.id}); it cannot choose another`);

  const toolset = parent.tools.find((t) => t.type === "agent_toolset_20260401");
  const enabled = new Set<string>(
    toolset
      ? BUILTIN_TOOL_NAMES.filter((n) => {
          const config = toolset.configs.find((c) => c.name === n);
          return config ? config.enabled : toolset.default_config.enabled;
        })
      : [],
  );
  const wanted = new Set<string>();
  if (def.tools !== undefined) {
    if (!Array.isArray(def.tools)) at(".tools", "must be an array of built-in tool names");
    else
      def.tools.forEach((tool, i) => {
        if (typeof tool !== "string" || !(BUILTIN_TOOL_NAMES as readonly string[]).includes(tool))
          at(`.tools.${i}`, `must be one of ${BUILTIN_TOOL_NAMES.join(", ")}`);
        else if (!enabled.has(tool)) at(`.tools.${i}`, `${tool} is not a tool this agent may use itself`);
        else wanted.add(tool);
      });
  }
  if (problems.length) return { problems };

  const tools: AgentSpec["tools"] =
    toolset && wanted.size > 0
      ? [
          {
            ...toolset,
            configs: BUILTIN_TOOL_NAMES.map((n) => {
              const config = toolset.configs.find((c) => c.name === n);
              const base = config ?? { name: n, ...toolset.default_config };
              return { ...base, enabled: wanted.has(n) } as (typeof toolset.configs)[number];
            }),
            default_config: { ...toolset.default_config, enabled: false },
          },
        ]
      : [];
  return {
    spec: {
      ...parent,
      name,
      description: typeof def.description === "string" ? def.description : null,
      system: typeof def.system === "string" ? def.system : null,
      tools,
      mcp_servers: [],
      skills: [],
      multiagent: null,
      metadata: {},
    },
  };
}
