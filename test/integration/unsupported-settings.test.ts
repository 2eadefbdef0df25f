/**
 * Settings the API's shapes accept but nothing here can act on yet are refused, never stored
 * and silently ignored: skill references (no Skills API) and self-hosted environments (no
 * environment work API). A refused request stores nothing.
 */
import { describe, expect, it } from "vitest";
import { callJson, MINIMAL_AGENT } from "../helpers/api";

const SKILLS = [
  { type: "anthropic", skill_id: "xlsx" },
  { type: "custom", skill_id: "skill_01abc", version: "2" },
];

async function agentNames(): Promise<string[]> {
  const { body } = await callJson("/v1/agents?limit=100");
  return body.data.map((a: { name: string }) => a.name);
}

describe("skill references", () => {
  it("are refused at create with 404 skill_not_found naming each skill, and no agent is stored", async () => {
    const name = `skills-${crypto.randomUUID()}`;
    const res = await callJson("/v1/agents", { body: { ...MINIMAL_AGENT, name, skills: SKILLS } });
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ type: "not_found_error" });
    expect(res.body.error.message).toContain('"xlsx", "skill_01abc"');
    expect(res.body.error.details.error_code).toBe("skill_not_found");
    expect(res.body.error.details.errors.map((f: { path: string }) => f.path)).toEqual([
      "skills.0",
      "skills.1",
    ]);
    expect(await agentNames()).not.toContain(name);
  });

  it("are refused on update and in a session's agent overrides, leaving the agent as it was", async () => {
    const agent = (await callJson("/v1/agents", { body: MINIMAL_AGENT })).body;
    const update = await callJson(`/v1/agents/${agent.id}`, {
      body: { version: agent.version, skills: SKILLS },
    });
    expect(update.status).toBe(404);
    expect((await callJson(`/v1/agents/${agent.id}`)).body).toMatchObject({ version: 1, skills: [] });

    const environment = (await callJson("/v1/environments", { body: { name: `sk-${crypto.randomUUID()}` } }))
      .body;
    const session = await callJson("/v1/sessions", {
      body: {
        agent: { type: "agent_with_overrides", id: agent.id, skills: [SKILLS[0]] },
        environment_id: environment.id,
      },
    });
    expect(session.status).toBe(404);
    expect(session.body.error.message).toContain('"xlsx"');
  });
});

describe("self-hosted environments", () => {
  it("are refused with 400 at config.type, saying why, and nothing is stored", async () => {
    const name = `self-hosted-${crypto.randomUUID()}`;
    const res = await callJson("/v1/environments", { body: { name, config: { type: "self_hosted" } } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain("environment work API");
    expect(res.body.error.details).toMatchObject({ error_code: "unsupported_environment_type" });
    expect(res.body.error.details.errors[0].path).toBe("config.type");
    const list = await callJson("/v1/environments?limit=100");
    expect(list.body.data.map((e: { name: string }) => e.name)).not.toContain(name);
  });
});
