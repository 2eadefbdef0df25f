/**
 * Warm pool size per environment (`config.warm_pool`) and per plane (`warm_pool`): validated at
 * their field paths with nothing stored on refusal, kept, changed and removed like the other
 * settings, and read back by the plan a session's runtime start uses (which pools, in which
 * order, what size, who pays). The pools themselves run with real gateways in
 * test/runtime/warm-pool.test.ts.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { newSessionRecord } from "../../src/session/session-record";
import { warmPoolPlanFor } from "../../src/session/warm-pool-settings";
import { callJson, MINIMAL_AGENT } from "../helpers/api";
import { addMember, createPlane, unique } from "../helpers/planes";

const createEnvironment = (config?: object) =>
  callJson("/v1/environments", { body: { name: unique("pool-env"), ...(config ? { config } : {}) } });

const updateEnvironment = (id: string, config: object) =>
  callJson(`/v1/environments/${id}`, { body: { config: { type: "cloud", ...config } } });

/** The plan a session of `agentId` in environment `environmentId` would start with. */
async function planFor(agentId: string, environmentId: string, packages?: object) {
  const environment = (await callJson(`/v1/environments/${environmentId}`)).body;
  const record = newSessionRecord({
    id: `sesn_${crypto.randomUUID().replaceAll("-", "")}`,
    agent: { id: agentId, type: "agent", version: 1 } as never,
    environment: {
      id: environmentId,
      spec: { ...environment, config: { ...environment.config, ...(packages ? { packages } : {}) } },
    },
    title: null,
    metadata: {},
    apiOrigin: "http://localhost",
  });
  return warmPoolPlanFor(env, record);
}

const newAgent = async () =>
  (await callJson("/v1/agents", { body: { ...MINIMAL_AGENT, name: unique("pool-agent") } })).body
    .id as string;

describe("an environment's config.warm_pool", () => {
  it("is null by default, set with a default idle TTL, kept by other updates, removed by null", async () => {
    const created = await createEnvironment();
    expect(created.status).toBe(200);
    expect(created.body.config.warm_pool).toBeNull();
    const id = created.body.id;

    const set = await updateEnvironment(id, { warm_pool: { min_idle: 1, max: 3 } });
    expect(set.status).toBe(200);
    expect(set.body.config.warm_pool).toEqual({ min_idle: 1, max: 3, idle_ttl_seconds: 1800 });

    const other = await updateEnvironment(id, { sleep_after_seconds: 120 });
    expect(other.body.config.warm_pool).toEqual({ min_idle: 1, max: 3, idle_ttl_seconds: 1800 });
    expect((await callJson(`/v1/environments/${id}`)).body.config.warm_pool).toEqual({
      min_idle: 1,
      max: 3,
      idle_ttl_seconds: 1800,
    });

    const off = await updateEnvironment(id, { warm_pool: { min_idle: 0, max: 0, idle_ttl_seconds: 60 } });
    expect(off.body.config.warm_pool).toEqual({ min_idle: 0, max: 0, idle_ttl_seconds: 60 });

    const removed = await updateEnvironment(id, { warm_pool: null });
    expect(removed.body.config.warm_pool).toBeNull();
  });

  it("refuses a bad size at its field path and stores nothing", async () => {
    const cases: [unknown, string][] = [
      [{ min_idle: 3, max: 2 }, "config.warm_pool.min_idle"],
      [{ min_idle: 0, max: 21 }, "config.warm_pool.max"],
      [{ min_idle: -1, max: 2 }, "config.warm_pool.min_idle"],
      [{ min_idle: 1.5, max: 2 }, "config.warm_pool.min_idle"],
      [{ min_idle: 1, max: "2" }, "config.warm_pool.max"],
      [{ min_idle: 1, max: 2, idle_ttl_seconds: 59 }, "config.warm_pool.idle_ttl_seconds"],
      [{ min_idle: 1, max: 2, idle_ttl_seconds: 86_401 }, "config.warm_pool.idle_ttl_seconds"],
      [{ max: 2 }, "config.warm_pool.min_idle"],
      [{ min_idle: 1, max: 2, size: 4 }, "config.warm_pool.size"],
    ];
    for (const [bad, path] of cases) {
      const name = unique("pool-env");
      const res = await callJson("/v1/environments", {
        body: { name, config: { type: "cloud", warm_pool: bad } },
      });
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(res.body.type).toBe("error");
      expect(
        res.body.error.details.errors.map((e: { path: string }) => e.path),
        JSON.stringify(bad),
      ).toContain(path);
      const list = await callJson("/v1/environments?limit=1000");
      expect(list.body.data.some((e: { name: string }) => e.name === name)).toBe(false);
    }
    // An update refused the same way leaves the stored size as it was.
    const id = (await createEnvironment({ type: "cloud", warm_pool: { min_idle: 1, max: 1 } })).body.id;
    const refused = await updateEnvironment(id, { warm_pool: { min_idle: 2, max: 1 } });
    expect(refused.status).toBe(400);
    expect((await callJson(`/v1/environments/${id}`)).body.config.warm_pool).toMatchObject({
      min_idle: 1,
      max: 1,
    });
  });
});

describe("a plane's warm_pool", () => {
  it("is set on create, returned, changed and removed by update; refused at its path", async () => {
    const plain = await createPlane();
    expect(plain.warm_pool).toBeNull();

    const plane = await createPlane({ warm_pool: { min_idle: 1, max: 2 } });
    expect(plane.warm_pool).toEqual({ min_idle: 1, max: 2, idle_ttl_seconds: 1800 });
    expect((await callJson(`/v1/planes/${plane.id}`)).body.warm_pool).toEqual(plane.warm_pool);

    const resized = await callJson(`/v1/planes/${plane.id}`, {
      body: { warm_pool: { min_idle: 0, max: 0 } },
    });
    expect(resized.status).toBe(200);
    expect(resized.body.warm_pool).toEqual({ min_idle: 0, max: 0, idle_ttl_seconds: 1800 });
    const kept = await callJson(`/v1/planes/${plane.id}`, { body: { description: "still off" } });
    expect(kept.body.warm_pool).toEqual({ min_idle: 0, max: 0, idle_ttl_seconds: 1800 });
    const removed = await callJson(`/v1/planes/${plane.id}`, { body: { warm_pool: null } });
    expect(removed.body.warm_pool).toBeNull();

    const name = unique("plane");
    const bad = await callJson("/v1/planes", {
      body: { name, template: { model: "claude-sonnet-4-6" }, warm_pool: { min_idle: 5, max: 25 } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.errors.map((e: { path: string }) => e.path)).toContain("warm_pool.max");
    expect((await callJson(`/v1/planes/${name}`)).status).toBe(404);

    // Members' environments take no pool of their own: the plane's serves them all.
    const perMember = await callJson("/v1/planes", {
      body: {
        name: unique("plane"),
        template: { model: "claude-sonnet-4-6" },
        environment: { warm_pool: { min_idle: 1, max: 1 } },
      },
    });
    expect(perMember.status).toBe(400);
    expect(perMember.body.error.details.errors[0].path).toMatch(/^environment/);
  });
});

describe("the plan a runtime start uses", () => {
  it("outside a plane: the environment's pool first, then the shared one; 0 = cold with the reason", async () => {
    const agent = await newAgent();
    const plain = (await createEnvironment()).body.id;
    expect(await planFor(agent, plain)).toEqual({
      kind: "pools",
      candidates: [expect.objectContaining({ key: "shared", scope: "deployment", size: null })],
    });

    const own = (await createEnvironment({ type: "cloud", warm_pool: { min_idle: 1, max: 2 } })).body.id;
    const plan = await planFor(agent, own, { npm: ["is-number@7.0.0"] });
    expect(plan.kind).toBe("pools");
    if (plan.kind !== "pools") return;
    expect(plan.candidates.map((c) => c.scope)).toEqual(["environment", "deployment"]);
    expect(plan.candidates[0]).toMatchObject({
      key: expect.stringMatching(new RegExp(`^env:${own}:pk-[0-9a-f]{16}@`)),
      ownerId: own,
      size: { min_idle: 1, max: 2, idle_ttl_seconds: 1800 },
      packages: { set: { npm: ["is-number@7.0.0"] } },
      billedTo: { type: "organization", id: null },
    });

    const off = (await createEnvironment({ type: "cloud", warm_pool: { min_idle: 0, max: 0 } })).body.id;
    expect(await planFor(agent, off)).toEqual({
      kind: "off",
      reason: expect.stringContaining(`environment ${off} has its warm pool set to 0`),
    });
  });

  it("a plane member's session: the plane's pool, billed to the plane; the plane's 0 boots cold", async () => {
    const plane = await createPlane({ warm_pool: { min_idle: 1, max: 2 }, instance_type: "standard-2" });
    const member = await addMember(plane.id, unique("m"));
    const plan = await planFor(member.agent_id, member.environment_id);
    expect(plan.kind).toBe("pools");
    if (plan.kind !== "pools") return;
    expect(plan.candidates.map((c) => c.scope)).toEqual(["plane", "deployment"]);
    expect(plan.candidates[0]).toMatchObject({
      key: `plane:${plane.id}@${plane.runtime_version}+standard-2`,
      size: { min_idle: 1, max: 2, idle_ttl_seconds: 1800 },
      billedTo: { type: "plane", id: plane.id },
    });

    await callJson(`/v1/planes/${plane.id}`, { body: { warm_pool: { min_idle: 0, max: 0 } } });
    expect(await planFor(member.agent_id, member.environment_id)).toEqual({
      kind: "off",
      reason: `plane ${plane.name} has its warm pool set to 0 (off): its members' sessions boot cold`,
    });

    // Removed from the plane's pool setting: the deployment's shared pool serves the member.
    await callJson(`/v1/planes/${plane.id}`, { body: { warm_pool: null } });
    const shared = await planFor(member.agent_id, member.environment_id);
    expect(shared.kind === "pools" && shared.candidates.map((c) => c.key)).toEqual(["shared"]);
  });
});
