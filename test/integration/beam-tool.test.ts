import { describe, expect, it } from "vitest";
import { callJson, MINIMAL_AGENT } from "../helpers/api";

function pathsOf(body: { error: { details: { errors: { path: string }[] } } }) {
  return body.error.details.errors.map((e) => e.path);
}

describe("beam_agent tool", () => {
  it("stores a terse entry with every default filled in, versioned with the agent", async () => {
    const created = await callJson("/v1/agents", {
      body: { ...MINIMAL_AGENT, tools: [{ type: "beam_agent" }] },
    });
    expect(created.status).toBe(200);
    expect(created.body.tools).toEqual([
      {
        type: "beam_agent",
        default_agent: "claude",
        custom_command: null,
        default_timeout_seconds: 300,
        max_timeout_seconds: 1800,
        allow_publish: false,
        permission_policy: { type: "always_ask" },
      },
    ]);
    const updated = await callJson(`/v1/agents/${created.body.id}`, {
      body: {
        tools: [
          {
            type: "beam_agent",
            default_agent: "custom",
            custom_command: ["aider", "--yes", "--message"],
            default_timeout_seconds: 60,
            max_timeout_seconds: 600,
            allow_publish: true,
            permission_policy: { type: "always_allow" },
          },
        ],
      },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.version).toBe(2);
    expect(updated.body.tools[0]).toMatchObject({
      default_agent: "custom",
      allow_publish: true,
      max_timeout_seconds: 600,
    });
    const v1 = await callJson(`/v1/agents/${created.body.id}?version=1`);
    expect(v1.body.tools[0].default_agent).toBe("claude");
  });

  it("refuses inconsistent entries with field paths, storing nothing", async () => {
    const before = await callJson("/v1/agents?limit=1000");
    const cases: [unknown[], string][] = [
      [[{ type: "beam_agent", default_agent: "custom" }], "tools.0.custom_command"],
      [
        [{ type: "beam_agent", default_timeout_seconds: 900, max_timeout_seconds: 600 }],
        "tools.0.default_timeout_seconds",
      ],
      [[{ type: "beam_agent", max_timeout_seconds: 90_000 }], "tools.0.max_timeout_seconds"],
      [[{ type: "beam_agent", default_agent: "gemini" }], "tools.0.default_agent"],
      [[{ type: "beam_agent", custom_command: [] }], "tools.0.custom_command"],
      [[{ type: "beam_agent", shell: "bash" }], "tools.0.shell"],
      [[{ type: "beam_agent" }, { type: "beam_agent" }], "tools.1"],
      [
        [{ type: "custom", name: "beam_agent", description: "x", input_schema: { type: "object" } }],
        "tools.0.name",
      ],
    ];
    for (const [tools, path] of cases) {
      const res = await callJson("/v1/agents", { body: { ...MINIMAL_AGENT, tools } });
      expect(res.status, JSON.stringify(tools)).toBe(400);
      expect(pathsOf(res.body), JSON.stringify(tools)).toContain(path);
    }
    const after = await callJson("/v1/agents?limit=1000");
    expect(after.body.data.length).toBe(before.body.data.length);
  });
});
