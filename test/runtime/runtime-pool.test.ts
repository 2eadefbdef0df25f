/**
 * The warm pool's bookkeeping (scripts/runtime-pool.mjs) with stand-in members: what it hands
 * out, when it refuses and why, how it refills. Boots no gateway; the pool with real gateways is
 * test/runtime/warm-pool.test.ts.
 */
import { describe, expect, it } from "vitest";
import {
  type PoolMember,
  poolSettings,
  RuntimePool,
  unclaimableReason,
} from "../../scripts/runtime-pool.mjs";
import { claim } from "../../scripts/runtime-supervisor.mjs";
import { waitUntil } from "./support";

/** A member runtime as the supervisor's `Runtime` looks to the pool: a gateway that can die. */
function fakeRuntime() {
  let exit: (value: { code: number | null; signal: string | null }) => void = () => {};
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    exit = resolve;
  });
  return {
    removed: false,
    stateDir: "/nonexistent/clawplane-fake-member",
    gateway: {
      pid: Math.floor(Math.random() * 1e6),
      origin: "http://127.0.0.1:9",
      ready: async () => {},
      exited: () => exited,
    },
    async remove() {
      this.removed = true;
    },
    die: () => exit({ code: null, signal: "SIGKILL" }),
  };
}

/** A pool whose members boot at once; the warm-up turn is skipped (no gateway to talk to). */
function poolOf(
  settings: { min: number; max: number; ttlMs?: number },
  meta?: ConstructorParameters<typeof RuntimePool>[2],
) {
  const spawned: ReturnType<typeof fakeRuntime>[] = [];
  const pool = new RuntimePool(
    poolSettings(settings),
    {
      spawn: async () => {
        const runtime = fakeRuntime();
        spawned.push(runtime);
        return runtime;
      },
      stubUrl: () => "http://127.0.0.1:9/pool/stub/v1",
    },
    meta,
  );
  // Applying a session's document needs a gateway's reload: here it is applied at once.
  pool.apply = async () => {};
  // The warm-up turn needs a real gateway; here a member is warm once spawned.
  pool.warm = async function (this: RuntimePool, member: PoolMember) {
    member.runtime = await this.hooks.spawn(member.id, {});
    (member.runtime as ReturnType<typeof fakeRuntime>).gateway.exited().then(() => this.died(member));
  };
  return { pool, spawned };
}

const SESSION_ENV = {
  OPENCLAW_GATEWAY_TOKEN: "g",
  CLAWPLANE_LLM_BASE_URL: "http://127.0.0.1:9/v1",
  CLAWPLANE_SESSION_TOKEN: "s",
  CLAWPLANE_SESSION_CONFIG: "{}",
};

describe("the warm pool's bookkeeping", () => {
  it("hands each warm member out once: claims made at the same moment never share one", async () => {
    const { pool } = poolOf({ min: 3, max: 3 });
    pool.fill();
    await waitUntil(() => pool.idle.length === 3, { what: "three idle members" });
    const taken = [
      pool.take(SESSION_ENV),
      pool.take(SESSION_ENV),
      pool.take(SESSION_ENV),
      pool.take(SESSION_ENV),
    ];
    const members = taken.flatMap((t) => ("member" in t ? [t.member.id] : []));
    expect(new Set(members).size).toBe(3);
    expect(taken[3]).toMatchObject({ code: "pool_empty" });
    expect(pool.status()).toMatchObject({ claims: 3, misses: 1 });
    await pool.close();
  });

  it("never holds more than max members, refills to min after claims, and says why a burst misses", async () => {
    const { pool, spawned } = poolOf({ min: 2, max: 2 });
    pool.fill();
    await waitUntil(() => pool.idle.length === 2, { what: "two idle members" });
    expect("member" in pool.take(SESSION_ENV)).toBe(true);
    expect("member" in pool.take(SESSION_ENV)).toBe(true);
    const miss = pool.take(SESSION_ENV);
    expect(miss).toMatchObject({ code: "pool_empty" });
    expect((miss as { reason: string }).reason).toMatch(/pool max 2/);
    await waitUntil(() => pool.idle.length === 2, { what: "the refill" });
    expect(spawned).toHaveLength(4);
    expect(pool.idle.length + pool.warming.size).toBeLessThanOrEqual(2);
    expect(pool.status()).toMatchObject({ claims: 2, misses: 1, refills: 4 });
    await pool.close();
  });

  it("replaces an idle member that dies, and expires idle ones after the TTL", async () => {
    const { pool, spawned } = poolOf({ min: 1, max: 1, ttlMs: 1_000 });
    pool.fill();
    await waitUntil(() => pool.idle.length === 1, { what: "an idle member" });
    const first = pool.idle[0];
    spawned[0]!.die();
    await waitUntil(() => pool.idle.length === 1 && pool.idle[0] !== first, { what: "a replacement" });
    expect(spawned[0]!.removed).toBe(true);
    expect(pool.status().replaced).toBe(1);
    await waitUntil(() => pool.status().expired >= 1 && pool.idle.length === 1, {
      timeoutMs: 5_000,
      what: "the TTL expiry and its refill",
    });
    expect(spawned[1]!.removed).toBe(true);
    await pool.close();
  });

  it("a claim tries the most specific pool first, falls back, and says why each earlier one missed", async () => {
    const env = poolOf({ min: 0, max: 1 }, { key: "env:env_1@d+d", scope: "environment" }).pool;
    const plane = poolOf(
      { min: 1, max: 1 },
      { key: "plane:plane_1@d+d", scope: "plane", billed_to: "plane:plane_1" },
    );
    const shared = poolOf({ min: 1, max: 1 }).pool;
    plane.pool.fill();
    shared.fill();
    await waitUntil(() => plane.pool.idle.length === 1 && shared.idle.length === 1, { what: "warm members" });
    // No refills from here on (each one warm member stays): a second claim of a pool finds it empty.
    plane.pool.resize(poolSettings({ min: 0, max: 1 }));
    shared.resize(poolSettings({ min: 0, max: 1 }));
    const runtimes = new Map();

    const first = await claim(runtimes, [env, plane.pool, shared], "sesn_a", SESSION_ENV);
    expect(first.outcome).toMatchObject({ outcome: "claimed", pool: "plane:plane_1@d+d", scope: "plane" });
    expect(first.outcome.tried).toEqual([
      { pool: "env:env_1@d+d", code: "pool_empty", reason: "every warm runtime is taken (pool max 1)" },
    ]);
    expect(runtimes.get("sesn_a")).toBe(first.runtime);
    expect(plane.pool.status()).toMatchObject({ claims: 1, billed_to: "plane:plane_1", scope: "plane" });

    // The plane's pool is empty now: the shared pool serves, both misses named.
    const second = await claim(runtimes, [env, plane.pool, shared], "sesn_b", SESSION_ENV);
    expect(second.outcome).toMatchObject({ outcome: "claimed", pool: "shared", scope: "deployment" });
    expect(second.outcome.tried?.map((t) => t.pool)).toEqual(["env:env_1@d+d", "plane:plane_1@d+d"]);
    expect(second.runtime).not.toBe(first.runtime);

    // Nothing left anywhere: the last pool's reason, the earlier ones in `tried`.
    const third = await claim(runtimes, [env, shared], "sesn_c", SESSION_ENV);
    expect(third.runtime).toBeUndefined();
    expect(third.outcome).toMatchObject({ outcome: "missed", code: "pool_empty" });
    expect(third.outcome.tried).toHaveLength(1);

    // Inputs only a boot can take are the same for every pool: one miss, no fall-through.
    const custom = await claim(runtimes, [env, shared], "sesn_d", { ...SESSION_ENV, GITHUB_TOKEN: "p" });
    expect(custom.outcome).toMatchObject({ outcome: "missed", code: "not_applicable" });
    expect(custom.outcome.tried).toBeUndefined();
    await Promise.all([env.close(), plane.pool.close(), shared.close()]);
  });

  it("with size 0 is off, and serves no session whose inputs only a boot can take", async () => {
    const off = poolOf({ min: 0, max: 0 }).pool;
    off.fill();
    expect(off.take(SESSION_ENV)).toEqual({ code: "pool_off", reason: "the warm pool is off (pool size 0)" });

    expect(unclaimableReason(SESSION_ENV)).toBeUndefined();
    expect(unclaimableReason({ ...SESSION_ENV, CLAWPLANE_CUSTOM_TOOLS: "[]" })).toBeUndefined();
    expect(unclaimableReason({ ...SESSION_ENV, CLAWPLANE_CUSTOM_TOOLS: '[{"name":"x"}]' })).toMatch(
      /custom tools/,
    );
    expect(unclaimableReason({ ...SESSION_ENV, GITHUB_TOKEN: "placeholder" })).toMatch(/GITHUB_TOKEN/);
    const { pool } = poolOf({ min: 1, max: 1 });
    expect(pool.take({ ...SESSION_ENV, GITHUB_TOKEN: "placeholder" })).toMatchObject({
      code: "not_applicable",
    });
    await pool.close();
  });
});
