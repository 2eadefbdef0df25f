// Clawplane tool policy: the agent's CMA permission policies, enforced inside OpenClaw.
//
// Loaded by the gateway as a standalone plugin (`plugins.load.paths` in openclaw.json5, with its manifest beside it). The
// session's policy arrives in CLAWPLANE_TOOL_POLICY (JSON, no secrets), built by the Worker
// from the agent's tools (src/session/tool-policy.ts):
//
//   { "tools": { "exec": "ask", "write": "allow", "web_fetch": "deny", ... }, "default": "deny",
//     "mcp": { "docs__search": "allow", "docs__*": "ask" } }
//
// MCP tools are named `<server>__<tool>` and decided by the `mcp` entries; a server without any
// is denied. OpenClaw may defer tools behind its `tool_call` dispatcher; the dispatched call
// reaches this hook on its own and is decided then. (Same rule as decisionFor in
// src/session/tool-policy.ts.)
//
// For every tool call, `before_tool_call` answers:
//   allow → no decision (the call runs);
//   deny  → blocked (the tool is disabled for this agent; it never runs);
//   ask   → a plugin approval, which OpenClaw routes to approval clients: the session's
//           Durable Object, which asks the user (`requires_action`) and resolves it.
// An unreadable policy blocks every tool: failing open would run tools nobody approved.

const MAX_TIMEOUT_MS = 600_000; // OpenClaw's cap on plugin approvals (10 min)

function loadPolicy() {
  const raw = process.env.CLAWPLANE_TOOL_POLICY;
  if (!raw) return { tools: {}, mcp: {}, default: "allow" };
  try {
    const parsed = JSON.parse(raw);
    const valid = (v) => v === "allow" || v === "ask" || v === "deny";
    const tools = {};
    for (const [name, decision] of Object.entries(parsed.tools ?? {})) {
      if (valid(decision)) tools[name] = decision;
    }
    const mcp = {};
    for (const [name, decision] of Object.entries(parsed.mcp ?? {})) {
      if (valid(decision)) mcp[name] = decision;
    }
    return { tools, mcp, default: valid(parsed.default) ? parsed.default : "deny" };
  } catch {
    return { tools: {}, mcp: {}, default: "deny", broken: true };
  }
}

/** The decision for one call: MCP tools by server and tool, others by name. */
function decide(policy, toolName) {
  // `tool_call` only dispatches: the tool it calls passes through this hook itself, and that
  // inner call is the one decided (asking at both levels would ask the user twice).
  if (toolName === "tool_call") return "allow";
  const id = toolName;
  const cut = id.indexOf("__");
  const server = cut > 0 ? id.slice(0, cut) : undefined;
  if (server !== undefined && policy.mcp[`${server}__*`] !== undefined) {
    return policy.mcp[id] ?? policy.mcp[`${server}__*`];
  }
  return policy.tools[id] ?? policy.default;
}

function describeCall(params) {
  let text;
  try {
    text = JSON.stringify(params ?? {});
  } catch {
    text = "(unprintable input)";
  }
  return text.length > 480 ? `${text.slice(0, 477)}...` : text;
}

const entry = {
  id: "clawplane-tool-policy",
  name: "Clawplane tool policy",
  description: "Applies the agent's per-tool permission policy (allow, ask, deny).",
  register(api) {
    const policy = loadPolicy();
    api.on(
      "before_tool_call",
      (event) => {
        if (policy.broken) {
          return { block: true, blockReason: "The tool policy could not be read; no tool may run." };
        }
        const decision = decide(policy, event.toolName);
        if (decision === "deny") {
          return { block: true, blockReason: `The ${event.toolName} tool is disabled for this agent.` };
        }
        if (decision === "ask") {
          return {
            requireApproval: {
              title: `Run ${event.toolName}`.slice(0, 80),
              description: describeCall(event.params),
              severity: "warning",
              allowedDecisions: ["allow-once", "deny"],
              timeoutMs: MAX_TIMEOUT_MS,
            },
          };
        }
        return undefined;
      },
      { priority: 100 },
    );
  },
};

export default entry;
