/**
 * The container warm pool's cost, status and limits, in workerd with real coordinators and D1:
 * - a member's unclaimed time (claimed or expired) lands in the D1 ledger on its pool's billed
 *   party and calendar month, priced at `CONTAINER_POOL_USD_PER_HOUR`, never on another party;
 *   the org admin sees every party's totals, a plane's status only its own;
 * - `last_error` (with its time) for a member that fails to warm, cleared when one warms;
 * - the warming deadline outlasts a package install;
 * - a keyed pool stops and drains when its environment is archived or deleted, or its plane's
 *   budget is spent (the pool's own cost counted), and refills when the budget is raised.
 *
 * Members are reached through a recording driver (workerd runs no containers), as in
 * container-pool.test.ts; owners' standing is read from D1 for real here.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { PACKAGES_INSTALL_TIMEOUT_MS } from "../../src/config";
import { type PoolStanding, recordWarmPoolTime, warmSecondsByMonth } from "../../src/db/warm-pool-usage";
import { runtimePoolStatus } from "../../src/runtime/pool-status";
import {
  type MemberDriver,
  type RuntimePoolCoordinator,
  WARM_DEADLINE_MS,
} from "../../src/runtime/pool/pool-coordinator";
import { deploymentPoolKey, type KeyedPoolSpec, keyedPoolName } from "../../src/runtime/pool/pool-key";
import { warmPoolKey } from "../../src/runtime/warm-pool-plan";
import { callJson } from "../helpers/api";
import { addMember, createPlane, unique } from "../helpers/planes";
import { waitFor } from "../helpers/wait";

const KEY = deploymentPoolKey();
/** wrangler.toml's rate, which the tests run with. */
const RATE = Number(env.CONTAINER_POOL_USD_PER_HOUR);

/** Members warm when the test says so (or fail with `failWith`); records what it was asked. */
class TestDriver implements MemberDriver {
  readonly warmed: string[] = [];
  readonly destroyed: string[] = [];
  readonly assigned = new Map<string, string>();
  failWith: string | null = null;
  private readonly ready = new Set<string>();
  private readonly pending = new Set<string>();

  warm(name: string): Promise<void> {
    this.warmed.push(name);
    if (this.failWith) return Promise.reject(new Error(this.failWith));
    this.pending.add(name);
    return (async () => {
      while (!this.ready.has(name)) await new Promise((r) => setTimeout(r, 5));
    })();
  }
  finishWarming(): void {
    for (const name of this.pending) this.ready.add(name);
    this.pending.clear();
  }
  async assign(name: string, sessionId: string): Promise<void> {
    this.assigned.set(name, sessionId);
  }
  async alive(): Promise<boolean> {
    return true;
  }
  async destroy(name: string): Promise<void> {
    this.destroyed.push(name);
  }
}

const SIZE = { minIdle: 1, max: 1, ttlSeconds: 600 };

function spec(scope: "environment" | "plane", ownerId: string, size = SIZE): KeyedPoolSpec {
  const key = warmPoolKey(scope, ownerId, null, "default", "default");
  return {
    key,
    scope,
    ownerId,
    billedTo: scope === "plane" ? `plane:${ownerId}` : "organization",
    packages: null,
    size,
  };
}

/** The keyed pool's coordinator with a TestDriver; `standing` from D1 unless `fakeOwner`. */
async function driven(keyed: KeyedPoolSpec, opts: { fakeOwner?: boolean } = {}) {
  const stub = env.POOL_COORDINATORS.get(env.POOL_COORDINATORS.idFromName(keyedPoolName(keyed.key)));
  const driver = new TestDriver();
  await runInDurableObject(stub, (instance: RuntimePoolCoordinator) => {
    const o = instance as unknown as { driver: MemberDriver; standing: () => Promise<PoolStanding> };
    o.driver = driver;
    if (opts.fakeOwner) o.standing = async () => ({ ok: true });
  });
  return { stub, driver };
}

async function warmIdle(stub: DurableObjectStub<RuntimePoolCoordinator>, driver: TestDriver, idle: number) {
  await waitFor(
    async () => {
      driver.finishWarming();
      return (await stub.status(KEY)).idle === idle;
    },
    { what: `${idle} idle members` },
  );
}

/** Sets a pool member's times back (as if it had waited that long). */
async function age(
  stub: DurableObjectStub<RuntimePoolCoordinator>,
  name: string,
  times: Record<string, number>,
) {
  await runInDurableObject(stub, (instance: RuntimePoolCoordinator) => {
    const sql = (instance as unknown as { ctx: DurableObjectState }).ctx.storage.sql;
    for (const [column, at] of Object.entries(times))
      sql.exec(`UPDATE pool_members SET ${column} = ? WHERE name = ?`, at, name);
  });
}

type LedgerRow = { billed_to: string; month: string; warm_seconds: number; cost_usd: number };
async function ledger(billedTo: string): Promise<LedgerRow[]> {
  const { results } = await env.DB.prepare(
    "SELECT billed_to, month, warm_seconds, cost_usd FROM warm_pool_usage_monthly WHERE billed_to = ? ORDER BY month",
  )
    .bind(billedTo)
    .all<LedgerRow>();
  return results;
}

const month = (at: number) => new Date(at).toISOString().slice(0, 7);
const HOUR = 3_600_000;

describe("the warm pool's cost ledger", () => {
  it("puts a claimed and an expired member's unclaimed time on its plane and month, never on another plane", async () => {
    const planeA = `plane_${crypto.randomUUID().slice(0, 8)}`;
    const planeB = `plane_${crypto.randomUUID().slice(0, 8)}`;
    const a = await driven(spec("plane", planeA, { minIdle: 2, max: 2, ttlSeconds: 600 }), {
      fakeOwner: true,
    });
    const b = await driven(spec("plane", planeB), { fakeOwner: true });
    await a.stub.resize(KEY, spec("plane", planeA, { minIdle: 2, max: 2, ttlSeconds: 600 }));
    await b.stub.resize(KEY, spec("plane", planeB));
    await warmIdle(a.stub, a.driver, 2);
    await warmIdle(b.stub, b.driver, 1);
    const [first, second] = a.driver.warmed as [string, string];
    const now = Date.now();
    // The first waited 2 h before its claim (the oldest idle, so the one claimed); the second
    // was booted 3 h ago and has been idle 20 min, past its TTL.
    await age(a.stub, first, { booted_at: now - 2 * HOUR, since: now - 2 * HOUR + 60_000 });
    await age(a.stub, second, { booted_at: now - 3 * HOUR, since: now - 20 * 60_000 });
    const claim = await a.stub.claim(KEY, "sesn_cost_a");
    expect(claim).toMatchObject({ outcome: "claimed", member: first });
    expect(await runDurableObjectAlarm(a.stub)).toBe(true);
    await waitFor(() => a.driver.destroyed.includes(second), { what: "the expired member destroyed" });
    await waitFor(async () => ((await ledger(`plane:${planeA}`))[0]?.warm_seconds ?? 0) >= 5 * 3600, {
      what: "plane A's ledger",
    });
    const [row, ...others] = await ledger(`plane:${planeA}`);
    // This month only (the times are within it unless the test runs in a month's first 3 h).
    if (now - 3 * HOUR >= Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), 1)) {
      expect(others).toEqual([]);
      expect(row?.month).toBe(month(now));
    }
    // 2 h + 3 h, plus the refills' few seconds since (charged at the alarm).
    const total = (await ledger(`plane:${planeA}`)).reduce((n, r) => n + r.warm_seconds, 0);
    expect(total).toBeGreaterThanOrEqual(5 * 3600);
    expect(total).toBeLessThan(5 * 3600 + 120);
    const cost = (await ledger(`plane:${planeA}`)).reduce((n, r) => n + r.cost_usd, 0);
    expect(cost).toBeCloseTo((total * RATE) / 3600, 6);
    // Plane B's pool ran no alarm and had no claim: nothing of A's is on it.
    expect(await ledger(`plane:${planeB}`)).toEqual([]);
  });

  it("splits a member's time at a month's end, each part on its own month", async () => {
    const planeId = `plane_${crypto.randomUUID().slice(0, 8)}`;
    const keyed = spec("plane", planeId);
    const { stub, driver } = await driven(keyed, { fakeOwner: true });
    await stub.resize(KEY, keyed);
    await warmIdle(stub, driver, 1);
    const now = Date.now();
    const monthStart = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), 1);
    const booted = monthStart - HOUR;
    await age(stub, driver.warmed[0] as string, { booted_at: booted, since: booted });
    expect(await stub.claim(KEY, "sesn_cost_split")).toMatchObject({ outcome: "claimed" });
    await waitFor(async () => (await ledger(`plane:${planeId}`)).length === 2, { what: "two months" });
    const [previous, current] = await ledger(`plane:${planeId}`);
    expect(previous).toMatchObject({ month: month(monthStart - 1), warm_seconds: 3600 });
    expect(current?.month).toBe(month(now));
    expect(current?.warm_seconds).toBeGreaterThanOrEqual((now - monthStart) / 1000);
    expect(warmSecondsByMonth(booted, monthStart + 1000)).toEqual([
      { month: month(booted), seconds: 3600 },
      { month: month(monthStart), seconds: 1 },
    ]);
  });

  it("shows the org admin every party's totals, and a plane's status only its own", async () => {
    const plane = await createPlane();
    const other = `plane_${crypto.randomUUID().slice(0, 8)}`;
    const now = Date.now();
    await recordWarmPoolTime(env.DB, `plane:${plane.id}`, now - 2 * HOUR, now - HOUR, RATE);
    await recordWarmPoolTime(env.DB, `plane:${other}`, now - 2 * HOUR, now - 1.5 * HOUR, RATE);
    const admin = await callJson("/v1/runtime_pool");
    expect(admin.status).toBe(200);
    expect(admin.body.cost).toMatchObject({ month: month(now), usd_per_hour: RATE });
    const billed = admin.body.cost.billed as { billed_to: string; warm_seconds: number; cost_usd: number }[];
    expect(billed.find((b) => b.billed_to === `plane:${plane.id}`)).toEqual({
      billed_to: `plane:${plane.id}`,
      warm_seconds: 3600,
      cost_usd: RATE,
    });
    expect(billed.find((b) => b.billed_to === `plane:${other}`)).toMatchObject({ warm_seconds: 1800 });
    expect(admin.body.cost.warm_seconds).toBe(billed.reduce((n, b) => n + b.warm_seconds, 0));
    expect(admin.body.cost.cost_usd).toBeCloseTo(
      billed.reduce((n, b) => n + b.cost_usd, 0),
      5,
    );
    const status = await callJson(`/v1/planes/${plane.id}/status`);
    expect(status.status).toBe(200);
    expect(status.body.runtime_pool.cost.billed).toEqual([
      { billed_to: `plane:${plane.id}`, warm_seconds: 3600, cost_usd: RATE },
    ]);
    expect(status.body.totals.warm_pool_cost_this_month_usd).toBe(RATE);
    // The members' cost is theirs alone: the pool's is not added to it.
    expect(status.body.totals.cost_this_month_usd).toBe(0);
  });
});

describe("a container pool's last_error", () => {
  it("reports the last warm-up failure with its time, and clears it once a member warms", async () => {
    const planeId = `plane_${crypto.randomUUID().slice(0, 8)}`;
    const keyed = spec("plane", planeId);
    const { stub, driver } = await driven(keyed, { fakeOwner: true });
    driver.failWith = 'installing pip package "nope-404" failed: no matching distribution';
    const before = Date.now();
    await stub.resize(KEY, keyed);
    await waitFor(async () => (await stub.status(KEY)).last_error !== null, { what: "the failure recorded" });
    const status = await stub.status(KEY);
    expect(status.last_error).toMatch(/nope-404.*no matching distribution/);
    expect(status.last_error_at).toBeGreaterThanOrEqual(before);
    const listed = await runtimePoolStatus(env, `plane:${planeId}`);
    expect(listed.pools[0]).toMatchObject({
      key: keyed.key,
      last_error: expect.stringMatching(/nope-404/),
      last_error_at: new Date(status.last_error_at as number).toISOString(),
    });
    // The back-off over, the next member warms: the error is gone.
    driver.failWith = null;
    await runInDurableObject(stub, (instance: RuntimePoolCoordinator) => {
      (instance as unknown as { ctx: DurableObjectState }).ctx.storage.kv.put("backoff_until", 0);
    });
    await runDurableObjectAlarm(stub);
    await warmIdle(stub, driver, 1);
    expect(await stub.status(KEY)).toMatchObject({ last_error: null, last_error_at: null });
  });
});

describe("the warming deadline", () => {
  it("keeps a member still installing packages past 15 minutes; gives up one past the deadline, saying so", async () => {
    expect(WARM_DEADLINE_MS).toBeGreaterThan(PACKAGES_INSTALL_TIMEOUT_MS);
    const keyed = spec("environment", `env_${crypto.randomUUID().slice(0, 8)}`, {
      minIdle: 2,
      max: 2,
      ttlSeconds: 600,
    });
    const { stub, driver } = await driven(keyed, { fakeOwner: true });
    await stub.resize(KEY, keyed);
    await waitFor(() => driver.warmed.length === 2, { what: "two members warming" });
    const [installing, stuck] = driver.warmed as [string, string];
    const now = Date.now();
    // One has been warming as long as a package install may take; the other past the deadline.
    await age(stub, installing, { since: now - PACKAGES_INSTALL_TIMEOUT_MS - 1000 });
    await age(stub, stuck, { since: now - WARM_DEADLINE_MS - 1000 });
    await runDurableObjectAlarm(stub);
    await waitFor(() => driver.destroyed.includes(stuck), { what: "the stuck member given up" });
    expect(driver.destroyed).not.toContain(installing);
    const status = await stub.status(KEY);
    expect(status.last_error).toBe(
      `${stuck}: did not warm up within ${Math.round(WARM_DEADLINE_MS / 60_000)} min`,
    );
  });
});

describe("keyed pools whose owner is gone", () => {
  async function environmentWithPool() {
    const created = await callJson("/v1/environments", {
      body: { name: unique("env"), config: { type: "cloud" } },
    });
    expect(created.status).toBe(200);
    const id = created.body.id as string;
    const keyed = spec("environment", id);
    const pool = await driven(keyed);
    const set = await callJson(`/v1/environments/${id}`, {
      body: { config: { type: "cloud", warm_pool: { min_idle: 1, max: 1, idle_ttl_seconds: 600 } } },
    });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    await warmIdle(pool.stub, pool.driver, 1);
    return { id, keyed, ...pool };
  }

  /** A plane (and its first member) whose own pool holds one idle member. */
  async function planeWithPool(options: { monthly_budget_usd?: number } = {}) {
    const plane = await createPlane(options);
    const member = await addMember(plane.id, unique("m"));
    const keyed = spec("plane", plane.id);
    keyed.key = warmPoolKey("plane", plane.id, null, plane.runtime_version, plane.instance_type);
    const pool = await driven(keyed);
    const set = await callJson(`/v1/planes/${plane.id}`, {
      body: { warm_pool: { min_idle: 1, max: 1, idle_ttl_seconds: 600 } },
    });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    await warmIdle(pool.stub, pool.driver, 1);
    return { plane, member, ...pool };
  }

  it("drains an archived environment's pool, and a claim carrying its old size boots nothing", async () => {
    const { id, keyed, stub, driver } = await environmentWithPool();
    expect((await callJson(`/v1/environments/${id}/archive`, { method: "POST" })).status).toBe(200);
    await waitFor(() => driver.destroyed.length === 1, {
      what: "the archived environment's member destroyed",
    });
    expect(await stub.status(KEY)).toMatchObject({ idle: 0, warming: 0, max: 0 });
    // A claim that still carries the old size (a start planned before the archive) refills nothing.
    const claim = await stub.claim(KEY, "sesn_archived", keyed);
    expect(claim).toMatchObject({ outcome: "missed", code: "pool_off" });
    expect(claim.outcome === "missed" && claim.reason).toMatch(new RegExp(`environment ${id} is archived`));
    expect(driver.warmed).toHaveLength(1);
    expect((await stub.status(KEY)).stopped).toMatch(/archived/);
  });

  it("drains a deleted environment's pool", async () => {
    const { id, stub, driver } = await environmentWithPool();
    expect((await callJson(`/v1/environments/${id}`, { method: "DELETE" })).status).toBe(200);
    await waitFor(() => driver.destroyed.length === 1, {
      what: "the deleted environment's member destroyed",
    });
    expect(await stub.status(KEY)).toMatchObject({ idle: 0, warming: 0, max: 0 });
  });

  it("stops a plane's pool when its last member is removed, and for good when the plane is deleted", async () => {
    const { plane, member, stub, driver } = await planeWithPool();
    const removed = await callJson(`/v1/planes/${plane.id}/members/${member.id}`, { method: "DELETE" });
    expect(removed.status, JSON.stringify(removed.body)).toBe(200);
    await runDurableObjectAlarm(stub);
    await waitFor(() => driver.destroyed.length === 1, { what: "the member-less plane's pool drained" });
    expect((await stub.status(KEY)).stopped).toBe(`plane ${plane.id} has no members`);
    expect((await callJson(`/v1/planes/${plane.id}`, { method: "DELETE" })).status).toBe(200);
    expect(await stub.status(KEY)).toMatchObject({
      idle: 0,
      warming: 0,
      stopped: `plane ${plane.id} was deleted`,
    });
    expect(driver.warmed).toHaveLength(1);
  });

  it("stops a plane's pool once the plane's budget is spent, its pool's cost counted, and refills when it is raised", async () => {
    const { plane, stub, driver } = await planeWithPool({ monthly_budget_usd: 1 });
    // The pool's own waiting cost this month reaches the plane's budget (1 member × $1).
    const now = Date.now();
    await recordWarmPoolTime(env.DB, `plane:${plane.id}`, now - 2000, now - 1000, 3600);
    await runDurableObjectAlarm(stub);
    await waitFor(() => driver.destroyed.length === 1, { what: "the idle member drained" });
    const stopped = await stub.status(KEY);
    expect(stopped).toMatchObject({ idle: 0, warming: 0 });
    expect(stopped.stopped).toMatch(/budget for \d{4}-\d{2} is spent/);
    const claim = await stub.claim(KEY, "sesn_over_budget");
    expect(claim).toMatchObject({ outcome: "missed", code: "pool_off" });
    expect(driver.warmed).toHaveLength(1);
    // The plane's admin raises the budget: the pool fills again at once.
    expect((await callJson(`/v1/planes/${plane.id}`, { body: { monthly_budget_usd: 100 } })).status).toBe(
      200,
    );
    await waitFor(() => driver.warmed.length === 2, { what: "the pool refilling" });
    expect((await stub.status(KEY)).stopped).toBeNull();
  });
});
