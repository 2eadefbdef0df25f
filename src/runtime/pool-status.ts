/**
 * The warm pool's status, as the deployment's runtimes report it: the local supervisor's pool
 * (`GET /pool`, scripts/runtime-pool.mjs), or, with containers, none yet (README, "Warm pool").
 */
import type { RuntimePoolStatus } from "../schemas/runtime-pool";

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
export async function runtimePoolStatus(env: {
  LOCAL_AGENT_ORIGIN?: string;
  RUNTIME_WARM_POOL?: string;
}): Promise<RuntimePoolStatus> {
  if (!env.LOCAL_AGENT_ORIGIN) {
    return none("container", "containers have no warm pool yet: every session's runtime boots");
  }
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
