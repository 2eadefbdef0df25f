/**
 * Quota shapes: the agent's `session_limits` (a Clawplane extension to the CMA agent) and the
 * session's CMA `budget`. Limits are optional field by field; null means "no limit".
 */
import { z } from "@hono/zod-openapi";

export const SessionLimitsSchema = z
  .strictObject({
    max_cost_usd: z
      .number()
      .positive()
      .max(1_000_000)
      .nullish()
      .openapi({ description: "List-price cost one session may reach, in USD." }),
    max_tokens: z
      .number()
      .int()
      .positive()
      .max(1_000_000_000)
      .nullish()
      .openapi({ description: "Input plus output tokens one session may use." }),
    max_wall_time_seconds: z
      .number()
      .int()
      .positive()
      .max(30 * 24 * 3600)
      .nullish()
      .openapi({ description: "Seconds one session may spend running turns." }),
  })
  .openapi("SessionLimits");
export type SessionLimits = {
  max_cost_usd?: number | null;
  max_tokens?: number | null;
  max_wall_time_seconds?: number | null;
};

/** CMA session budget: a list-cost cap as an integer string of minor units (cents). */
export const SessionBudgetSchema = z
  .strictObject({
    type: z.literal("limit"),
    max_list_cost: z.strictObject({
      amount: z
        .string()
        .regex(/^[1-9][0-9]{0,9}$/, "amount must be a positive integer string in minor units (cents)"),
      currency: z.literal("USD"),
    }),
  })
  .openapi("SessionBudget");
export type SessionBudget = z.infer<typeof SessionBudgetSchema>;
