import { describe, expect, it } from "vitest";
import { type AgentSpec, agentSpecFromCreate, applyAgentUpdate } from "../../src/domain/agent-spec";
import { AgentCreateSchema, AgentUpdateSchema } from "../../src/schemas/agents";
import { apiError } from "./support";

function create(body: unknown): AgentSpec {
  return agentSpecFromCreate(AgentCreateSchema.parse(body));
}

/** Parses an update body the way the route does, then applies it. */
function update(current: AgentSpec, body: unknown) {
  return applyAgentUpdate(current, AgentUpdateSchema.parse(body));
}

const github = { type: "url", name: "github", url: "https://mcp.example.com/github" };
const weatherTool = {
  type: "custom",
  name: "get_weather",
  description: "Weather for a city",
  input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};

describe("applyAgentUpdate", () => {
  const base = create({
    name: "A",
    model: { id: "m", effort: "low", inference_geo: "us" },
    description: "d",
    system: "s",
    mcp_servers: [github],
    tools: [
      { type: "agent_toolset_20260401" },
      { type: "mcp_toolset", mcp_server_name: "github" },
      weatherTool,
    ],
    metadata: { keep: "1", drop: "2" },
  });
  // An agent stored before skill references were refused may still hold one.
  base.skills = [{ type: "custom", skill_id: "skill_1", version: "3" }];

  it("preserves everything when fields are omitted, and reports no change", () => {
    expect(update(base, {})).toEqual({ spec: base, changed: false });
  });

  it("reports no change when the same values are sent again", () => {
    const same = {
      name: "A",
      description: "d",
      tools: [
        { type: "agent_toolset_20260401" },
        { type: "mcp_toolset", mcp_server_name: "github" },
        weatherTool,
      ],
      metadata: { keep: "1" },
      version: 1,
    };
    expect(update(base, same).changed).toBe(false);
  });

  it.each(["description", "system"] as const)("clears %s with null or an empty string", (field) => {
    expect(update(base, { [field]: null }).spec[field]).toBeNull();
    expect(update(base, { [field]: "" }).spec[field]).toBeNull();
    expect(update(base, { [field]: "" }).changed).toBe(true);
  });

  it("clears tools and MCP servers together, and skills, with null or []", () => {
    const { spec, changed } = update(base, { tools: null, mcp_servers: [], skills: null });
    expect(changed).toBe(true);
    expect(spec.tools).toEqual([]);
    expect(spec.mcp_servers).toEqual([]);
    expect(spec.skills).toEqual([]);
  });

  it("replaces arrays whole", () => {
    const { spec } = update(base, { tools: [weatherTool], mcp_servers: [] });
    expect(spec.tools).toEqual([weatherTool]);
  });

  it("re-checks cross-field rules on the result", () => {
    const err = apiError(() => update(base, { mcp_servers: [] }));
    expect(err.code).toBe("invalid_request");
    expect(err.fields?.map((f) => f.path)).toEqual(["tools.1.mcp_server_name"]);
  });

  it.each([
    [{ name: null }, "name"],
    [{ name: "" }, "name"],
    [{ model: null }, "model"],
  ])("refuses to clear %j", (body, path) => {
    const err = apiError(() => update(base, body));
    expect(err.code).toBe("invalid_request");
    expect(err.fields).toEqual([{ path, message: expect.stringMatching(/cannot be cleared/) }]);
  });

  it("keeps the stored effort when a new model omits it, but replaces the rest of the object", () => {
    expect(update(base, { model: "other" }).spec.model).toEqual({ id: "other", effort: { type: "low" } });
    expect(update(base, { model: { id: "m", effort: null } }).spec.model).toEqual({ id: "m" });
  });

  it("patches metadata, storing empty strings as values", () => {
    const { spec } = update(base, { metadata: { drop: null, add: "" } });
    expect(spec.metadata).toEqual({ keep: "1", add: "" });
  });

  it("throws invalid_metadata when the patched bag is too large", () => {
    const patch = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`n${i}`, "v"]));
    expect(apiError(() => update(base, { metadata: patch })).code).toBe("invalid_metadata");
  });

  it("restores the default execution identity with null", () => {
    const withRole = update(base, {
      execution_identity: { type: "aws_role", role_arn: "arn:aws:iam::1:role/r" },
    });
    expect(withRole.changed).toBe(true);
    expect(update(withRole.spec, { execution_identity: null }).spec.execution_identity).toEqual({
      type: "service_account",
    });
  });

  it("merges multiagent_20261001 settings level by level", () => {
    const first = update(base, {
      multiagent: { type: "multiagent_20261001", workflows: { type: "disabled" } },
    }).spec;
    expect(first.multiagent).toEqual({
      type: "multiagent_20261001",
      advisor: { type: "disabled" },
      subagents: { type: "enabled", inline_agents: { type: "enabled" }, predefined_agents: [] },
      workflows: { type: "disabled" },
    });
    const patch = {
      type: "multiagent_20261001",
      subagents: { type: "enabled", predefined_agents: ["agent_x"] },
    };
    const second = update(first, { multiagent: patch });
    expect(second.spec.multiagent).toMatchObject({
      workflows: { type: "disabled" },
      subagents: {
        inline_agents: { type: "enabled" },
        predefined_agents: [{ type: "agent", id: "agent_x" }],
      },
    });
    expect(update(second.spec, { multiagent: null }).spec.multiagent).toBeNull();
  });
});
