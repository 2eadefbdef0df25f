/**
 * Turns the tools an agent is created or updated with into their stored form, and checks the
 * rules that span several tools or tie tools to `mcp_servers`.
 *
 * Expansion fills every default so that a stored agent reads the same no matter how tersely it
 * was written: `{"type":"agent_toolset_20260401"}` becomes the full toolset with all eight
 * built-in tools listed. Problems are collected rather than thrown so one response can name them
 * all.
 */
import type { FieldError } from "../errors";
import {
  type AgentTool,
  type AgentToolConfig,
  type AgentToolConfigParams,
  type AgentToolParams,
  type AgentToolset,
  BEAM_DEFAULT_MAX_TIMEOUT_SECONDS,
  BEAM_DEFAULT_TIMEOUT_SECONDS,
  type BeamAgentTool,
  BUILTIN_TOOL_NAMES,
  type BuiltinToolName,
  type McpToolset,
  type PermissionPolicy,
  type ToolsetDefaultConfig,
} from "../schemas/agent-tools";
import type { McpServer } from "../schemas/agents";
import type { UrlSourceFilter, UrlSources, UrlSourcesParams } from "../schemas/web-tools";

/**
 * The names of the runtime's own tools (OpenClaw 2026.9, its tool groups and aliases). A custom
 * tool may not take one: OpenClaw would keep its own tool under that name, and the session would
 * take the agent's call of it for the custom tool.
 */
export const RUNTIME_TOOL_NAMES: ReadonlySet<string> = new Set([
  ...["exec", "bash", "process", "code_execution", "terminal", "read", "write", "edit", "apply_patch"],
  ...["sessions", "sessions_list", "sessions_history", "sessions_search", "sessions_send"],
  ...["sessions_spawn", "sessions_yield", "subagents", "session_status", "suggest_task", "dismiss_task"],
  ...["conversations_list", "conversations_send", "conversations_turn", "memory_search", "memory_get"],
  ...["web_search", "x_search", "web_fetch", "browser", "screen", "theme", "dashboard", "portal"],
  ...["canvas", "show_widget", "heartbeat_respond", "automations", "cron", "gateway", "plugins"],
  ...["openclaw", "message", "nodes", "computer", "agents_list", "get_goal", "create_goal"],
  ...["update_goal", "progress_card", "ask_user", "skill_workshop", "view_image", "image_generate"],
  ...["music_generate", "video_generate", "tts", "pdf", "tool_call", "tool_search", "tool_describe"],
]);

/** The one tool a `beam_agent` tool entry gives the model (no custom tool may take its name). */
export const BEAM_TOOL_NAME = "beam_agent";

/** Most tools an agent may carry. */
export const MAX_TOOLS = 256;
/** Most MCP servers an agent may declare. */
export const MAX_MCP_SERVERS = 20;

// Built-in tools run inside the agent's own sandbox, so they default to running unasked; MCP
// servers can grow new tools at any time, so those default to asking first.
const AGENT_TOOLSET_DEFAULT_POLICY: PermissionPolicy["type"] = "always_allow";
const MCP_TOOLSET_DEFAULT_POLICY: PermissionPolicy["type"] = "always_ask";
const SERVER_TOOL_NAMES = new Set(["web_search", "web_fetch"]);

type ParamsOf<T extends AgentToolParams["type"]> = Extract<AgentToolParams, { type: T }>;
type Override = { enabled?: boolean | null; permission_policy?: PermissionPolicy | null };

function resolveDefaults(
  params: Override | null | undefined,
  fallback: PermissionPolicy["type"],
): ToolsetDefaultConfig {
  return {
    enabled: params?.enabled ?? true,
    permission_policy: { type: params?.permission_policy?.type ?? fallback },
  };
}

function resolveOverride(override: Override | undefined, defaults: ToolsetDefaultConfig) {
  return {
    enabled: override?.enabled ?? defaults.enabled,
    permission_policy: { type: override?.permission_policy?.type ?? defaults.permission_policy.type },
  };
}

function filterOf(value: UrlSourcesParams["client_tool_results"]): UrlSourceFilter | null {
  if (value === null || value === undefined) return null;
  return typeof value === "string" ? { type: value } : value;
}

function urlSourcesOf(
  params: UrlSourcesParams | null | undefined,
  path: string,
  customToolNames: ReadonlySet<string>,
  problems: FieldError[],
): UrlSources | null {
  if (!params) return null;
  const client = filterOf(params.client_tool_results);
  const server = filterOf(params.server_tool_results);
  const userInput = params.user_input;
  const lists: [string, UrlSourceFilter | null, (name: string) => boolean, string][] = [
    ["client_tool_results", client, (n) => customToolNames.has(n), "a custom tool of this agent"],
    ["server_tool_results", server, (n) => SERVER_TOOL_NAMES.has(n), "web_search or web_fetch"],
  ];
  for (const [key, filter, known, what] of lists) {
    if (filter?.type !== "only" && filter?.type !== "except") continue;
    filter.tools.forEach((tool, k) => {
      if (!known(tool.name)) {
        problems.push({ path: `${path}.${key}.tools.${k}.name`, message: `"${tool.name}" is not ${what}` });
      }
    });
  }
  return {
    client_tool_results: client,
    server_tool_results: server,
    user_input:
      userInput == null ? null : { type: typeof userInput === "string" ? userInput : userInput.type },
  };
}

function builtinConfig(
  name: BuiltinToolName,
  override: AgentToolConfigParams | undefined,
  defaults: ToolsetDefaultConfig,
  context: { path: string; customToolNames: ReadonlySet<string>; problems: FieldError[] },
): AgentToolConfig {
  const resolved = resolveOverride(override, defaults);
  if (name === "web_fetch") {
    const o = override?.name === "web_fetch" ? override : undefined;
    const path = `${context.path}.url_sources`;
    return {
      type: name,
      name,
      ...resolved,
      url_sources: urlSourcesOf(o?.url_sources, path, context.customToolNames, context.problems),
      ...(o?.allowed_domains ? { allowed_domains: o.allowed_domains } : {}),
      ...(o?.blocked_domains ? { blocked_domains: o.blocked_domains } : {}),
      ...(o?.max_content_tokens != null ? { max_content_tokens: o.max_content_tokens } : {}),
    };
  }
  if (name === "web_search") {
    const o = override?.name === "web_search" ? override : undefined;
    return {
      type: name,
      name,
      ...resolved,
      ...(o?.allowed_domains ? { allowed_domains: o.allowed_domains } : {}),
      ...(o?.blocked_domains ? { blocked_domains: o.blocked_domains } : {}),
      ...(o?.user_location ? { user_location: o.user_location } : {}),
    };
  }
  // `name` is one of the six plain tools here; TypeScript cannot pair it with its union member.
  return { type: name, name, ...resolved } as AgentToolConfig;
}

function expandAgentToolset(
  params: ParamsOf<"agent_toolset_20260401">,
  path: string,
  customToolNames: ReadonlySet<string>,
  problems: FieldError[],
): AgentToolset {
  const defaults = resolveDefaults(params.default_config, AGENT_TOOLSET_DEFAULT_POLICY);
  const overrides = new Map<BuiltinToolName, { config: AgentToolConfigParams; index: number }>();
  (params.configs ?? []).forEach((config, index) => {
    if (overrides.has(config.name)) {
      problems.push({
        path: `${path}.configs.${index}.name`,
        message: `"${config.name}" is configured twice`,
      });
    }
    overrides.set(config.name, { config, index });
  });
  const configs = BUILTIN_TOOL_NAMES.map((name) => {
    const entry = overrides.get(name);
    const context = { path: `${path}.configs.${entry?.index ?? 0}`, customToolNames, problems };
    return builtinConfig(name, entry?.config, defaults, context);
  });
  return { type: "agent_toolset_20260401", default_config: defaults, configs };
}

function expandMcpToolset(params: ParamsOf<"mcp_toolset">, path: string, problems: FieldError[]): McpToolset {
  const defaults = resolveDefaults(params.default_config, MCP_TOOLSET_DEFAULT_POLICY);
  const seen = new Set<string>();
  const configs = (params.configs ?? []).map((config, index) => {
    if (seen.has(config.name)) {
      problems.push({
        path: `${path}.configs.${index}.name`,
        message: `"${config.name}" is configured twice`,
      });
    }
    seen.add(config.name);
    return { name: config.name, ...resolveOverride(config, defaults) };
  });
  return { type: "mcp_toolset", mcp_server_name: params.mcp_server_name, default_config: defaults, configs };
}

/**
 * A `beam_agent` tool with its defaults: Claude Code, 5 minutes (at most 30), no publishing, and
 * `always_ask` — a delegated agent runs with the bot's full Teleport permissions and its own
 * model budget, so a person approves each delegation unless the agent's author says otherwise.
 */
function expandBeamTool(params: ParamsOf<"beam_agent">, path: string, problems: FieldError[]): BeamAgentTool {
  const defaultAgent = params.default_agent ?? "claude";
  const customCommand = params.custom_command ?? null;
  const maxTimeout =
    params.max_timeout_seconds ??
    Math.max(BEAM_DEFAULT_MAX_TIMEOUT_SECONDS, params.default_timeout_seconds ?? 0);
  const defaultTimeout = params.default_timeout_seconds ?? Math.min(BEAM_DEFAULT_TIMEOUT_SECONDS, maxTimeout);
  if (defaultAgent === "custom" && !customCommand) {
    problems.push({ path: `${path}.custom_command`, message: 'is required when default_agent is "custom"' });
  }
  if (defaultTimeout > maxTimeout) {
    problems.push({
      path: `${path}.default_timeout_seconds`,
      message: `must not exceed max_timeout_seconds (${maxTimeout})`,
    });
  }
  return {
    type: "beam_agent",
    default_agent: defaultAgent,
    custom_command: customCommand,
    default_timeout_seconds: defaultTimeout,
    max_timeout_seconds: maxTimeout,
    allow_publish: params.allow_publish ?? false,
    permission_policy: { type: params.permission_policy?.type ?? "always_ask" },
  };
}

/**
 * Expands tools as sent into their stored form, appending to `problems` anything wrong within a
 * single tool (a built-in configured twice, a URL-source filter naming an unknown tool).
 */
export function expandTools(params: AgentToolParams[], problems: FieldError[]): AgentTool[] {
  const customToolNames = new Set(params.flatMap((tool) => (tool.type === "custom" ? [tool.name] : [])));
  return params.map((tool, index): AgentTool => {
    const path = `tools.${index}`;
    if (tool.type === "agent_toolset_20260401")
      return expandAgentToolset(tool, path, customToolNames, problems);
    if (tool.type === "mcp_toolset") return expandMcpToolset(tool, path, problems);
    if (tool.type === "beam_agent") return expandBeamTool(tool, path, problems);
    return tool;
  });
}

/**
 * Lists every rule broken across `tools` and `mcp_servers`: counts, unique names, at most one
 * built-in toolset, and MCP servers and `mcp_toolset`s that must reference each other.
 */
export function toolProblems(tools: AgentTool[], mcpServers: McpServer[]): FieldError[] {
  const problems: FieldError[] = [];
  if (tools.length > MAX_TOOLS) {
    problems.push({ path: "tools", message: `at most ${MAX_TOOLS} tools are allowed; got ${tools.length}` });
  }
  if (mcpServers.length > MAX_MCP_SERVERS) {
    problems.push({
      path: "mcp_servers",
      message: `at most ${MAX_MCP_SERVERS} MCP servers are allowed; got ${mcpServers.length}`,
    });
  }
  const serverNames = new Set<string>();
  mcpServers.forEach((server, i) => {
    if (serverNames.has(server.name)) {
      problems.push({
        path: `mcp_servers.${i}.name`,
        message: `MCP server name "${server.name}" is used twice`,
      });
    }
    serverNames.add(server.name);
  });

  const customNames = new Set<string>();
  const toolsetServers = new Set<string>();
  let builtinToolsets = 0;
  let beamTools = 0;
  tools.forEach((tool, i) => {
    if (tool.type === "agent_toolset_20260401" && ++builtinToolsets > 1) {
      problems.push({ path: `tools.${i}`, message: "only one agent_toolset_20260401 is allowed" });
    } else if (tool.type === "beam_agent" && ++beamTools > 1) {
      problems.push({ path: `tools.${i}`, message: "only one beam_agent tool is allowed" });
    } else if (tool.type === "custom") {
      if (customNames.has(tool.name)) {
        problems.push({ path: `tools.${i}.name`, message: `custom tool name "${tool.name}" is used twice` });
      } else if (RUNTIME_TOOL_NAMES.has(tool.name) || tool.name === BEAM_TOOL_NAME) {
        problems.push({
          path: `tools.${i}.name`,
          message: `"${tool.name}" is the name of one of the runtime's own tools; give the custom tool another name`,
        });
      }
      customNames.add(tool.name);
    } else if (tool.type === "mcp_toolset") {
      const name = tool.mcp_server_name;
      const path = `tools.${i}.mcp_server_name`;
      if (!serverNames.has(name))
        problems.push({ path, message: `no MCP server named "${name}" is declared` });
      else if (toolsetServers.has(name))
        problems.push({ path, message: `MCP server "${name}" has two toolsets` });
      toolsetServers.add(name);
    }
  });
  mcpServers.forEach((server, i) => {
    if (!toolsetServers.has(server.name)) {
      problems.push({
        path: `mcp_servers.${i}`,
        message: `MCP server "${server.name}" is not used by any mcp_toolset`,
      });
    }
  });
  return problems;
}
