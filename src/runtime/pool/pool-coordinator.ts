/**
 * `RuntimePoolCoordinator`: one per pool key (runtime version + instance type, pool-key.ts), the
 * only place that decides which warm container a session gets.
 *
 * - Claims: a member leaves the pool in one synchronous SQL step (no await between finding an
 *   idle member and marking it claimed), so two concurrent claims never get the same one; it is
 *   then assigned to its session on the member itself, and never returned.
 * - Size: `containerPoolSize` (pool-size.ts) on every decision: `minIdle` kept idle or warming,
 *   never more than `max` members in the pool; a claim finding none idle misses with `pool_empty`
 *   and the session boots cold.
 * - Background (alarm): refills, expires members idle past their TTL, replaces members whose
 *   container died, gives up members that could not warm in time. The pool fills on first
 *   contact (a claim or a status read) and keeps its alarm while it has members or a min.
 * - Cost: a member's container-seconds from boot to claim (or expiry) are the pool's, counted
 *   here per key (`warm_seconds`) and written to D1 per billed party and month with their
 *   estimated cost (src/db/warm-pool-usage.ts): when a member leaves the pool, and for members
 *   still in it at every check, so the ledger trails by at most one check. From its claim on a
 *   runtime is its session's.
 * - Standing: a keyed pool boots nothing, and drains, while its owner is deleted or archived or
 *   (a plane's) its budget is spent; re-checked at every check, save and claim that finds it
 *   stopped.
 * - `last_error`: the last boot or warm-up failure and its time, until a member warms again.
 *
 * Members are reached through {@link MemberDriver}; the real one is RuntimePoolMember objects.
 */
import { DurableObject } from "cloudflare:workers";
import { RUNTIME_READY_DEADLINE_MS, PACKAGES_INSTALL_TIMEOUT_MS } from "../../config";
import {
  keyedPoolStanding,
  type PoolStanding,
  recordWarmPoolTime,
  warmPoolRate,
} from "../../db/warm-pool-usage";
import { describeError, log } from "../../lib/log";
import type { WarmPoolOutcome } from "../agent-runtime";
import { type KeyedPoolSpec, keyedPoolName, POOL_REGISTRY_NAME, type PoolKey, poolName } from "./pool-key";
import { type ContainerPoolSize, containerPoolSize } from "./pool-size";

/** How the coordinator reaches its members (RuntimePoolMember RPC in production). */
export interface MemberDriver {
  /** Boots and warms (installing `packages`, when given); resolves once claimable. */
  warm(name: string, packages?: KeyedPoolSpec["packages"]): Promise<void>;
  /** Records the claiming session on the member; rejects when it cannot serve (dead, retired). */
  assign(name: string, sessionId: string): Promise<void>;
  /** Whether an idle member's container is still up. */
  alive(name: string): Promise<boolean>;
  /** Destroys an unclaimed member's container and retires it. */
  destroy(name: string, reason: string): Promise<void>;
}

export function memberDriver(env: Env): MemberDriver {
  const member = (name: string) => env.POOL_MEMBERS.get(env.POOL_MEMBERS.idFromName(name));
  return {
    warm: (name, packages) => member(name).warm(name, packages ?? null),
    assign: (name, sessionId) => member(name).assign(sessionId),
    alive: (name) => member(name).alive(),
    destroy: (name, reason) => member(name).destroy(null, reason),
  };
}

export type ClaimAnswer =
  | { outcome: "claimed"; member: string }
  | Extract<WarmPoolOutcome, { outcome: "missed" }>;

export interface PoolCounters {
  claims: number;
  misses: number;
  refills: number;
  replaced: number;
  expired: number;
  /** Container-seconds pool members ran unclaimed (the pool's cost, not any session's). */
  warm_seconds: number;
}

export interface CoordinatorStatus extends PoolCounters {
  /** A keyed pool's spec (without its size); absent for the deployment's pool. */
  keyed?: Omit<KeyedPoolSpec, "size">;
  min_idle: number;
  max: number;
  ttl_seconds: number;
  idle: number;
  warming: number;
  /** The last boot or warm-up failure (cleared when a member warms), and when it happened (ms). */
  last_error: string | null;
  last_error_at: number | null;
  /** Why a keyed pool boots nothing and drains now (owner deleted or archived, plane budget spent); null: it does not. */
  stopped: string | null;
}

/**
 * A member that has not warmed within this is given up and replaced: its gateway's boot, then the
 * longest package install a session would wait for (a keyed pool's members install the
 * environment's packages while warming), then a minute for the warm-up turn. Derived from the
 * same two limits a session's own start uses, so a member still installing is never given up.
 */
export const WARM_DEADLINE_MS = RUNTIME_READY_DEADLINE_MS + PACKAGES_INSTALL_TIMEOUT_MS + 60_000;
/** A plane pool stopped by its spent budget or for want of members is re-checked this often. */
const STOPPED_RECHECK_MS = 5 * 60_000;
/** How often the alarm checks members while the pool has any. */
const CHECK_EVERY_MS = 30_000;
/** After a member failed to warm, no new boot for this long (no tight loop on a broken image). */
const FAILED_WARM_BACKOFF_MS = 15_000;

const ZERO: PoolCounters = { claims: 0, misses: 0, refills: 0, replaced: 0, expired: 0, warm_seconds: 0 };

type MemberRow = {
  name: string;
  state: "warming" | "idle";
  since: number;
  booted_at: number;
  /** Up to when its unclaimed time is in the D1 ledger (null: none of it yet). */
  charged_until: number | null;
};

export class RuntimePoolCoordinator extends DurableObject<Env> {
  /** How members are reached; a workerd test (no containers) substitutes its own. */
  protected driver: MemberDriver;
  /** Whether a keyed pool's owner still wants members (D1); a workerd test may substitute its own. */
  protected standing: (owner: { scope: "environment" | "plane"; id: string }) => Promise<PoolStanding>;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.driver = memberDriver(env);
    this.standing = (owner) => keyedPoolStanding(this.env.DB, owner);
    ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS pool_members (
         name TEXT PRIMARY KEY, state TEXT NOT NULL, since INTEGER NOT NULL, booted_at INTEGER NOT NULL,
         charged_until INTEGER)`,
    );
    // Pools created before the cost ledger: their table lacks the column.
    const columns = ctx.storage.sql.exec<{ name: string }>("PRAGMA table_info(pool_members)").toArray();
    if (!columns.some((c) => c.name === "charged_until"))
      ctx.storage.sql.exec("ALTER TABLE pool_members ADD COLUMN charged_until INTEGER");
  }

  /**
   * Hands one idle member to `sessionId`, or says why the session boots cold. The member is
   * out of the pool before the first await.
   */
  async claim(key: PoolKey, sessionId: string, keyed?: KeyedPoolSpec): Promise<ClaimAnswer> {
    this.ctx.storage.kv.put("key", key);
    // A stopped pool is asked again (a miss boots cold anyway, so the read costs the claim nothing).
    if (this.stoppedWhy() !== null) await this.refreshStanding(keyed);
    const size = await this.sizeFor(key, keyed);
    const stopped = this.stoppedWhy();
    if (stopped !== null) return this.miss("pool_off", `the warm pool is stopped: ${stopped}`);
    if (size.max === 0) return this.miss("pool_off", "the container warm pool is off (pool size 0)");
    const now = Date.now();
    const row = this.ctx.storage.sql
      .exec<MemberRow>("SELECT * FROM pool_members WHERE state = 'idle' ORDER BY since LIMIT 1")
      .toArray()[0];
    if (!row) {
      const warming = this.count("warming");
      this.fill(size.minIdle, size.max);
      return this.miss(
        "pool_empty",
        warming
          ? `no warm runtime is ready (${warming} still warming, pool max ${size.max})`
          : `every warm runtime is taken (pool max ${size.max})`,
      );
    }
    this.ctx.storage.sql.exec("DELETE FROM pool_members WHERE name = ?", row.name);
    this.bump({ claims: 1, warm_seconds: Math.round((now - row.booted_at) / 1000) });
    this.charge(row, now);
    this.fill(size.minIdle, size.max);
    try {
      await this.driver.assign(row.name, sessionId);
    } catch (err) {
      log("warn", "pool member could not be assigned", {
        member: row.name,
        session_id: sessionId,
        ...describeError(err),
      });
      this.bump({ claims: -1, misses: 1, replaced: 1 });
      this.ctx.waitUntil(this.driver.destroy(row.name, "could not be assigned").catch(() => undefined));
      return { outcome: "missed", code: "claim_failed", reason: "the warm runtime handed out had stopped" };
    }
    return { outcome: "claimed", member: row.name };
  }

  /** How many members wait idle, ready to be claimed; changes nothing (unlike `status`). */
  async idleCount(): Promise<number> {
    return this.count("idle");
  }

  /** Size, members and counters; also wakes the pool (fills it to its min). */
  async status(key: PoolKey): Promise<CoordinatorStatus> {
    this.ctx.storage.kv.put("key", key);
    const size = await this.sizeFor(key);
    this.fill(size.minIdle, size.max);
    const { size: _size, ...keyed } = this.ctx.storage.kv.get<KeyedPoolSpec>("keyed") ?? { size: null };
    const lastError = this.ctx.storage.kv.get<{ message: string; at: number }>("last_error");
    return {
      ...("key" in keyed ? { keyed } : {}),
      min_idle: size.minIdle,
      max: size.max,
      ttl_seconds: size.ttlSeconds,
      idle: this.count("idle"),
      warming: this.count("warming"),
      last_error: lastError?.message ?? null,
      last_error_at: lastError?.at ?? null,
      stopped: this.stoppedWhy(),
      ...this.counters(),
    };
  }

  /**
   * A settings save: a keyed pool takes its new size now (fills, or drains at its next check:
   * `max: 0` when the environment or plane no longer has a pool of its own).
   */
  async resize(key: PoolKey, keyed: KeyedPoolSpec): Promise<void> {
    // A pool never used and set to nothing: no pool to create (nor to list).
    if (!this.ctx.storage.kv.get("keyed") && keyed.size.max === 0) return;
    this.ctx.storage.kv.put("key", key);
    await this.refreshStanding(keyed);
    const size = await this.sizeFor(key, keyed);
    this.fill(size.minIdle, size.max);
    // Shrunk: the surplus goes at once rather than at the next periodic check.
    if (this.count("idle") + this.count("warming") > size.max) await this.alarm();
  }

  /** Registry only: records a keyed pool's coordinator name and its owner (`<scope>:<id>`). */
  async registerPool(name: string, key: PoolKey, owner: string): Promise<void> {
    this.registryTable();
    this.ctx.storage.sql.exec(
      "INSERT OR IGNORE INTO keyed_pools (name, key, owner) VALUES (?, ?, ?)",
      name,
      JSON.stringify(key),
      owner,
    );
  }

  /** Registry only: every keyed pool ever used, by coordinator name (an owner's only, if given). */
  async registeredPools(owner?: string): Promise<{ name: string; key: PoolKey }[]> {
    this.registryTable();
    return this.ctx.storage.sql
      .exec<{ name: string; key: string; owner: string }>("SELECT * FROM keyed_pools ORDER BY name")
      .toArray()
      .filter((r) => owner === undefined || r.owner === owner)
      .map((r) => ({ name: r.name, key: JSON.parse(r.key) as PoolKey }));
  }

  /**
   * A keyed pool's new size from its owner's settings, its key and packages unchanged (a plane's
   * pools for other package sets; an environment's pool for a set it no longer has, at 0: drains).
   */
  async setSize(size: ContainerPoolSize): Promise<void> {
    const keyed = this.ctx.storage.kv.get<KeyedPoolSpec>("keyed");
    const key = this.ctx.storage.kv.get<PoolKey>("key");
    if (keyed && key) await this.resize(key, { ...keyed, size });
  }

  private registryTable(): void {
    this.ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS keyed_pools (name TEXT PRIMARY KEY, key TEXT NOT NULL, owner TEXT NOT NULL)",
    );
  }

  /**
   * The pool's size: a keyed pool's from its latest spec (a claim's or a save's, kept so the
   * alarm refills to it); the deployment's from `containerPoolSize`.
   */
  private async sizeFor(key: PoolKey, keyed?: KeyedPoolSpec): Promise<ContainerPoolSize> {
    if (keyed) {
      const known = this.ctx.storage.kv.get<KeyedPoolSpec>("keyed");
      this.ctx.storage.kv.put("keyed", keyed);
      if (!known)
        this.ctx.waitUntil(
          this.env.POOL_COORDINATORS.get(this.env.POOL_COORDINATORS.idFromName(POOL_REGISTRY_NAME))
            .registerPool(keyedPoolName(keyed.key), key, `${keyed.scope}:${keyed.ownerId}`)
            .catch((err) =>
              log("warn", "keyed pool not registered", { key: keyed.key, ...describeError(err) }),
            ),
        );
    }
    const spec = keyed ?? this.ctx.storage.kv.get<KeyedPoolSpec>("keyed");
    if (!spec) return containerPoolSize(this.env, key);
    // RUNTIME_WARM_POOL=off turns every pool off, keyed ones included; so does a stop (owner gone, budget spent).
    if (this.env.RUNTIME_WARM_POOL === "off" || this.stoppedWhy() !== null)
      return { ...spec.size, minIdle: 0, max: 0 };
    return spec.size;
  }

  /** Why this keyed pool is stopped, as last checked; null: it is not (or it is not keyed). */
  private stoppedWhy(): string | null {
    const standing = this.ctx.storage.kv.get<PoolStanding>("standing");
    return standing && !standing.ok ? standing.reason : null;
  }

  /**
   * Asks D1 whether this keyed pool's owner still wants members (src/db/warm-pool-usage.ts) and
   * keeps the answer. A failed read keeps the previous answer: a D1 hiccup neither drains nor revives a pool.
   */
  private async refreshStanding(keyed?: KeyedPoolSpec): Promise<void> {
    const spec = keyed ?? this.ctx.storage.kv.get<KeyedPoolSpec>("keyed");
    if (!spec) return;
    try {
      const standing = await this.standing({ scope: spec.scope, id: spec.ownerId });
      const before = this.stoppedWhy();
      this.ctx.storage.kv.put<PoolStanding>("standing", standing);
      if (!standing.ok && before === null)
        log("info", "keyed warm pool stopped", { key: spec.key, reason: standing.reason });
    } catch (err) {
      log("warn", "keyed warm pool standing not read", { key: spec.key, ...describeError(err) });
    }
  }

  /** Expiry, liveness and refill. */
  override async alarm(): Promise<void> {
    const key = this.ctx.storage.kv.get<PoolKey>("key");
    if (!key) return;
    await this.refreshStanding();
    const size = await this.sizeFor(key);
    const now = Date.now();
    const rows = this.ctx.storage.sql.exec<MemberRow>("SELECT * FROM pool_members").toArray();
    const idle = rows.filter((r) => r.state === "idle");
    for (const row of rows) {
      const over =
        row.state === "idle"
          ? now - row.since >= size.ttlSeconds * 1000 && "expired"
          : now - row.since >= WARM_DEADLINE_MS && "warm-up deadline passed";
      // A pool shrunk below its idle members: the oldest beyond max go.
      const surplus = row.state === "idle" && idle.indexOf(row) >= size.max && "pool shrunk";
      // A stopped pool (owner gone, budget spent) lets go of its warming members too.
      const stopped = size.max === 0 && row.state === "warming" && "pool stopped or off";
      const why = over || surplus || stopped;
      if (over === "warm-up deadline passed")
        this.ctx.storage.kv.put("last_error", {
          message: `${row.name}: did not warm up within ${Math.round(WARM_DEADLINE_MS / 60_000)} min`,
          at: now,
        });
      if (why) this.remove(row, why, why === "expired" ? { expired: 1 } : {});
    }
    for (const row of idle) {
      if (!this.has(row.name)) continue;
      const alive = await this.driver.alive(row.name).catch(() => false);
      if (!alive && this.has(row.name, "idle")) this.remove(row, "its container died", { replaced: 1 });
    }
    // Members still in the pool: their time so far goes into the ledger now, not only when they leave.
    const chargedAt = Date.now();
    for (const row of this.ctx.storage.sql.exec<MemberRow>("SELECT * FROM pool_members").toArray())
      this.charge(row, chargedAt);
    this.fill(size.minIdle, size.max);
    const standing = this.ctx.storage.kv.get<PoolStanding>("standing");
    // A stop that may lift by itself (budget, members) is looked at again now and then.
    if (standing && !standing.ok && !standing.lasting) this.armAlarm(true, STOPPED_RECHECK_MS);
  }

  /**
   * Writes a member's unclaimed time since it was last charged up to `until` into the D1 ledger,
   * billed to the pool's party (`plane:<id>` or `organization`) at the configured rate.
   */
  private charge(row: MemberRow, until: number): void {
    const from = row.charged_until ?? row.booted_at;
    if (until <= from) return;
    this.ctx.storage.sql.exec("UPDATE pool_members SET charged_until = ? WHERE name = ?", until, row.name);
    const billedTo = this.ctx.storage.kv.get<KeyedPoolSpec>("keyed")?.billedTo ?? "organization";
    this.ctx.waitUntil(
      recordWarmPoolTime(this.env.DB, billedTo, from, until, warmPoolRate(this.env)).catch((err) =>
        log("warn", "warm pool time not recorded", {
          member: row.name,
          billed_to: billedTo,
          ...describeError(err),
        }),
      ),
    );
  }

  /** Boots members until `minIdle` are idle or warming, never more than `max` in the pool. */
  private fill(minIdle: number, max: number): void {
    const backoffUntil = this.ctx.storage.kv.get<number>("backoff_until") ?? 0;
    const now = Date.now();
    if (now >= backoffUntil) {
      let total = this.count("idle") + this.count("warming");
      while (total < minIdle && total < max) {
        const n = (this.ctx.storage.kv.get<number>("next") ?? 0) + 1;
        this.ctx.storage.kv.put("next", n);
        const key = this.ctx.storage.kv.get<PoolKey>("key");
        const keyed = this.ctx.storage.kv.get<KeyedPoolSpec>("keyed");
        const name = `${keyed ? keyedPoolName(keyed.key) : key ? poolName(key) : "pool"}:${n}`;
        this.ctx.storage.sql.exec(
          "INSERT INTO pool_members (name, state, since, booted_at) VALUES (?, 'warming', ?, ?)",
          name,
          now,
          now,
        );
        this.bump({ refills: 1 });
        this.ctx.waitUntil(this.warmOne(name));
        total += 1;
      }
    }
    this.armAlarm(minIdle > 0 || this.count("idle") + this.count("warming") > 0);
  }

  private async warmOne(name: string): Promise<void> {
    try {
      await this.driver.warm(name, this.ctx.storage.kv.get<KeyedPoolSpec>("keyed")?.packages ?? null);
      this.ctx.storage.kv.delete("last_error");
      if (this.has(name, "warming"))
        this.ctx.storage.sql.exec(
          "UPDATE pool_members SET state = 'idle', since = ? WHERE name = ?",
          Date.now(),
          name,
        );
      else await this.driver.destroy(name, "left the pool while warming");
    } catch (err) {
      log("warn", "pool member failed to warm up", { member: name, ...describeError(err) });
      const message = err instanceof Error ? err.message : String(err);
      this.ctx.storage.kv.put("last_error", {
        message: `${name}: ${message}`.split("\n")[0],
        at: Date.now(),
      });
      const row = this.ctx.storage.sql
        .exec<MemberRow>("SELECT * FROM pool_members WHERE name = ?", name)
        .toArray()[0];
      if (row) this.remove(row, "failed to warm up", {});
      this.ctx.storage.kv.put("backoff_until", Date.now() + FAILED_WARM_BACKOFF_MS);
      this.armAlarm(true, FAILED_WARM_BACKOFF_MS);
    }
  }

  /** Takes a member out of the pool and destroys its container, charging its unclaimed time to the pool. */
  private remove(row: MemberRow, why: string, counts: Partial<PoolCounters>): void {
    const now = Date.now();
    this.ctx.storage.sql.exec("DELETE FROM pool_members WHERE name = ?", row.name);
    this.bump({ ...counts, warm_seconds: Math.round((now - row.booted_at) / 1000) });
    this.charge(row, now);
    this.ctx.waitUntil(
      this.driver
        .destroy(row.name, why)
        .catch((err) =>
          log("warn", "pool member destroy failed", { member: row.name, ...describeError(err) }),
        ),
    );
  }

  private armAlarm(needed: boolean, inMs = CHECK_EVERY_MS): void {
    if (!needed) return;
    // Sync KV mirrors the alarm so no await is needed here (fill runs inside claim's sync step).
    const at = Date.now() + inMs;
    const current = this.ctx.storage.kv.get<number>("alarm_at") ?? 0;
    if (current > Date.now() && current <= at) return;
    this.ctx.storage.kv.put("alarm_at", at);
    this.ctx.waitUntil(this.ctx.storage.setAlarm(at));
  }

  private has(name: string, state?: "idle" | "warming"): boolean {
    const rows = this.ctx.storage.sql
      .exec<{ state: string }>("SELECT state FROM pool_members WHERE name = ?", name)
      .toArray();
    return rows.length > 0 && (!state || rows[0]?.state === state);
  }

  private count(state: "idle" | "warming"): number {
    return this.ctx.storage.sql
      .exec<{ n: number }>("SELECT count(*) AS n FROM pool_members WHERE state = ?", state)
      .one().n;
  }

  private counters(): PoolCounters {
    return { ...ZERO, ...this.ctx.storage.kv.get<PoolCounters>("counters") };
  }

  private bump(delta: Partial<PoolCounters>): void {
    const counters = this.counters();
    for (const [k, v] of Object.entries(delta) as [keyof PoolCounters, number][]) counters[k] += v;
    this.ctx.storage.kv.put("counters", counters);
  }

  private miss(code: "pool_off" | "pool_empty", reason: string): ClaimAnswer {
    this.bump({ misses: 1 });
    return { outcome: "missed", code, reason };
  }
}
