import { describe, expect, it } from "vitest";
import { type AgentSpec, agentSpecFromCreate } from "../../src/domain/agent-spec";
import { fieldErrors } from "../../src/middleware/validation";
import { BUILTIN_TOOL_NAMES } from "../../src/schemas/agent-tools";
import { AgentCreateSchema, AgentListQuerySchema } from "../../src/schemas/agents";
import { apiError } from "./support";

/** Parses a body the way the route does, then builds the spec. */
function create(body: unknown): AgentSpec {
  return agentSpecFromCreate(AgentCreateSchema.parse(body));
}

const github = { type: "url", name: "github", url: "https://mcp.example.com/github" };
const weatherTool = {
  type: "custom",
  name: "get_weather",
  description: "Weather for a city",
  input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};

describe("agentSpecFromCreate", () => {
  it("fills defaults for a minimal agent", () => {
    expect(create({ name: "A", model: "claude-opus-4-8" })).toEqual({
      name: "A",
      description: null,
      model: { id: "claude-opus-4-8" },
      system: null,
      tools: [],
      mcp_servers: [],
      skills: [],
      multiagent: null,
      execution_identity: { type: "service_account" },
      session_limits: null,
      metadata: {},
    });
  });

  it("expands a bare agent toolset to all eight tools, allowed by default", () => {
    const [toolset] = create({ name: "A", model: "m", tools: [{ type: "agent_toolset_20260401" }] }).tools;
    expect(toolset?.type).toBe("agent_toolset_20260401");
    if (toolset?.type !== "agent_toolset_20260401") return;
    expect(toolset.default_config).toEqual({ enabled: true, permission_policy: { type: "always_allow" } });
    expect(toolset.configs.map((c) => c.name)).toEqual([...BUILTIN_TOOL_NAMES]);
    for (const config of toolset.configs) {
      expect(config).toMatchObject({
        type: config.name,
        enabled: true,
        permission_policy: { type: "always_allow" },
      });
    }
    expect(toolset.configs.find((c) => c.name === "web_fetch")).toHaveProperty("url_sources", null);
  });

  it("applies default_config and per-tool overrides", () => {
    const spec = create({
      name: "A",
      model: "m",
      tools: [
        {
          type: "agent_toolset_20260401",
          default_config: { permission_policy: { type: "always_ask" } },
          configs: [
            { name: "bash", enabled: false },
            { name: "web_fetch", allowed_domains: ["docs.example.com"], url_sources: { user_input: "none" } },
          ],
        },
      ],
    });
    const toolset = spec.tools[0];
    if (toolset?.type !== "agent_toolset_20260401") throw new Error("expected a toolset");
    expect(toolset.configs[0]).toEqual({
      type: "bash",
      name: "bash",
      enabled: false,
      permission_policy: { type: "always_ask" },
    });
    expect(toolset.configs.find((c) => c.name === "web_fetch")).toEqual({
      type: "web_fetch",
      name: "web_fetch",
      enabled: true,
      permission_policy: { type: "always_ask" },
      allowed_domains: ["docs.example.com"],
      url_sources: { client_tool_results: null, server_tool_results: null, user_input: { type: "none" } },
    });
  });

  it("expands an MCP toolset, asking by default", () => {
    const spec = create({
      name: "A",
      model: { id: "m", effort: "high", speed: null },
      mcp_servers: [github],
      tools: [
        {
          type: "mcp_toolset",
          mcp_server_name: "github",
          configs: [{ name: "create_issue", enabled: false }],
        },
      ],
    });
    expect(spec.model).toEqual({ id: "m", effort: { type: "high" } });
    expect(spec.tools[0]).toEqual({
      type: "mcp_toolset",
      mcp_server_name: "github",
      default_config: { enabled: true, permission_policy: { type: "always_ask" } },
      configs: [{ name: "create_issue", enabled: false, permission_policy: { type: "always_ask" } }],
    });
  });

  it("refuses skill references, naming each at its path (no skill can be resolved yet)", () => {
    const err = apiError(() =>
      create({
        name: "A",
        model: "m",
        skills: [
          { type: "anthropic", skill_id: "xlsx" },
          { type: "custom", skill_id: "skill_1", version: "3" },
        ],
      }),
    );
    expect(err.status).toBe(404);
    expect(err.code).toBe("skill_not_found");
    expect(err.message).toContain('"xlsx", "skill_1"');
    expect(err.fields?.map((f) => f.path)).toEqual(["skills.0", "skills.1"]);
    expect(create({ name: "A", model: "m", skills: [] }).skills).toEqual([]);
  });

  it("keeps custom tools and text fields", () => {
    const spec = create({
      name: "A",
      model: "m",
      description: "",
      system: "Be brief.",
      tools: [weatherTool],
      metadata: { team: "x" },
    });
    expect(spec.tools).toEqual([weatherTool]);
    expect(spec.description).toBeNull();
    expect(spec.system).toBe("Be brief.");
    expect(spec.metadata).toEqual({ team: "x" });
  });

  it.each([
    [
      "an undeclared MCP server",
      { tools: [{ type: "mcp_toolset", mcp_server_name: "gh" }] },
      "tools.0.mcp_server_name",
    ],
    ["an unreferenced MCP server", { mcp_servers: [github] }, "mcp_servers.0"],
    [
      "duplicate MCP server names",
      { mcp_servers: [github, github], tools: [{ type: "mcp_toolset", mcp_server_name: "github" }] },
      "mcp_servers.1.name",
    ],
    ["duplicate custom tool names", { tools: [weatherTool, weatherTool] }, "tools.1.name"],
    [
      "a custom tool named like a runtime tool",
      { tools: [{ ...weatherTool, name: "exec" }] },
      "tools.0.name",
    ],
    [
      "two agent toolsets",
      { tools: [{ type: "agent_toolset_20260401" }, { type: "agent_toolset_20260401" }] },
      "tools.1",
    ],
    [
      "a built-in tool configured twice",
      { tools: [{ type: "agent_toolset_20260401", configs: [{ name: "bash" }, { name: "bash" }] }] },
      "tools.0.configs.1.name",
    ],
    [
      "a URL-source filter naming an unknown custom tool",
      {
        tools: [
          weatherTool,
          {
            type: "agent_toolset_20260401",
            configs: [
              { name: "bash" },
              {
                name: "web_fetch",
                url_sources: {
                  client_tool_results: { type: "only", tools: [{ type: "tool_reference", name: "nope" }] },
                },
              },
            ],
          },
        ],
      },
      "tools.1.configs.1.url_sources.client_tool_results.tools.0.name",
    ],
    [
      "more than 256 tools",
      { tools: Array.from({ length: 257 }, (_, i) => ({ ...weatherTool, name: `t${i}` })) },
      "tools",
    ],
  ])("rejects %s with invalid_request at the field path", (_, extra, path) => {
    const err = apiError(() => create({ name: "A", model: "m", ...extra }));
    expect(err.code).toBe("invalid_request");
    expect(err.fields?.map((f) => f.path)).toContain(path);
  });

  it("rejects more than 20 MCP servers", () => {
    const servers = Array.from({ length: 21 }, (_, i) => ({ ...github, name: `s${i}` }));
    const tools = servers.map((s) => ({ type: "mcp_toolset", mcp_server_name: s.name }));
    const err = apiError(() => create({ name: "A", model: "m", mcp_servers: servers, tools }));
    expect(err.fields?.map((f) => f.path)).toEqual(["mcp_servers"]);
  });
});

describe("create body schema", () => {
  it("reports unknown top-level fields at their own path", () => {
    const result = AgentCreateSchema.safeParse({ name: "A", model: "m", nmae: "typo" });
    expect(result.success).toBe(false);
    expect(result.error && fieldErrors(result.error, "json")).toEqual([
      { path: "nmae", message: 'unknown field "nmae"' },
    ]);
  });

  it("requires name and model", () => {
    const result = AgentCreateSchema.safeParse({});
    expect(result.error?.issues.map((i) => i.path.join("."))).toEqual(["name", "model"]);
  });

  it("rejects allowed_domains combined with blocked_domains", () => {
    const config = { name: "web_search", allowed_domains: ["a.com"], blocked_domains: ["b.com"] };
    const tools = [{ type: "agent_toolset_20260401", configs: [config] }];
    const result = AgentCreateSchema.safeParse({ name: "A", model: "m", tools });
    expect(result.error?.issues[0]?.path.join(".")).toBe("tools.0.configs.0.blocked_domains");
  });
});

describe("query schemas", () => {
  it("parses list queries with defaults and bracketed ranges", () => {
    expect(AgentListQuerySchema.parse({})).toEqual({ limit: 20, include_archived: false });
    const parsed = AgentListQuerySchema.parse({
      limit: "1000",
      include_archived: "true",
      "created_at[gte]": "2026-01-01T00:00:00Z",
    });
    expect(parsed).toMatchObject({
      limit: 1000,
      include_archived: true,
      "created_at[gte]": "2026-01-01T00:00:00Z",
    });
    expect(AgentListQuerySchema.safeParse({ limit: "1001" }).success).toBe(false);
    expect(AgentListQuerySchema.safeParse({ include_archived: "yes" }).success).toBe(false);
    expect(AgentListQuerySchema.safeParse({ "created_at[lte]": "yesterday" }).success).toBe(false);
  });
});
