/** The warm pool's status on the wire: `GET /v1/runtime_pool` and `runtime_pool` of plane status. */
import { z } from "@hono/zod-openapi";

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
  })
  .openapi("RuntimePoolStatus");
export type RuntimePoolStatus = z.infer<typeof RuntimePoolStatusSchema>;
