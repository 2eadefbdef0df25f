// The tool-policy rule: which decision (allow, ask, deny) a tool call gets under the session's
// policy. The Worker applies the same rule (decisionFor in src/session/tool-policy.ts, which
// also builds the policy); test/unit/tool-policy.test.ts feeds both one table of cases
// (test/unit/tool-policy-cases.json), so they cannot drift apart unnoticed.
//
//   { "tools": { "exec": "ask", "write": "allow", "web_fetch": "deny", ... }, "default": "deny",
//     "mcp": { "docs__search": "allow", "docs__*": "ask" } }
//
// MCP tools are named `<server>__<tool>` and decided by the `mcp` entries (the tool's own, else
// its server's `*`); a tool of a server with entries but neither of those is denied. Everything
// else is decided by its OpenClaw name, else `default`. OpenClaw may defer tools behind its
// `tool_call` dispatcher; the dispatched call reaches the plugin on its own and is decided then.

/** OpenClaw's dispatcher of deferred tools: let through, since what it calls is decided in turn. */
const DISPATCH_TOOL = "tool_call";
/** OpenClaw names MCP tools `<server>__<tool>`. */
const MCP_SEPARATOR = "__";

const isDecision = (v) => v === "allow" || v === "ask" || v === "deny";

/**
 * The policy in CLAWPLANE_TOOL_POLICY (JSON; absent: no policy, every tool runs). Entries that
 * are not a decision are dropped. Unreadable: `broken`, and the plugin blocks every tool,
 * since failing open would run tools nobody approved.
 */
export function parsePolicy(raw) {
  if (!raw) return { tools: {}, mcp: {}, default: "allow" };
  try {
    const parsed = JSON.parse(raw);
    const tools = {};
    for (const [name, decision] of Object.entries(parsed.tools ?? {})) {
      if (isDecision(decision)) tools[name] = decision;
    }
    const mcp = {};
    for (const [name, decision] of Object.entries(parsed.mcp ?? {})) {
      if (isDecision(decision)) mcp[name] = decision;
    }
    return { tools, mcp, default: isDecision(parsed.default) ? parsed.default : "deny" };
  } catch {
    return { tools: {}, mcp: {}, default: "deny", broken: true };
  }
}

/** The decision for one call of tool `toolName` under `policy` (from parsePolicy). */
export function decide(policy, toolName) {
  if (toolName === DISPATCH_TOOL) return "allow";
  const cut = toolName.indexOf(MCP_SEPARATOR);
  const server = cut > 0 ? toolName.slice(0, cut) : undefined;
  const servers = Object.keys(policy.mcp).map((key) => key.slice(0, key.indexOf(MCP_SEPARATOR)));
  if (server !== undefined && servers.includes(server)) {
    return policy.mcp[toolName] ?? policy.mcp[`${server}${MCP_SEPARATOR}*`] ?? "deny";
  }
  return policy.tools[toolName] ?? policy.default;
}
