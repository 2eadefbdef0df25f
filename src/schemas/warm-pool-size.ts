/**
 * A warm pool's size as set on an environment (`config.warm_pool`) or a plane (`warm_pool`):
 * the request form (validated, `idle_ttl_seconds` optional) and the stored/returned form.
 * What the sizes mean and how a session's pool is chosen: src/runtime/warm-pool-plan.ts.
 */
import { z } from "@hono/zod-openapi";
import {
  DEFAULT_WARM_POOL_IDLE_TTL_SECONDS,
  MAX_WARM_POOL_IDLE_TTL_SECONDS,
  MAX_WARM_POOL_SIZE,
  MIN_WARM_POOL_IDLE_TTL_SECONDS,
} from "../config";

const DESCRIPTION = `Clawplane: warm runtimes (pre-booted OpenClaw gateways) reserved for these sessions. \`min_idle\` are kept booted and idle, never more than \`max\` in all (\`max: 0\` turns warm starts off for these sessions: they boot cold and say so), each idle one replaced after \`idle_ttl_seconds\` (${MIN_WARM_POOL_IDLE_TTL_SECONDS}-${MAX_WARM_POOL_IDLE_TTL_SECONDS}, default ${DEFAULT_WARM_POOL_IDLE_TTL_SECONDS}). null: no pool of its own (the plane's, else the deployment's shared pool serves them).`;

const count = (field: string) =>
  z
    .number()
    .int(`${field} must be a whole number`)
    .min(0, `${field} must be 0 or more`)
    .max(MAX_WARM_POOL_SIZE, `${field} may be at most ${MAX_WARM_POOL_SIZE}`);

/** The size as sent. `min_idle` may not exceed `max`. */
export const WarmPoolSizeParamsSchema = z
  .strictObject({
    min_idle: count("min_idle"),
    max: count("max"),
    idle_ttl_seconds: z
      .number()
      .int()
      .min(MIN_WARM_POOL_IDLE_TTL_SECONDS)
      .max(MAX_WARM_POOL_IDLE_TTL_SECONDS)
      .nullish(),
  })
  .superRefine((size, ctx) => {
    if (size.min_idle > size.max)
      ctx.addIssue({
        code: "custom",
        path: ["min_idle"],
        message: `min_idle (${size.min_idle}) may not exceed max (${size.max})`,
      });
  })
  .openapi("WarmPoolSizeParams", { description: DESCRIPTION });
export type WarmPoolSizeParams = z.infer<typeof WarmPoolSizeParamsSchema>;

/** The size as stored and returned: every field present. */
export const WarmPoolSizeSchema = z
  .object({
    min_idle: z.number().int().nonnegative(),
    max: z.number().int().nonnegative(),
    idle_ttl_seconds: z.number().int().positive(),
  })
  .openapi("WarmPoolSize", { description: DESCRIPTION });
export type WarmPoolSize = z.infer<typeof WarmPoolSizeSchema>;

/** The stored form of a size as sent (null stays null: no pool of its own). */
export function warmPoolSizeOf(params: WarmPoolSizeParams | null): WarmPoolSize | null {
  if (params === null) return null;
  return {
    min_idle: params.min_idle,
    max: params.max,
    idle_ttl_seconds: params.idle_ttl_seconds ?? DEFAULT_WARM_POOL_IDLE_TTL_SECONDS,
  };
}
