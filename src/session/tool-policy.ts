/**
 * The agent's CMA permission policies, as OpenClaw's tool names see them.
 *
 * CMA names eight built-in tools (`agent_toolset_20260401`), each enabled or not and with a
 * policy (`always_allow`, `always_ask`, `auto`). OpenClaw has its own tool names; this module
 * maps one onto the other and produces the JSON the gateway's policy plugin reads
 * (container/plugins/clawplane-tool-policy, env CLAWPLANE_TOOL_POLICY) and the permission the
 * session reports on each `agent.tool_use`.
 *
 * Decisions: a disabled tool is `deny` (blocked inside OpenClaw, never runs); `always_ask` is
 * `ask` (a plugin approval the session's Durable Object turns into `requires_action`);
 * `always_allow` is `allow`; `auto` is `allow` too, because there is no reviewer model here
 * (documented). OpenClaw tools with no CMA counterpart (its gateway, plugin, cron, messaging
 * and sub-agent tools) are denied: an agent gets exactly the tools its definition names.
 *
 * Two gates apply the same policy: {@link openclawToolsConfig} keeps denied tools out of what
 * OpenClaw offers the model at all (no schema in the prompt, no call to refuse), and the plugin
 * still decides every call that is made (ask, and anything the first gate let through).
 */
import { BEAM_TOOL_NAME, RUNTIME_TOOL_NAMES } from "../domain/agent-tools";
import type { AgentTool } from "../schemas/agent-tools";
import type { EvaluatedPermission } from "../schemas/session-events";
import { customToolNames } from "./custom-tools";

/** What the policy decides for one call (reported on tool events as `evaluated_permission`). */
export type ToolDecision = EvaluatedPermission;

/** CMA built-in tool → the OpenClaw tools that implement it. glob and grep run through exec. */
const OPENCLAW_TOOLS: Record<string, string[]> = {
  bash: ["exec", "process", "terminal", "code_execution"],
  edit: ["edit", "apply_patch"],
  read: ["read"],
  write: ["write"],
  web_fetch: ["web_fetch"],
  web_search: ["web_search", "x_search"],
};

/**
 * OpenClaw tools that only read the session's own state; they follow the toolset's default
 * policy instead of being denied.
 */
const HARMLESS_TOOLS = ["session_status", "memory_search", "memory_get", "view_image"];

/** OpenClaw's tool discovery (how the model finds deferred MCP tools): describing is not running. */
const DISCOVERY_TOOLS = ["tool_search", "tool_describe"];

/**
 * What the gateway plugin reads: a decision per OpenClaw tool, one for every other tool, and
 * one per MCP tool (`<server>__<tool>`, or `<server>__*` for the server's other tools).
 */
export interface GatewayToolPolicy {
  tools: Record<string, ToolDecision>;
  default: ToolDecision;
  mcp: Record<string, ToolDecision>;
}

/** OpenClaw names MCP tools `<server>__<tool>` and may defer them behind `tool_call {id}`. */
const MCP_SEPARATOR = "__";

/** OpenClaw's name of tool `tool` of MCP server `server` (also the policy's key for it). */
export function mcpToolName(server: string, tool: string): string {
  return `${server}${MCP_SEPARATOR}${tool}`;
}

/** An MCP tool call recognised in an OpenClaw tool call. */
export interface McpCall {
  server: string;
  tool: string;
  input: Record<string, unknown>;
}

/**
 * OpenClaw's dispatcher for deferred tools (`tool_call {id, args}`): the call it dispatches
 * goes through the policy and is reported on its own, so the dispatcher itself is neither.
 */
export const DISPATCH_TOOL = "tool_call";

/**
 * The tool-policy plugin's gateway method that takes the user's answer to an `ask` call
 * (`{ toolCallId, allow, reason? }`); see container/plugins/clawplane-tool-policy/index.mjs.
 */
export const TOOL_ANSWER_METHOD = "clawplane.toolPolicy.answer";

/**
 * The tool-policy plugin's gateway method that binds a policy to one OpenClaw session key
 * (`{ sessionKey, policy }`): a child thread's calls are decided by its own agent's policy.
 */
export const TOOL_POLICY_BIND_METHOD = "clawplane.toolPolicy.bindSession";

/** The MCP call `name(input)` is, if `name` is a tool of one of `servers`. */
export function mcpCallOf(
  name: string,
  input: Record<string, unknown>,
  servers: readonly string[],
): McpCall | null {
  const cut = name.indexOf(MCP_SEPARATOR);
  if (cut <= 0) return null;
  const server = name.slice(0, cut);
  if (!servers.includes(server)) return null;
  return { server, tool: name.slice(cut + MCP_SEPARATOR.length), input };
}

function decisionOf(config: { enabled: boolean; permission_policy: { type: string } }): ToolDecision {
  if (!config.enabled) return "deny";
  return config.permission_policy.type === "always_ask" ? "ask" : "allow";
}

/** The gateway policy for an agent's tools. No toolset: no built-in tool may run. */
export function gatewayToolPolicy(tools: readonly AgentTool[]): GatewayToolPolicy {
  const policy: GatewayToolPolicy = { tools: {}, default: "deny", mcp: {} };
  for (const names of Object.values(OPENCLAW_TOOLS)) for (const name of names) policy.tools[name] = "deny";
  // An MCP server's tools are usable only through an mcp_toolset naming it.
  for (const tool of tools) {
    if (tool.type !== "mcp_toolset") continue;
    policy.mcp[mcpToolName(tool.mcp_server_name, "*")] = decisionOf(tool.default_config);
    for (const config of tool.configs) {
      policy.mcp[mcpToolName(tool.mcp_server_name, config.name)] = decisionOf(config);
    }
  }
  if (Object.keys(policy.mcp).length > 0) for (const name of DISCOVERY_TOOLS) policy.tools[name] = "allow";
  // Custom tools have no permission policy in CMA: the client that answers a call decides it.
  // Never under a runtime tool's name (refused on create; this keeps an older agent safe too).
  for (const name of customToolNames(tools)) if (!RUNTIME_TOOL_NAMES.has(name)) policy.tools[name] = "allow";
  // Delegation to a beam follows its own entry's policy (always_ask by default: approval first).
  const beam = tools.find((tool) => tool.type === "beam_agent");
  if (beam)
    policy.tools[BEAM_TOOL_NAME] = decisionOf({ enabled: true, permission_policy: beam.permission_policy });
  const toolset = tools.find((tool) => tool.type === "agent_toolset_20260401");
  if (!toolset) return policy;
  for (const config of toolset.configs) {
    for (const name of OPENCLAW_TOOLS[config.name] ?? []) policy.tools[name] = decisionOf(config);
  }
  const fallback = decisionOf(toolset.default_config);
  for (const name of HARMLESS_TOOLS) policy.tools[name] = fallback;
  for (const name of DISCOVERY_TOOLS) policy.tools[name] ??= fallback;
  return policy;
}

/**
 * The decision for one OpenClaw tool call under `policy` (the plugin applies the same rule in
 * container/plugins/clawplane-tool-policy/policy.mjs; test/unit/tool-policy-cases.json is the
 * one table of cases both are tested against):
 * MCP calls by their server and tool, anything else by its OpenClaw name; the dispatcher of
 * deferred tools is let through because what it dispatches is decided in turn.
 */
export function decisionFor(
  policy: GatewayToolPolicy,
  openclawName: string,
  input: Record<string, unknown> = {},
): ToolDecision {
  if (openclawName === DISPATCH_TOOL) return "allow";
  const servers = Object.keys(policy.mcp).map((key) => key.slice(0, key.indexOf(MCP_SEPARATOR)));
  const mcp = mcpCallOf(openclawName, input, servers);
  if (mcp) {
    return (
      policy.mcp[mcpToolName(mcp.server, mcp.tool)] ?? policy.mcp[mcpToolName(mcp.server, "*")] ?? "deny"
    );
  }
  return policy.tools[openclawName] ?? policy.default;
}

/**
 * Env var carrying {@link openclawToolsConfig} as JSON (no secrets); container/entrypoint.sh and
 * the local runtime write it beside openclaw.json5, whose `tools` block includes it.
 */
export const TOOLS_CONFIG_ENV = "CLAWPLANE_TOOLS_CONFIG";

/** OpenClaw's plugin id for the tools of the configured MCP servers (its tool-policy name). */
const MCP_PLUGIN_ID = "bundle-mcp";

/** The `allow`/`deny` lists of OpenClaw's `tools` config (deny wins; no allow = everything). */
export interface OpenClawToolsConfig {
  allow?: string[];
  deny: string[];
}

/**
 * Which tools OpenClaw may offer the model under `policy`: those the agent may run or be asked
 * about, and nothing else. Denied tools are listed too (OpenClaw otherwise lets `apply_patch`
 * in with `write`); an agent with no tool at all gets `deny: ["*"]`, since an empty allow list
 * means "everything" to OpenClaw. The deferred-tool dispatcher comes with discovery (without it
 * a discovered tool could not be called), the MCP servers' tools with any MCP tool the agent
 * has (their per-tool filters are in the MCP config, see src/mcp/config.ts).
 */
export function openclawToolsConfig(policy: GatewayToolPolicy): OpenClawToolsConfig {
  const entries = Object.entries(policy.tools);
  const offered = entries.filter(([, decision]) => decision !== "deny").map(([name]) => name);
  const denied = entries.filter(([, decision]) => decision === "deny").map(([name]) => name);
  if (offered.some((name) => DISCOVERY_TOOLS.includes(name))) offered.push(DISPATCH_TOOL);
  if (Object.values(policy.mcp).some((decision) => decision !== "deny")) offered.push(MCP_PLUGIN_ID);
  if (policy.default !== "deny") return { deny: denied.sort() };
  if (offered.length === 0) return { deny: ["*"] };
  return { allow: offered.sort(), deny: denied.sort() };
}
