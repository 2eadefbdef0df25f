/**
 * The container warm pool's decisions and identity, in workerd with real Durable Objects
 * (RuntimePoolCoordinator, RuntimePoolMember, SessionDO) and the real outbound entrypoints.
 *
 * workerd runs no containers (the vitest plugin turns them off), so a member's container cannot
 * boot here: the coordinator's members are reached through its MemberDriver, replaced in these
 * tests by one that records what it was asked and lets the test say when a member is warm,
 * alive or dead. The member's own container path (boot, warm-up, claim, hot reload) runs in the
 * e2e with real containers (test/e2e/container-pool.e2e.test.ts). The local Docker stand-in does
 * not intercept container egress, so the identity of a pool container's outbound calls is proven
 * here, by calling the entrypoints exactly as the interception binds them (`props: { poolMember }`).
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { egressPolicyFor } from "../../src/egress/policy";
import type { RuntimeStartOptions } from "../../src/runtime/agent-runtime";
import type { ContainerRuntime } from "../../src/runtime/container-runtime";
import type { PoolStanding } from "../../src/db/warm-pool-usage";
import { runtimePoolStatus } from "../../src/runtime/pool-status";
import type { MemberDriver, RuntimePoolCoordinator } from "../../src/runtime/pool/pool-coordinator";
import {
  deploymentPoolKey,
  type KeyedPoolSpec,
  keyedPoolName,
  type PoolKey,
  poolName,
} from "../../src/runtime/pool/pool-key";
import type { RuntimePoolMember } from "../../src/runtime/pool/pool-member";
import { keyedSpec, PooledContainerRuntime } from "../../src/runtime/pool/pooled-runtime";
import {
  planWarmPool,
  type WarmPoolCandidate,
  type WarmPoolPlan,
  warmPoolKey,
} from "../../src/runtime/warm-pool-plan";
import { packageSetKey } from "../../src/session/environment-packages";
import { announceWarmPool } from "../../src/session/warm-pool-settings";
import { callJson, MINIMAL_AGENT } from "../helpers/api";
import { duringTurn, mintSessionToken } from "../helpers/session-token";
import { waitFor } from "../helpers/wait";

const KEY: PoolKey = { runtimeVersion: "test", instanceType: "standard-1" };

/** A member driver whose members warm when the test says so; tracks how many are in the pool at once. */
class TestDriver implements MemberDriver {
  readonly warmed: string[] = [];
  /** The package set each member was asked to install while warming. */
  readonly warmedWith = new Map<string, unknown>();
  readonly assigned = new Map<string, string>();
  readonly destroyed: string[] = [];
  readonly dead = new Set<string>();
  /** Members the test let finish warming (a flag, not a resolver: promises cannot cross from the test's I/O context into the object's). */
  private readonly ready = new Set<string>();
  private readonly pending = new Set<string>();

  warm(name: string, packages?: unknown): Promise<void> {
    this.warmed.push(name);
    this.warmedWith.set(name, packages ?? null);
    this.pending.add(name);
    return (async () => {
      while (!this.ready.has(name)) await new Promise((r) => setTimeout(r, 5));
    })();
  }
  /** Lets every member still warming finish. */
  finishWarming(): number {
    const n = this.pending.size;
    for (const name of this.pending) this.ready.add(name);
    this.pending.clear();
    return n;
  }
  async assign(name: string, sessionId: string): Promise<void> {
    if (this.assigned.has(name)) throw new Error(`${name} was handed out twice`);
    this.assigned.set(name, sessionId);
  }
  async alive(name: string): Promise<boolean> {
    return !this.dead.has(name);
  }
  async destroy(name: string): Promise<void> {
    this.destroyed.push(name);
  }
}

/** A fresh coordinator (its own name) sized as given, with a TestDriver for its members. */
async function coordinator(size: { min: number; max: number; ttl?: number }) {
  const stub = env.POOL_COORDINATORS.get(env.POOL_COORDINATORS.idFromName(`test:${crypto.randomUUID()}`));
  const driver = new TestDriver();
  await runInDurableObject(stub, (instance: RuntimePoolCoordinator) => {
    const o = instance as unknown as { driver: MemberDriver; env: Env };
    o.driver = driver;
    o.env = {
      ...o.env,
      CONTAINER_POOL_MIN_IDLE: String(size.min),
      CONTAINER_POOL_MAX: String(size.max),
      CONTAINER_POOL_TTL_SECONDS: String(size.ttl ?? 600),
    };
  });
  return { stub, driver };
}

/** Fills the pool and lets its members warm until `idle` are idle. */
async function filled(stub: DurableObjectStub<RuntimePoolCoordinator>, driver: TestDriver, idle: number) {
  await stub.status(KEY);
  await waitFor(
    async () => {
      driver.finishWarming();
      return (await stub.status(KEY)).idle === idle;
    },
    { what: `${idle} idle members` },
  );
}

describe("RuntimePoolCoordinator", () => {
  it("hands two concurrent claims two different members, and refills in the background", async () => {
    const { stub, driver } = await coordinator({ min: 2, max: 2 });
    await filled(stub, driver, 2);
    const [a, b] = await Promise.all([stub.claim(KEY, "sesn_a"), stub.claim(KEY, "sesn_b")]);
    expect(a.outcome).toBe("claimed");
    expect(b.outcome).toBe("claimed");
    const members = [a, b].map((c) => (c.outcome === "claimed" ? c.member : ""));
    expect(new Set(members).size).toBe(2);
    expect(driver.assigned.get(members[0] as string)).toBe("sesn_a");
    expect(driver.assigned.get(members[1] as string)).toBe("sesn_b");
    // Claimed members left the pool; two new ones are warming to get back to the min.
    const status = await stub.status(KEY);
    expect(status).toMatchObject({ claims: 2, misses: 0, refills: 4, idle: 0, warming: 2 });
    expect(driver.warmed).toHaveLength(4);
    expect(members.every((m) => !driver.destroyed.includes(m))).toBe(true);
  });

  it("never exceeds its max under a burst: the claims beyond it miss with pool_empty", async () => {
    const { stub, driver } = await coordinator({ min: 2, max: 2 });
    await filled(stub, driver, 2);
    const claims = await Promise.all(Array.from({ length: 6 }, (_, i) => stub.claim(KEY, `sesn_burst_${i}`)));
    const claimed = claims.filter((c) => c.outcome === "claimed");
    const missed = claims.filter((c) => c.outcome === "missed");
    expect(claimed).toHaveLength(2);
    expect(new Set(claimed.map((c) => c.outcome === "claimed" && c.member)).size).toBe(2);
    expect(missed).toHaveLength(4);
    for (const miss of missed) {
      expect(miss).toMatchObject({ outcome: "missed", code: "pool_empty" });
      expect(miss.outcome === "missed" && miss.reason).toMatch(/pool max 2/);
    }
    // The misses did not boot beyond the max: the first two members plus two refills in all.
    driver.finishWarming();
    const status = await stub.status(KEY);
    expect(status).toMatchObject({ claims: 2, misses: 4, refills: 4 });
    expect(status.idle + status.warming).toBe(2);
    expect(driver.warmed).toHaveLength(4);
  });

  it("expires a member idle past its TTL and replaces a dead one, refilling each", async () => {
    const { stub, driver } = await coordinator({ min: 2, max: 2, ttl: 600 });
    await filled(stub, driver, 2);
    const [first, second] = driver.warmed as [string, string];
    // The first member has waited past its TTL.
    await runInDurableObject(stub, (instance: RuntimePoolCoordinator) => {
      const sql = (instance as unknown as { ctx: DurableObjectState }).ctx.storage.sql;
      const then = Date.now() - 601_000;
      sql.exec("UPDATE pool_members SET since = ?, booted_at = ? WHERE name = ?", then, then, first);
    });
    // The second one's container died.
    driver.dead.add(second);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    await waitFor(() => driver.destroyed.length === 2, { what: "both members destroyed" });
    expect(driver.destroyed.sort()).toEqual([first, second].sort());
    const status = await stub.status(KEY);
    expect(status).toMatchObject({ expired: 1, replaced: 1, refills: 4, warming: 2, idle: 0 });
    // The pool's unclaimed time is the pool's cost.
    expect(status.warm_seconds).toBeGreaterThanOrEqual(601);
    // Neither of them is handed out any more.
    await filled(stub, driver, 2);
    const claim = await stub.claim(KEY, "sesn_after");
    expect(claim.outcome === "claimed" && [first, second].includes(claim.member)).toBe(false);
  });

  it("says pool_off and boots nothing when its size is 0", async () => {
    const { stub, driver } = await coordinator({ min: 0, max: 0 });
    expect(await stub.claim(KEY, "sesn_off")).toMatchObject({ outcome: "missed", code: "pool_off" });
    expect(driver.warmed).toEqual([]);
  });

  it("counts its idle members for a start at create without waking the pool (status would fill it)", async () => {
    const { stub, driver } = await coordinator({ min: 2, max: 2 });
    expect(await stub.idleCount()).toBe(0);
    // Asking booted nothing: a session's create never starts a pool that nothing woke.
    expect(driver.warmed).toHaveLength(0);
    await filled(stub, driver, 2);
    expect(await stub.idleCount()).toBe(2);
    expect((await stub.claim(KEY, "sesn_idle_count")).outcome).toBe("claimed");
    expect(await stub.idleCount()).toBe(1);
  });

  it("misses with claim_failed when the member handed out cannot be assigned", async () => {
    const { stub, driver } = await coordinator({ min: 1, max: 1 });
    await filled(stub, driver, 1);
    driver.assign = async () => {
      throw new Error("container gone");
    };
    expect(await stub.claim(KEY, "sesn_x")).toMatchObject({ outcome: "missed", code: "claim_failed" });
    await waitFor(() => driver.destroyed.length === 1, { what: "the dead member destroyed" });
  });
});

describe("a pool container's outbound identity", () => {
  let a: { sessionId: string; token: string };
  let b: { sessionId: string; token: string };

  async function newSession() {
    const env_ = await callJson("/v1/environments", {
      body: { name: `pool-${crypto.randomUUID()}`, config: { type: "cloud" } },
    });
    const agent = await callJson("/v1/agents", { body: MINIMAL_AGENT });
    const session = await callJson("/v1/sessions", {
      body: { agent: agent.body.id, environment_id: env_.body.id },
    });
    const token = (await mintSessionToken(session.body.id)) as string;
    expect(token).toMatch(/^cpst_/);
    return { sessionId: session.body.id as string, token };
  }

  /** Puts the member in a state its container cannot reach here (no containers in workerd). */
  async function memberState(name: string, state: "idle" | "claimed" | "retired", sessionId: string | null) {
    const stub = env.POOL_MEMBERS.get(env.POOL_MEMBERS.idFromName(name));
    await runInDurableObject(stub, (instance: RuntimePoolMember) => {
      const kv = (instance as unknown as { ctx: DurableObjectState }).ctx.storage.kv;
      kv.put("member", {
        name,
        state,
        poolToken: "pool-token",
        sessionId,
        bootedAt: Date.now(),
        readyAt: Date.now(),
      });
    });
  }

  const modelCall = (member: string, token: string) =>
    exports.LlmProxyEntrypoint({ props: { poolMember: member } }).fetch(
      new Request("http://llm.clawplane.internal/v1/chat/completions", {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "default", messages: [{ role: "user", content: "hi" }] }),
      }),
    );

  beforeAll(async () => {
    a = await newSession();
    b = await newSession();
  });

  it("refuses every proxy before a session claims the container", async () => {
    const member = `pool:test:identity:${crypto.randomUUID()}`;
    await memberState(member, "idle", null);
    const llm = await duringTurn(a.sessionId, () => modelCall(member, a.token));
    expect(llm.status).toBe(503);
    expect(await llm.text()).toContain("not_configured");
    const props = { props: { poolMember: member } };
    const auth = { authorization: `Bearer ${a.token}` };
    const mcp = await exports
      .McpProxyEntrypoint(props)
      .fetch(new Request("http://mcp.clawplane.internal/docs", { method: "POST", headers: auth }));
    expect(mcp.status).toBe(503);
    expect(await mcp.text()).toContain("no session has claimed this runtime");
    const peers = await exports
      .PeerCallEntrypoint(props)
      .fetch(new Request("http://peers.clawplane.internal/v1/peers", { headers: auth }));
    expect(peers.status).toBe(503);
    expect(await peers.text()).toContain("no session has claimed this runtime");
    const beams = await exports
      .BeamCallEntrypoint(props)
      .fetch(new Request("http://beams.clawplane.internal/delegate", { method: "POST", headers: auth }));
    expect(beams.status).toBe(503);
    expect(await beams.text()).toContain("no session has claimed this runtime");
  });

  it("serves a claimed container's model calls as its session, metered there, and refuses another session's token", async () => {
    const member = `pool:test:identity:${crypto.randomUUID()}`;
    await memberState(member, "claimed", a.sessionId);
    const served = await duringTurn(a.sessionId, () => modelCall(member, a.token));
    expect(served.status).toBe(200);
    expect((await served.json<any>()).choices[0].message.content).toBeTruthy();
    await waitFor(
      async () => ((await callJson(`/v1/sessions/${a.sessionId}`)).body.usage?.output_tokens ?? 0) > 0,
      { what: "the call metered to session A" },
    );
    // B's token from A's container: refused, and nothing metered to B.
    const foreign = await duringTurn(b.sessionId, () => modelCall(member, b.token));
    expect(foreign.status).toBe(401);
    await foreign.text();
    expect((await callJson(`/v1/sessions/${b.sessionId}`)).body.usage?.output_tokens ?? 0).toBe(0);
  });

  it("refuses a retired container's calls (single use: its session stopped it)", async () => {
    const member = `pool:test:identity:${crypto.randomUUID()}`;
    await memberState(member, "retired", a.sessionId);
    const res = await duringTurn(a.sessionId, () => modelCall(member, a.token));
    expect(res.status).toBe(503);
    await res.text();
  });
});

/**
 * The session side of the pool with a warm-pool plan (warm-pool-plan.ts): PooledContainerRuntime
 * claims through one coordinator per candidate, most specific first. Run inside a Durable Object
 * (its storage keeps the claimed member's name). The session's own container and the members'
 * `apply` cannot run here (no containers in workerd): `own` records its boots, and the members
 * answer `apply` as a member whose gateway took the document does.
 */
describe("PooledContainerRuntime with a warm-pool plan", () => {
  const SIZE = { min_idle: 1, max: 1, idle_ttl_seconds: 600 };
  const PACKAGES = { key: "a".repeat(64), set: { pip: ["requests"] } };

  /** Gives the named coordinator a TestDriver (and, for the shared pool, the deployment's size). */
  async function driven(name: string, deployment?: { min: number; max: number }) {
    const stub = env.POOL_COORDINATORS.get(env.POOL_COORDINATORS.idFromName(name));
    const driver = new TestDriver();
    await runInDurableObject(stub, (instance: RuntimePoolCoordinator) => {
      const o = instance as unknown as {
        driver: MemberDriver;
        env: Env;
        standing: () => Promise<PoolStanding>;
      };
      o.driver = driver;
      // These pools' owners exist only in the plan, not in D1 (warm-pool-cost.test.ts checks owners for real).
      o.standing = async () => ({ ok: true });
      if (deployment)
        o.env = {
          ...o.env,
          CONTAINER_POOL_MIN_IDLE: String(deployment.min),
          CONTAINER_POOL_MAX: String(deployment.max),
        };
    });
    return { stub, driver };
  }

  /** Starts a session's runtime through PooledContainerRuntime with `plan`; says what happened. */
  async function start(plan: WarmPoolPlan) {
    return startWith({
      env: { OPENCLAW_GATEWAY_TOKEN: "t", CLAWPLANE_SESSION_CONFIG: "{}" },
      enableInternet: true,
      warmPool: true,
      warmPoolPlan: plan,
    });
  }

  /**
   * Asks PooledContainerRuntime whether `options` would be served warm (`hasWarmIdle`), then
   * starts with the very same options; says both.
   */
  async function startWith(options: RuntimeStartOptions, opts: { ask?: boolean } = {}) {
    const sessionId = `sesn_${crypto.randomUUID().replaceAll("-", "")}`;
    const applied: string[] = [];
    let ownBoots = 0;
    const members = {
      idFromName: (name: string) => name,
      get: (name: string) => ({
        apply: async () => {
          applied.push(name);
          return 7;
        },
        destroy: async () => undefined,
        isRunning: async () => true,
      }),
    } as unknown as Env["POOL_MEMBERS"];
    const own = {
      start: async () => {
        ownBoots += 1;
      },
    } as unknown as ContainerRuntime;
    const host = env.POOL_COORDINATORS.get(env.POOL_COORDINATORS.idFromName(`host:${sessionId}`));
    const { warm, result } = await runInDurableObject(host, async (_instance, state) => {
      const runtime = new PooledContainerRuntime({
        own,
        kv: state.storage.kv,
        sessionId,
        env: { POOL_MEMBERS: members, POOL_COORDINATORS: env.POOL_COORDINATORS },
      });
      const warm = opts.ask ? await runtime.hasWarmIdle(options) : undefined;
      return { warm, result: await runtime.start(options) };
    });
    return { sessionId, result, applied, ownBoots, warm };
  }

  const planFor = (opts: {
    planeSize?: typeof SIZE | { min_idle: 0; max: 0; idle_ttl_seconds: 600 };
    envSize?: typeof SIZE;
  }) => {
    const planeId = `plane_${crypto.randomUUID().slice(0, 8)}`;
    const plan = planWarmPool({
      deploymentEnabled: true,
      runtimeVersion: "default",
      instanceType: "default",
      environment: {
        id: `env_${crypto.randomUUID().slice(0, 8)}`,
        warmPool: opts.envSize ?? null,
        packages: PACKAGES,
      },
      plane: opts.planeSize
        ? {
            id: planeId,
            name: "ops",
            warmPool: opts.planeSize,
            runtimeVersion: "2026.1.1",
            instanceType: "standard-1",
          }
        : null,
    });
    return { plan, planeId };
  };

  const sharedName = () => poolName(deploymentPoolKey());

  it("serves a plane member's session from the plane's pool, whose members warmed with the packages", async () => {
    const { plan, planeId } = planFor({ planeSize: SIZE });
    const candidate = plan.kind === "pools" ? plan.candidates[0] : undefined;
    expect(candidate?.scope).toBe("plane");
    const { stub, driver } = await driven(keyedPoolName(candidate?.key ?? ""));
    // A settings save sizes the pool before any claim (routes announce it).
    await stub.resize(deploymentPoolKey(), keyedSpec(candidate as WarmPoolCandidate) as KeyedPoolSpec);
    await waitFor(
      async () => {
        driver.finishWarming();
        return (await stub.status(deploymentPoolKey())).idle === 1;
      },
      { what: "the plane's pool warm" },
    );
    expect(driver.warmedWith.get(driver.warmed[0] as string)).toEqual(PACKAGES);
    const { sessionId, result, applied, ownBoots } = await start(plan);
    expect(result?.pool).toMatchObject({ outcome: "claimed", pool: candidate?.key, scope: "plane" });
    expect(result?.pool).not.toHaveProperty("tried");
    expect(ownBoots).toBe(0);
    expect(applied).toEqual([driver.warmed[0]]);
    expect(driver.assigned.get(driver.warmed[0] as string)).toBe(sessionId);
    const status = await stub.status(deploymentPoolKey());
    expect(status).toMatchObject({ claims: 1, keyed: { billedTo: `plane:${planeId}`, scope: "plane" } });
  });

  it("boots cold with pool_off when the plane's pool is 0, without taking the shared pool's", async () => {
    const shared = await driven(sharedName(), { min: 1, max: 1 });
    await filled(shared.stub, shared.driver, 1);
    const { plan } = planFor({ planeSize: { min_idle: 0, max: 0, idle_ttl_seconds: 600 } });
    const { result, ownBoots } = await start(plan);
    expect(result?.pool).toMatchObject({ outcome: "missed", code: "pool_off" });
    expect(result?.pool?.outcome === "missed" && result.pool.reason).toMatch(
      /plane ops has its warm pool set to 0/,
    );
    expect(ownBoots).toBe(1);
    expect((await shared.stub.status(KEY)).claims).toBe(0);
    expect(shared.driver.assigned.size).toBe(0);
  });

  it("falls through an environment pool's miss to the shared pool, reporting what it tried", async () => {
    const shared = await driven(sharedName(), { min: 1, max: 1 });
    await filled(shared.stub, shared.driver, 1);
    const { plan } = planFor({ envSize: SIZE });
    const envCandidate = plan.kind === "pools" ? plan.candidates[0] : undefined;
    expect(envCandidate?.scope).toBe("environment");
    const envPool = await driven(keyedPoolName(envCandidate?.key ?? ""));
    const { result, ownBoots } = await start(plan);
    expect(result?.pool).toMatchObject({
      outcome: "claimed",
      pool: "shared",
      scope: "deployment",
      tried: [{ pool: envCandidate?.key, code: "pool_empty" }],
    });
    expect(ownBoots).toBe(0);
    // The miss told the environment's pool its size: it warms a member with the environment's packages.
    await waitFor(() => envPool.driver.warmed.length === 1, { what: "the environment's pool filling" });
    expect(envPool.driver.warmedWith.get(envPool.driver.warmed[0] as string)).toEqual(PACKAGES);
  });

  it("says a start is served warm exactly when its start would claim: the pool's bypass rules decide both", async () => {
    // An environment's pool of its own (a fresh environment), one member warm.
    const { plan } = planFor({ envSize: SIZE });
    const candidate = (plan.kind === "pools" ? plan.candidates[0] : undefined) as WarmPoolCandidate;
    const pool = await driven(keyedPoolName(candidate.key));
    await pool.stub.resize(deploymentPoolKey(), keyedSpec(candidate) as KeyedPoolSpec);
    const oneIdle = () =>
      waitFor(
        async () => {
          pool.driver.finishWarming();
          return (await pool.stub.status(deploymentPoolKey())).idle === 1;
        },
        { what: "the environment's pool warm" },
      );
    await oneIdle();
    const base = {
      env: { OPENCLAW_GATEWAY_TOKEN: "t", CLAWPLANE_SESSION_CONFIG: "{}" },
      enableInternet: true,
      warmPool: true,
      warmPoolPlan: plan,
    };
    const bypassing: Array<[string, RuntimeStartOptions, RegExp]> = [
      [
        "limited networking",
        {
          ...base,
          egress: egressPolicyFor(
            { type: "limited", allowed_hosts: [], allow_mcp_servers: false, allow_package_managers: false },
            [],
          ),
        },
        /limited networking/,
      ],
      ["environment_variable credentials", { ...base, substituteSecrets: true }, /environment_variable/],
      [
        "custom tools",
        { ...base, env: { ...base.env, CLAWPLANE_CUSTOM_TOOLS: '[{"name":"x"}]' } },
        /custom tools/,
      ],
      ["a credential's variable", { ...base, env: { ...base.env, GITHUB_TOKEN: "cpsec_p" } }, /GITHUB_TOKEN/],
    ];
    for (const [what, options, why] of bypassing) {
      const { warm, result, ownBoots } = await startWith(options, { ask: true });
      expect(warm, what).toMatchObject({ idle: false, why: expect.stringMatching(why) });
      expect(result?.pool, what).toMatchObject({ outcome: "missed", code: "not_applicable" });
      expect(ownBoots, what).toBe(1);
    }
    expect((await pool.stub.status(deploymentPoolKey())).claims).toBe(0);
    // A session none of them applies to: yes, and its start claims.
    await oneIdle();
    const { warm, result, ownBoots } = await startWith(base, { ask: true });
    expect(warm).toEqual({ idle: true });
    expect(result?.pool).toMatchObject({ outcome: "claimed", pool: candidate.key });
    expect(ownBoots).toBe(0);
  });

  const NO_PACKAGES = { apt: [], cargo: [], gem: [], go: [], npm: [], pip: [] };

  it("drains an environment's pool for a package set it no longer has when its settings are saved", async () => {
    const envId = `env_${crypto.randomUUID().slice(0, 8)}`;
    const before = { pip: ["requests"] };
    const after = { pip: ["httpx"] };
    const keyOf = async (set: Record<string, string[]>) =>
      warmPoolKey("environment", envId, { key: await packageSetKey(set), set }, "default", "default");
    const old = await driven(keyedPoolName(await keyOf(before)));
    const next = await driven(keyedPoolName(await keyOf(after)));
    await announceWarmPool(env, {
      scope: "environment",
      id: envId,
      warmPool: SIZE,
      packages: { ...NO_PACKAGES, ...before },
    });
    await filled(old.stub, old.driver, 1);
    // The environment's packages changed: its sessions now claim from the new set's pool.
    await announceWarmPool(env, {
      scope: "environment",
      id: envId,
      warmPool: SIZE,
      packages: { ...NO_PACKAGES, ...after },
    });
    await waitFor(() => old.driver.destroyed.length === 1, { what: "the old set's member destroyed" });
    expect(await old.stub.status(KEY)).toMatchObject({ max: 0, idle: 0, warming: 0 });
    await waitFor(() => next.driver.warmed.length === 1, { what: "the new set's pool filling" });
  });

  it("lists the keyed container pools in GET /v1/runtime_pool, each with billed_to; a plane's status only its own", async () => {
    const { plan, planeId } = planFor({ planeSize: SIZE });
    const candidate = (plan.kind === "pools" ? plan.candidates[0] : undefined) as WarmPoolCandidate;
    const { stub } = await driven(keyedPoolName(candidate.key));
    await stub.resize(deploymentPoolKey(), keyedSpec(candidate) as KeyedPoolSpec);
    await waitFor(
      async () => {
        const res = await callJson("/v1/runtime_pool");
        return res.body.pools?.some((p: { key: string }) => p.key === candidate.key);
      },
      { what: "the plane's pool listed" },
    );
    const listed = await callJson("/v1/runtime_pool");
    expect(listed.status).toBe(200);
    expect(listed.body.pools[0]).toMatchObject({
      key: "shared",
      scope: "deployment",
      billed_to: "organization",
    });
    expect(listed.body.pools.find((p: { key: string }) => p.key === candidate.key)).toMatchObject({
      scope: "plane",
      owner_id: planeId,
      billed_to: `plane:${planeId}`,
      packages_key: PACKAGES.key,
      min_idle: 1,
      max: 1,
    });
    const planes = await runtimePoolStatus(env, `plane:${planeId}`);
    expect(planes.pools.map((p) => p.key)).toEqual([candidate.key]);
  });
});
