import { describe, expect, it } from "vitest";
import { callJson, MINIMAL_AGENT } from "../helpers/api";

async function newAgent(extra: Record<string, unknown> = {}) {
  const { status, body } = await callJson("/v1/agents", { body: { ...MINIMAL_AGENT, ...extra } });
  expect(status).toBe(200);
  return body;
}

describe("agents", () => {
  it("returns the CMA agent shape with defaults filled in", async () => {
    const agent = await newAgent();
    expect(agent).toEqual({
      id: expect.stringMatching(/^agent_[0-9A-Za-z]{24}$/),
      type: "agent",
      name: "Support",
      description: null,
      model: { id: "claude-sonnet-4-6" },
      system: null,
      tools: [],
      mcp_servers: [],
      skills: [],
      multiagent: null,
      execution_identity: { type: "service_account" },
      session_limits: null,
      metadata: {},
      version: 1,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      updated_at: agent.created_at,
      archived_at: null,
    });
  });

  it("does not create a version for an update that changes nothing", async () => {
    const agent = await newAgent({ system: "Be brief." });
    const same = await callJson(`/v1/agents/${agent.id}`, { body: { system: "Be brief.", name: "Support" } });
    expect(same.body.version).toBe(1);
    const versions = await callJson(`/v1/agents/${agent.id}/versions`);
    expect(versions.body.data).toHaveLength(1);
  });

  it("lets exactly one of two concurrent updates from the same version win", async () => {
    const agent = await newAgent();
    const results = await Promise.all(
      ["first", "second"].map((system) =>
        callJson(`/v1/agents/${agent.id}`, { body: { system, version: 1 } }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const loser = results.find((r) => r.status === 409)!;
    expect(loser.body.error.details.error_code).toBe("version_conflict");
    expect(loser.res.headers.get("x-should-retry")).toBe("false");
    const latest = await callJson(`/v1/agents/${agent.id}`);
    expect(latest.body.version).toBe(2);
    expect(latest.body.system).toBe(results.find((r) => r.status === 200)!.body.system);
  });

  it("applies updates without `version` unconditionally", async () => {
    const agent = await newAgent();
    await callJson(`/v1/agents/${agent.id}`, { body: { system: "a" } });
    const second = await callJson(`/v1/agents/${agent.id}`, { body: { system: "b" } });
    expect(second.body.version).toBe(3);
  });

  it("keeps an archived agent readable but frozen, and hides it from lists by default", async () => {
    const agent = await newAgent({ metadata: { suite: "archive" } });
    const archived = await callJson(`/v1/agents/${agent.id}/archive`, { method: "POST" });
    expect(archived.body.archived_at).not.toBeNull();
    const again = await callJson(`/v1/agents/${agent.id}/archive`, { method: "POST" });
    expect(again.body.archived_at).toBe(archived.body.archived_at);

    const update = await callJson(`/v1/agents/${agent.id}`, { body: { system: "x" } });
    expect(update.status).toBe(400);
    expect(update.body.error.details.error_code).toBe("agent_archived");
    expect((await callJson(`/v1/agents/${agent.id}`)).body.id).toBe(agent.id);

    const live = await callJson("/v1/agents?limit=1000");
    expect(live.body.data.map((a: { id: string }) => a.id)).not.toContain(agent.id);
    const all = await callJson("/v1/agents?limit=1000&include_archived=true");
    expect(all.body.data.map((a: { id: string }) => a.id)).toContain(agent.id);
  });

  it("filters lists by creation time", async () => {
    const before = new Date(Date.now() - 1).toISOString();
    const agent = await newAgent();
    const after = await callJson(`/v1/agents?limit=1000&created_at[gte]=${encodeURIComponent(before)}`);
    expect(after.body.data.map((a: { id: string }) => a.id)).toContain(agent.id);
    const earlier = await callJson(`/v1/agents?limit=1000&created_at[lte]=${encodeURIComponent(before)}`);
    expect(earlier.body.data.map((a: { id: string }) => a.id)).not.toContain(agent.id);
  });

  it("rejects cross-field mistakes with the offending path", async () => {
    const res = await callJson("/v1/agents", {
      body: {
        ...MINIMAL_AGENT,
        mcp_servers: [{ type: "url", name: "docs", url: "https://mcp.example.com" }],
        tools: [{ type: "mcp_toolset", mcp_server_name: "other" }],
      },
    });
    expect(res.status).toBe(400);
    const paths = res.body.error.details.errors.map((e: { path: string }) => e.path);
    expect(paths.some((p: string) => p.startsWith("tools.0") || p.startsWith("mcp_servers.0"))).toBe(true);

    const cleared = await callJson(`/v1/agents/${(await newAgent()).id}`, { body: { name: null } });
    expect(cleared.status).toBe(400);
    expect(cleared.body.error.details.errors[0].path).toBe("name");
  });
});
