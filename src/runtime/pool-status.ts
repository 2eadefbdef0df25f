/**
 * The warm pool's status, as the deployment's runtimes report it: the local supervisor's pool
 * (`GET /pool`, scripts/runtime-pool.mjs), or the container pool's coordinator
 * (pool/pool-coordinator.ts; asking it also wakes the pool to its min).
 */
import type { RuntimePoolStatus } from "../schemas/runtime-pool";
import { deploymentPoolKey, poolName } from "./pool/pool-key";

const STATUS_TIMEOUT_MS = 5_000;

const none = (runtime: "local" | "container", note: string): RuntimePoolStatus => ({
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
});

const count = (value: unknown) =>
  typeof value === "number" && Number.isFinite(value) ? Math.max(0, value) : 0;

/** The pool's status; never throws (a supervisor that does not answer is reported in `note`). */
export async function runtimePoolStatus(
  env: {
    LOCAL_AGENT_ORIGIN?: string;
    RUNTIME_WARM_POOL?: string;
  } & Partial<Pick<Env, "POOL_COORDINATORS">>,
): Promise<RuntimePoolStatus> {
  if (!env.LOCAL_AGENT_ORIGIN) return containerPoolStatus(env);
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
    min_idle: count(pool.min_idle),
    max,
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

/** The container pool of this deployment's key, as its coordinator reports it. */
async function containerPoolStatus(env: Partial<Pick<Env, "POOL_COORDINATORS">>): Promise<RuntimePoolStatus> {
  if (!env.POOL_COORDINATORS) return none("container", "this Worker has no pool coordinator binding");
  const key = deploymentPoolKey();
  let pool: Awaited<
    ReturnType<DurableObjectStub<import("./pool/pool-coordinator").RuntimePoolCoordinator>["status"]>
  >;
  try {
    pool = await env.POOL_COORDINATORS.get(env.POOL_COORDINATORS.idFromName(poolName(key))).status(key);
  } catch (err) {
    return none("container", `the container pool did not report its status (${String(err)})`);
  }
  return {
    type: "runtime_pool",
    runtime: "container",
    enabled: pool.max > 0,
    note:
      pool.max > 0
        ? null
        : "the container pool's size is 0 (CONTAINER_POOL_MAX; RUNTIME_WARM_POOL=off also turns it off): every session's runtime boots",
    min_idle: pool.min_idle,
    max: pool.max,
    ttl_seconds: pool.ttl_seconds,
    idle: pool.idle,
    warming: pool.warming,
    claims: count(pool.claims),
    misses: count(pool.misses),
    refills: count(pool.refills),
    replaced: count(pool.replaced),
    expired: count(pool.expired),
    warm_seconds: count(pool.warm_seconds),
  };
}
