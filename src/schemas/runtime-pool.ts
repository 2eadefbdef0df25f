/** The warm pool's status on the wire: `GET /v1/runtime_pool` and `runtime_pool` of plane status. */
import { z } from "@hono/zod-openapi";

const count = () => z.number().int().nonnegative();

/** One keyed pool's figures (the deployment's shared pool, an environment's or a plane's). */
export const KeyedRuntimePoolSchema = z
  .object({
    /** The pool's key (src/runtime/warm-pool-plan.ts): `shared`, `env:<id>…`, `plane:<id>…`. */
    key: z.string(),
    scope: z.enum(["environment", "plane", "deployment"]),
    /** The environment's or plane's id; null for the deployment's pool. */
    owner_id: z.string().nullable(),
    /** Who its warm runtimes' waiting cost is attributed to: `plane:<id>` or `organization`. */
    billed_to: z.string(),
    /** The package set its members install while warming (its cache key), or null. */
    packages_key: z.string().nullable(),
    min_idle: count(),
    max: count(),
    ttl_seconds: count(),
    idle: count(),
    warming: count(),
    claims: count(),
    misses: count(),
    refills: count(),
    replaced: count(),
    expired: count(),
    /** Runtime-seconds its members spent booting and waiting unclaimed: the cost billed to `billed_to`. */
    warm_seconds: count(),
    /** Why its members fail to warm up (e.g. a package that does not install), until one succeeds; retries back off to 5 min. */
    last_error: z.string().nullable(),
    /** When `last_error` happened (RFC 3339); null when there is none or the runtime does not say. */
    last_error_at: z.string().nullable(),
    /**
     * Why the pool boots nothing and drains now, though sized above 0: its environment was
     * archived or deleted, its plane deleted, or its plane's budget for the month is spent.
     * Containers only; null otherwise.
     */
    stopped: z.string().nullable(),
  })
  .openapi("KeyedRuntimePool");

/** One billed party's warm pool time and estimated cost in the month. */
export const WarmPoolCostSchema = z.object({
  /** `plane:<id>` or `organization`. */
  billed_to: z.string(),
  /** Runtime-seconds pool containers ran unclaimed (booting, warming, idle). */
  warm_seconds: z.number().nonnegative(),
  /** Estimated at the deployment's `CONTAINER_POOL_USD_PER_HOUR` when the time was recorded. */
  cost_usd: z.number().nonnegative(),
});

/** The warm pools' recorded time and cost this calendar month (UTC), per billed party. */
export const WarmPoolMonthCostSchema = z
  .object({
    /** `YYYY-MM` (UTC). */
    month: z.string(),
    /** The configured price of a pool runtime-hour; null when none is set (costs read 0). */
    usd_per_hour: z.number().nullable(),
    /** Every party with recorded time (a plane's status: only that plane). */
    billed: z.array(WarmPoolCostSchema),
    warm_seconds: z.number().nonnegative(),
    cost_usd: z.number().nonnegative(),
  })
  .openapi("WarmPoolMonthCost");
export type KeyedRuntimePool = z.infer<typeof KeyedRuntimePoolSchema>;

export const RuntimePoolStatusSchema = z
  .object({
    type: z.literal("runtime_pool"),
    /** Where this deployment's runtimes run: the local supervisor, or containers. */
    runtime: z.enum(["local", "container"]),
    /** Whether new sessions can be served warm (a pool with a max above 0, and not turned off). */
    enabled: z.boolean(),
    /** Why there is no pool, when there is none. */
    note: z.string().nullable(),
    min_idle: z.number().int().nonnegative(),
    max: z.number().int().nonnegative(),
    ttl_seconds: z.number().int().nonnegative(),
    /** Warm runtimes ready to be claimed now. */
    idle: z.number().int().nonnegative(),
    /** Runtimes booting or warming up. */
    warming: z.number().int().nonnegative(),
    /** Since the pool started: runtimes handed to sessions, starts that booted cold instead… */
    claims: z.number().int().nonnegative(),
    misses: z.number().int().nonnegative(),
    /** …runtimes booted to refill it, dead ones replaced, idle ones expired. */
    refills: z.number().int().nonnegative(),
    replaced: z.number().int().nonnegative(),
    expired: z.number().int().nonnegative(),
    /**
     * Containers only: container-seconds the pool's runtimes ran before any session claimed them
     * (booting, warming, idle). Their cost is the deployment's pool's, not a session's.
     */
    warm_seconds: z.number().int().nonnegative().optional(),
    /**
     * Every pool, the shared one first (the fields above are the shared pool's); in a plane's
     * status, only the pools billed to that plane.
     */
    pools: z.array(KeyedRuntimePoolSchema),
    /**
     * Containers: the pools' unclaimed time and its estimated cost this month, from the D1 ledger
     * (it trails the pools by at most one 30 s check). Local runtimes record none (no bill).
     */
    cost: WarmPoolMonthCostSchema,
  })
  .openapi("RuntimePoolStatus");
export type RuntimePoolStatus = z.infer<typeof RuntimePoolStatusSchema>;
