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
 */
import type { AgentTool } from "../schemas/agent-tools";

export type ToolDecision = "allow" | "ask" | "deny";

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
const HARMLESS_TOOLS = [
  "session_status",
  "memory_search",
  "memory_get",
  "view_image",
  "tool_search",
  "tool_describe",
];

/** What the gateway plugin reads: a decision per OpenClaw tool and one for every other tool. */
export interface GatewayToolPolicy {
  tools: Record<string, ToolDecision>;
  default: ToolDecision;
}

function decisionOf(config: { enabled: boolean; permission_policy: { type: string } }): ToolDecision {
  if (!config.enabled) return "deny";
  return config.permission_policy.type === "always_ask" ? "ask" : "allow";
}

/** The gateway policy for an agent's tools. No toolset: no built-in tool may run. */
export function gatewayToolPolicy(tools: AgentTool[]): GatewayToolPolicy {
  const policy: GatewayToolPolicy = { tools: {}, default: "deny" };
  for (const names of Object.values(OPENCLAW_TOOLS)) for (const name of names) policy.tools[name] = "deny";
  const toolset = tools.find((tool) => tool.type === "agent_toolset_20260401");
  if (!toolset) return policy;
  for (const config of toolset.configs) {
    for (const name of OPENCLAW_TOOLS[config.name] ?? []) policy.tools[name] = decisionOf(config);
  }
  const fallback = decisionOf(toolset.default_config);
  for (const name of HARMLESS_TOOLS) policy.tools[name] = fallback;
  return policy;
}

/** The decision for one OpenClaw tool name under `policy`. */
export function decisionFor(policy: GatewayToolPolicy, openclawName: string): ToolDecision {
  return policy.tools[openclawName] ?? policy.default;
}
