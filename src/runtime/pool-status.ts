/**
 * The warm pool's status, as the deployment's runtimes report it: the local supervisor's pool
 * (`GET /pool`, scripts/runtime-pool.mjs), or the container pool's coordinator
 * (pool/pool-coordinator.ts; asking it also wakes the pool to its min).
 */
import { warmPoolCostThisMonth, warmPoolRate } from "../db/warm-pool-usage";
import { describeError, log } from "../lib/log";
import type { KeyedRuntimePool, RuntimePoolStatus } from "../schemas/runtime-pool";
import type { RuntimePoolCoordinator } from "./pool/pool-coordinator";
import { deploymentPoolKey, POOL_REGISTRY_NAME, poolName } from "./pool/pool-key";
import { SHARED_POOL_KEY } from "./warm-pool-plan";

const STATUS_TIMEOUT_MS = 5_000;

type StatusEnv = {
  LOCAL_AGENT_ORIGIN?: string;
  RUNTIME_WARM_POOL?: string;
  CONTAINER_POOL_USD_PER_HOUR?: string;
  DB?: D1Database;
} & Partial<Pick<Env, "POOL_COORDINATORS">>;

const usdRound = (usd: number) => Math.round(usd * 1e6) / 1e6;

/**
 * This month's warm pool time and cost from the D1 ledger (src/db/warm-pool-usage.ts), per
 * billed party (only `billedTo`'s when given). A ledger that cannot be read reads as empty.
 */
async function monthCost(env: StatusEnv, billedTo: string | undefined): Promise<RuntimePoolStatus["cost"]> {
  const now = Date.now();
  let rows: Awaited<ReturnType<typeof warmPoolCostThisMonth>> = [];
  if (env.DB)
    rows = await warmPoolCostThisMonth(env.DB, billedTo, now).catch((err) => {
      log("warn", "warm pool cost ledger not read", describeError(err));
      return [];
    });
  const billed = rows.map((r) => ({
    billed_to: r.billed_to,
    warm_seconds: Math.round(r.warm_seconds),
    cost_usd: usdRound(r.cost_usd),
  }));
  return {
    month: new Date(now).toISOString().slice(0, 7),
    usd_per_hour: warmPoolRate(env),
    billed,
    warm_seconds: Math.round(rows.reduce((n, r) => n + r.warm_seconds, 0)),
    cost_usd: usdRound(rows.reduce((n, r) => n + r.cost_usd, 0)),
  };
}

const none = (runtime: "local" | "container", note: string): Omit<RuntimePoolStatus, "cost"> => ({
  type: "runtime_pool",
  runtime,
  enabled: false,
  note,
  min_idle: 0,
  max: 0,
  ttl_seconds: 0,
  idle: 0,
  warming: 0,
  claims: 0,
  misses: 0,
  refills: 0,
  replaced: 0,
  expired: 0,
  pools: [],
});

const count = (value: unknown) =>
  typeof value === "number" && Number.isFinite(value) ? Math.max(0, value) : 0;

const SCOPES = ["environment", "plane", "deployment"] as const;
const text = (value: unknown) => (typeof value === "string" ? value : null);
/** A time as ms (the coordinator's) or RFC 3339 (the supervisor's), on the wire as RFC 3339. */
const time = (value: unknown) =>
  typeof value === "number" && Number.isFinite(value)
    ? new Date(value).toISOString()
    : typeof value === "string" && !Number.isNaN(Date.parse(value))
      ? new Date(Date.parse(value)).toISOString()
      : null;

/** A pool's size and counters, as a supervisor or a coordinator reports them (the status's top level). */
function poolFigures(pool: Partial<Record<keyof RuntimePoolStatus, unknown>>) {
  return {
    min_idle: count(pool.min_idle),
    max: count(pool.max),
    ttl_seconds: count(pool.ttl_seconds),
    idle: count(pool.idle),
    warming: count(pool.warming),
    claims: count(pool.claims),
    misses: count(pool.misses),
    refills: count(pool.refills),
    replaced: count(pool.replaced),
    expired: count(pool.expired),
  };
}

/** One keyed pool as the supervisor reports it (`pools[]` of `GET /pool`). */
function keyedPool(pool: Record<string, unknown>): KeyedRuntimePool {
  const scope = SCOPES.find((s) => s === pool.scope) ?? "deployment";
  return {
    key: text(pool.key) ?? "shared",
    scope,
    owner_id: text(pool.owner_id),
    billed_to: text(pool.billed_to) ?? "organization",
    packages_key: text(pool.packages_key),
    ...poolFigures(pool),
    warm_seconds: count(pool.warm_seconds),
    last_error: text(pool.last_error),
    last_error_at: time(pool.last_error_at),
    stopped: text(pool.stopped),
  };
}

/**
 * The pools' status; never throws (a supervisor that does not answer is reported in `note`).
 * With `billedTo` (`plane:<id>`), `pools` lists only the pools billed to it: a plane's status.
 */
export async function runtimePoolStatus(env: StatusEnv, billedTo?: string): Promise<RuntimePoolStatus> {
  const [status, cost] = await Promise.all([poolStatus(env, billedTo), monthCost(env, billedTo)]);
  return { ...status, cost };
}

async function poolStatus(
  env: StatusEnv,
  billedTo: string | undefined,
): Promise<Omit<RuntimePoolStatus, "cost">> {
  if (!env.LOCAL_AGENT_ORIGIN) return containerPoolStatus(env, billedTo);
  let pool: Record<string, unknown>;
  try {
    const res = await fetch(new URL("/pool", env.LOCAL_AGENT_ORIGIN), {
      signal: AbortSignal.timeout(STATUS_TIMEOUT_MS),
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    pool = (await res.json()) as Record<string, unknown>;
  } catch (err) {
    return none("local", `the local runtime supervisor did not report its pool (${String(err)})`);
  }
  const off = env.RUNTIME_WARM_POOL === "off";
  const max = count(pool.max);
  return {
    type: "runtime_pool",
    runtime: "local",
    enabled: !off && max > 0,
    note: off
      ? "RUNTIME_WARM_POOL is off: sessions do not ask for warm runtimes"
      : max > 0
        ? null
        : "the supervisor's pool size is 0",
    ...poolFigures(pool),
    pools: (Array.isArray(pool.pools) ? pool.pools : [])
      .filter((p): p is Record<string, unknown> => Boolean(p) && typeof p === "object")
      .map(keyedPool)
      .filter((p) => billedTo === undefined || p.billed_to === billedTo),
  };
}

/**
 * The keyed container pools (environments' and planes'), from the registry every keyed
 * coordinator enters on first use; each reported by its own coordinator. One that does not
 * answer is left out rather than failing the whole status.
 */
async function keyedContainerPools(
  coordinators: NonNullable<Env["POOL_COORDINATORS"]>,
  billedTo: string | undefined,
): Promise<KeyedRuntimePool[]> {
  const registry = coordinators.get(coordinators.idFromName(POOL_REGISTRY_NAME));
  const entries = await registry.registeredPools().catch(() => []);
  const pools = await Promise.all(
    entries.map(async ({ name, key }) => {
      const status = await coordinators
        .get(coordinators.idFromName(name))
        .status(key)
        .catch(() => undefined);
      if (!status?.keyed) return undefined;
      return keyedPool({
        ...status,
        key: status.keyed.key,
        scope: status.keyed.scope,
        owner_id: status.keyed.ownerId,
        billed_to: status.keyed.billedTo,
        packages_key: status.keyed.packages?.key ?? null,
      });
    }),
  );
  return pools.filter(
    (p): p is KeyedRuntimePool => p !== undefined && (billedTo === undefined || p.billed_to === billedTo),
  );
}

/** The container pools: the deployment's key's (the top-level figures) and the keyed ones. */
async function containerPoolStatus(
  env: Partial<Pick<Env, "POOL_COORDINATORS">>,
  billedTo: string | undefined,
): Promise<Omit<RuntimePoolStatus, "cost">> {
  if (!env.POOL_COORDINATORS) return none("container", "this Worker has no pool coordinator binding");
  const key = deploymentPoolKey();
  let pool: Awaited<ReturnType<DurableObjectStub<RuntimePoolCoordinator>["status"]>>;
  let keyed: KeyedRuntimePool[];
  try {
    [pool, keyed] = await Promise.all([
      env.POOL_COORDINATORS.get(env.POOL_COORDINATORS.idFromName(poolName(key))).status(key),
      keyedContainerPools(env.POOL_COORDINATORS, billedTo),
    ]);
  } catch (err) {
    return none("container", `the container pool did not report its status (${String(err)})`);
  }
  const shared = keyedPool({
    ...pool,
    key: SHARED_POOL_KEY,
    scope: "deployment",
    owner_id: null,
    billed_to: "organization",
    packages_key: null,
  });
  return {
    type: "runtime_pool",
    runtime: "container",
    enabled: pool.max > 0,
    note:
      pool.max > 0
        ? null
        : "the container pool's size is 0 (CONTAINER_POOL_MAX; RUNTIME_WARM_POOL=off also turns it off): every session's runtime boots",
    ...poolFigures(pool),
    warm_seconds: count(pool.warm_seconds),
    // The shared pool first (as the supervisor lists it); a plane's status: only the plane's.
    pools: [...(billedTo === undefined ? [shared] : []), ...keyed],
  };
}
