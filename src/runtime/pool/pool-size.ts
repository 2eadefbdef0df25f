/**
 * How big a container warm pool is: the ONE place the pool coordinator takes its size from.
 *
 * Today the size is the deployment's (`CONTAINER_POOL_MIN_IDLE`, `CONTAINER_POOL_MAX`,
 * `CONTAINER_POOL_TTL_SECONDS`; 0 = off). Sizes per environment or per plane belong here too
 * (read from D1 for the pool's key), so this is async and takes the key and the env with `DB`.
 */
import type { PoolKey } from "./pool-key";

export interface ContainerPoolSize {
  /** Warm runtimes kept booted and idle (0 = none are booted ahead of demand). */
  minIdle: number;
  /** Most pool runtimes (idle or warming) at once; 0 = the pool is off. */
  max: number;
  /** How long a runtime may wait idle in the pool before it is destroyed (and replaced). */
  ttlSeconds: number;
}

export interface ContainerPoolSizeEnv {
  CONTAINER_POOL_MIN_IDLE?: string;
  CONTAINER_POOL_MAX?: string;
  CONTAINER_POOL_TTL_SECONDS?: string;
  /** "off" turns every pool off, whatever its size. */
  RUNTIME_WARM_POOL?: string;
}

/** Default idle TTL: 30 minutes, as the local supervisor's pool. */
export const DEFAULT_POOL_TTL_SECONDS = 1800;

const count = (value: string | undefined, fallback: number) => {
  const n = Number.parseInt(value ?? "", 10);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
};

/**
 * The size of the pool for `key`. Never throws; bad values read as their default. `max` is at
 * least `minIdle` (a min above the max would boot members it could never keep).
 */
export async function containerPoolSize(
  env: ContainerPoolSizeEnv,
  _key: PoolKey,
): Promise<ContainerPoolSize> {
  if (env.RUNTIME_WARM_POOL === "off") return { minIdle: 0, max: 0, ttlSeconds: DEFAULT_POOL_TTL_SECONDS };
  const minIdle = count(env.CONTAINER_POOL_MIN_IDLE, 0);
  const max = Math.max(minIdle, count(env.CONTAINER_POOL_MAX, minIdle));
  const ttlSeconds = Math.max(60, count(env.CONTAINER_POOL_TTL_SECONDS, DEFAULT_POOL_TTL_SECONDS));
  return { minIdle, max, ttlSeconds };
}
