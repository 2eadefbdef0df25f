import { describe, expect, it } from "vitest";
import * as plugin from "../../container/plugins/clawplane-tool-policy/policy.mjs";
import { expandTools } from "../../src/domain/agent-tools";
import {
  decisionFor,
  gatewayToolPolicy,
  mcpCallOf,
  openclawToolsConfig,
} from "../../src/session/tool-policy";
import table from "./tool-policy-cases.json";

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

describe("tools offered to the model", () => {
  const offered = (tools: Parameters<typeof gatewayToolPolicy>[0]) =>
    openclawToolsConfig(gatewayToolPolicy(tools));

  it("offers nothing to an agent without tools", () => {
    expect(offered([])).toEqual({ deny: ["*"] });
    expect(offered(toolset({ default_config: { enabled: false } }))).toEqual({ deny: ["*"] });
  });

  it("offers exactly the enabled tools, asked or not, and denies the disabled ones by name", () => {
    const config = offered(
      toolset({
        default_config: { enabled: false },
        configs: [
          { name: "read", enabled: true },
          { name: "bash", enabled: true, permission_policy: { type: "always_ask" } },
          { name: "write", enabled: true },
        ],
      }),
    );
    expect(config.allow).toEqual(["code_execution", "exec", "process", "read", "terminal", "write"]);
    // Named, so that OpenClaw's "write also allows apply_patch" cannot bring in a disabled edit.
    expect(config.deny).toEqual(expect.arrayContaining(["apply_patch", "edit", "web_fetch", "tool_search"]));
  });

  it("offers discovery with its dispatcher, and the MCP servers' tools with an MCP toolset", () => {
    const full = offered(toolset({}));
    expect(full.allow).toEqual(expect.arrayContaining(["tool_search", "tool_describe", "tool_call", "read"]));
    expect(full.allow).not.toContain("bundle-mcp");
    const mcp = offered(expandTools([{ type: "mcp_toolset", mcp_server_name: "docs" }] as never, []));
    expect(mcp.allow).toEqual(["bundle-mcp", "tool_call", "tool_describe", "tool_search"]);
  });

  it("offers and allows the agent's custom tools, never a runtime tool under a custom tool's name", () => {
    const custom = (name: string) => ({
      type: "custom",
      name,
      description: "d",
      input_schema: { type: "object" },
    });
    const policy = gatewayToolPolicy([custom("get_weather"), custom("exec")] as never);
    expect(decisionFor(policy, "get_weather")).toBe("allow");
    // An agent stored before such names were refused still gets no shell.
    expect(decisionFor(policy, "exec")).toBe("deny");
    expect(openclawToolsConfig(policy).allow).toEqual(["get_weather"]);
  });
});

describe("the beam_agent tool", () => {
  it("is offered with its own permission policy: approval first unless the agent says otherwise", () => {
    const asked = gatewayToolPolicy(expandTools([{ type: "beam_agent" }] as never, []));
    expect(decisionFor(asked, "beam_agent")).toBe("ask");
    expect(openclawToolsConfig(asked).allow).toEqual(["beam_agent"]);
    const allowed = gatewayToolPolicy(
      expandTools([{ type: "beam_agent", permission_policy: { type: "always_allow" } }] as never, []),
    );
    expect(decisionFor(allowed, "beam_agent")).toBe("allow");
    expect(decisionFor(gatewayToolPolicy([]), "beam_agent")).toBe("deny");
  });
});

describe("the gateway plugin's rule", () => {
  // The one table both rules are held to: a case the two decide differently fails here.
  const toolsets = table.toolsets as Record<string, unknown[]>;
  for (const { toolset, call, input, decision } of table.cases as Array<{
    toolset: string;
    call: string;
    input?: Record<string, unknown>;
    decision: string;
  }>) {
    it(`${toolset}: ${call} → ${decision}, in the Worker and in the plugin`, () => {
      const policy = gatewayToolPolicy(expandTools((toolsets[toolset] ?? []) as never, []));
      // The plugin reads the policy as the runtime hands it over: JSON in CLAWPLANE_TOOL_POLICY.
      const pluginPolicy = plugin.parsePolicy(JSON.stringify(policy));
      expect({
        worker: decisionFor(policy, call, input),
        plugin: plugin.decide(pluginPolicy, call),
      }).toEqual({ worker: decision, plugin: decision });
    });
  }

  it("blocks every tool when the policy cannot be read, and lets all run when there is none", () => {
    expect(plugin.parsePolicy("{not json").broken).toBe(true);
    expect(plugin.decide(plugin.parsePolicy(undefined), "exec")).toBe("allow");
  });
});
