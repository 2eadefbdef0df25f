/**
 * Plane budgets: a member whose agent's spend this calendar month (UTC) has reached the plane's
 * `monthly_budget_usd` is refused new spending (session create, user.message, chat completion)
 * with 429 `budget_exceeded`, which says it is not worth retrying until the budget changes.
 */
import { eq } from "drizzle-orm";
import type { PlaneConstraints } from "../auth/principal";
import type { Db } from "../db/client";
import { planes } from "../db/schema";
import { ApiError } from "../errors";
import { monthOf, usageThisMonth } from "./usage";

/** Dollars as people read them in a message. */
export function usd(amount: number): string {
  return `$${amount.toFixed(2)}`;
}

export async function assertWithinBudget(
  db: Db,
  own: Pick<Required<PlaneConstraints>, "planeId" | "agentId">,
  now = Date.now(),
): Promise<void> {
  const plane = await db.query.planes.findFirst({
    columns: { monthlyBudgetUsd: true, name: true },
    where: eq(planes.id, own.planeId),
  });
  const budget = plane?.monthlyBudgetUsd;
  if (budget === null || budget === undefined) return;
  const spent = (await usageThisMonth(db, [own.agentId], now)).get(own.agentId)?.costUsd ?? 0;
  if (spent < budget) return;
  const month = monthOf(now);
  throw new ApiError(
    "budget_exceeded",
    `monthly budget exhausted: this agent has spent ${usd(spent)} of its ${usd(budget)} budget for ${month} (plane ${plane?.name}); ask the plane's admin to raise it, or wait for next month`,
    { details: { budget_usd: budget, spent_usd: spent, month } },
  );
}
