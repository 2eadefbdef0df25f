import { describe, expect, it } from "vitest";
import { type AgentSpec, agentSpecFromCreate } from "../../src/domain/agent-spec";
import { inlineAgentSpec } from "../../src/domain/inline-agent";
import { AgentCreateSchema } from "../../src/schemas/agents";

/** The lead: bash asked first, read and write allowed, web tools off, an MCP server, may spawn. */
const lead: AgentSpec = agentSpecFromCreate(
  AgentCreateSchema.parse({
    name: "Lead",
    model: "claude-sonnet-4-6",
    system: "Lead the work.",
    mcp_servers: [{ type: "url", name: "docs", url: "https://mcp.example.com/mcp" }],
    tools: [
      {
        type: "agent_toolset_20260401",
        default_config: { enabled: true, permission_policy: { type: "always_allow" } },
        configs: [
          { name: "bash", permission_policy: { type: "always_ask" } },
          { name: "web_fetch", enabled: false },
          { name: "web_search", enabled: false },
        ],
      },
      { type: "mcp_toolset", mcp_server_name: "docs" },
    ],
    multiagent: { type: "multiagent_20261001", subagents: { type: "enabled" } },
  }),
);

function toolsetOf(spec: AgentSpec) {
  const toolset = spec.tools.find((t) => t.type === "agent_toolset_20260401");
  if (toolset?.type !== "agent_toolset_20260401") throw new Error("no toolset");
  return Object.fromEntries(toolset.configs.map((c) => [c.name, [c.enabled, c.permission_policy.type]]));
}

describe("inline sub-agents", () => {
  it("narrow the parent: own name and instructions, the parent's model, only the tools listed", () => {
    const result = inlineAgentSpec(lead, { name: "Checker", system: "Check it.", tools: ["bash", "read"] });
    if (!("spec" in result)) throw new Error(JSON.stringify(result.problems));
    const { spec } = result;
    expect(spec).toMatchObject({ name: "Checker", system: "Check it.", model: { id: "claude-sonnet-4-6" } });
    expect(spec.multiagent).toBeNull();
    expect(spec.mcp_servers).toEqual([]);
    expect(spec.tools.map((t) => t.type)).toEqual(["agent_toolset_20260401"]);
    // bash stays asked, as the parent's is; every tool not listed is disabled.
    expect(toolsetOf(spec)).toMatchObject({
      bash: [true, "always_ask"],
      read: [true, "always_allow"],
      write: [false, "always_allow"],
      edit: [false, "always_allow"],
      web_fetch: [false, "always_allow"],
    });
  });

  it("gets no tool at all unless it lists some", () => {
    const result = inlineAgentSpec(lead, { name: "Thinker" });
    expect("spec" in result && result.spec.tools).toEqual([]);
  });

  it("refuses what the parent cannot do, another model and unknown fields, with field paths", () => {
    const result = inlineAgentSpec(lead, {
      name: "",
      model: "claude-opus-4-6",
      tools: ["read", "web_fetch", "sudo"],
      mcp_servers: [],
    });
    expect("problems" in result && result.problems).toEqual([
      { path: "definition.mcp_servers", message: "is not a field of an inline agent" },
      { path: "definition.name", message: "must be a non-empty string of at most 64 characters" },
      {
        path: "definition.model",
        message: "an inline agent runs on its parent's model (claude-sonnet-4-6); it cannot choose another",
      },
      { path: "definition.tools.1", message: "web_fetch is not a tool this agent may use itself" },
      {
        path: "definition.tools.2",
        message: "must be one of bash, edit, read, write, glob, grep, web_fetch, web_search",
      },
    ]);
    expect(inlineAgentSpec(lead, "just do it")).toEqual({
      problems: [{ path: "definition", message: "must be an object with at least a name" }],
    });
  });
});
