import { describe, expect, it } from "vitest";
import { expandTools } from "../../src/domain/agent-tools";
import { decisionFor, gatewayToolPolicy, mcpCallOf } from "../../src/session/tool-policy";

const toolset = (params: Record<string, unknown>) =>
  expandTools([{ type: "agent_toolset_20260401", ...params } as never], []);

describe("gateway tool policy", () => {
  it("maps CMA permission policies onto OpenClaw's tool names", () => {
    const policy = gatewayToolPolicy(
      toolset({
        configs: [
          { name: "bash", permission_policy: { type: "always_ask" } },
          { name: "write", enabled: false },
          { name: "web_fetch", permission_policy: { type: "auto" } },
        ],
      }),
    );
    expect(decisionFor(policy, "exec")).toBe("ask");
    expect(decisionFor(policy, "process")).toBe("ask");
    expect(decisionFor(policy, "write")).toBe("deny");
    expect(decisionFor(policy, "web_fetch")).toBe("allow");
    expect(decisionFor(policy, "read")).toBe("allow");
    expect(decisionFor(policy, "apply_patch")).toBe("allow");
  });

  it("denies every built-in tool to an agent without the toolset, and OpenClaw's own tools always", () => {
    const none = gatewayToolPolicy([]);
    for (const tool of ["exec", "read", "write", "edit", "web_fetch", "gateway", "plugins", "cron"]) {
      expect(decisionFor(none, tool)).toBe("deny");
    }
    const all = gatewayToolPolicy(toolset({}));
    for (const tool of ["gateway", "plugins", "cron", "message", "sessions_spawn"]) {
      expect(decisionFor(all, tool)).toBe("deny");
    }
    expect(decisionFor(all, "session_status")).toBe("allow");
  });

  it("lets the toolset's default policy decide tools without their own config", () => {
    const asking = gatewayToolPolicy(
      toolset({ default_config: { permission_policy: { type: "always_ask" } } }),
    );
    expect(decisionFor(asking, "read")).toBe("ask");
    expect(decisionFor(asking, "session_status")).toBe("ask");
    const off = gatewayToolPolicy(toolset({ default_config: { enabled: false } }));
    expect(decisionFor(off, "exec")).toBe("deny");
  });

  it("decides MCP calls by server and tool", () => {
    const tools = expandTools(
      [
        {
          type: "mcp_toolset",
          mcp_server_name: "docs",
          configs: [{ name: "search", permission_policy: { type: "always_allow" } }],
        },
        { type: "mcp_toolset", mcp_server_name: "crm", configs: [{ name: "delete", enabled: false }] },
      ] as never,
      [],
    );
    const policy = gatewayToolPolicy(tools);
    expect(decisionFor(policy, "docs__search", {})).toBe("allow");
    expect(decisionFor(policy, "docs__write", {})).toBe("ask"); // CMA's MCP default
    expect(decisionFor(policy, "crm__delete", {})).toBe("deny");
    expect(decisionFor(policy, "other__anything", {})).toBe("deny"); // no toolset
    // The dispatcher of deferred tools passes; what it dispatches is decided on its own.
    expect(decisionFor(policy, "tool_call", { id: "crm__delete" })).toBe("allow");
    expect(decisionFor(policy, "tool_search")).toBe("allow");
    expect(mcpCallOf("docs__search", { q: "x" }, ["docs"])).toEqual({
      server: "docs",
      tool: "search",
      input: { q: "x" },
    });
    expect(mcpCallOf("exec", { command: "ls" }, ["docs"])).toBeNull();
  });
});
