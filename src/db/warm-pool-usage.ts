/**
 * The warm pool's cost ledger (D1 `warm_pool_usage_monthly`): runtime-seconds pool containers
 * ran unclaimed (booting, warming, idle), per billed party (`plane:<id>` or `organization`) and
 * calendar month (UTC), with their estimated cost. Written by the container pool's coordinators;
 * read by `GET /v1/runtime_pool` (every party) and a plane's status (its own).
 *
 * Also what a keyed pool's coordinator asks before it boots more members
 * ({@link keyedPoolStanding}): whether its owner still exists and, for a plane, whether the
 * plane's budget is spent.
 */

/** The calendar month (UTC) of `at`, as stored: `YYYY-MM`. */
function monthOf(at: number): string {
  return new Date(at).toISOString().slice(0, 7);
}

/** The first instant of the month after `at`'s (UTC). */
function nextMonthStart(at: number): number {
  const d = new Date(at);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/** `[from, to)` cut at month boundaries: seconds per month, so time spanning a month end lands in both. */
export function warmSecondsByMonth(from: number, to: number): { month: string; seconds: number }[] {
  const out: { month: string; seconds: number }[] = [];
  for (let start = from; start < to; ) {
    const end = Math.min(to, nextMonthStart(start));
    out.push({ month: monthOf(start), seconds: (end - start) / 1000 });
    start = end;
  }
  return out;
}

/**
 * The configured price of one pool runtime-hour (`CONTAINER_POOL_USD_PER_HOUR`), or null when
 * none is set (time is still recorded; the cost reads 0 and the status says no rate is set).
 */
export function warmPoolRate(env: { CONTAINER_POOL_USD_PER_HOUR?: string }): number | null {
  const raw = env.CONTAINER_POOL_USD_PER_HOUR?.trim();
  if (!raw) return null;
  const n = Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : null;
}

/**
 * Adds `[from, to)` of one pool runtime's unclaimed time to `billedTo`'s months, priced at
 * `usdPerHour` (null: time only). Whole seconds are not required: fractions add up exactly.
 */
export async function recordWarmPoolTime(
  db: D1Database,
  billedTo: string,
  from: number,
  to: number,
  usdPerHour: number | null,
): Promise<void> {
  const parts = warmSecondsByMonth(from, to).filter((p) => p.seconds > 0);
  if (parts.length === 0) return;
  const now = Date.now();
  await db.batch(
    parts.map((p) =>
      db
        .prepare(
          `INSERT INTO warm_pool_usage_monthly (billed_to, month, warm_seconds, cost_usd, updated_at)
           VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (billed_to, month) DO UPDATE SET
             warm_seconds = warm_seconds + excluded.warm_seconds,
             cost_usd = cost_usd + excluded.cost_usd,
             updated_at = excluded.updated_at`,
        )
        .bind(billedTo, p.month, p.seconds, ((usdPerHour ?? 0) * p.seconds) / 3600, now),
    ),
  );
}

export interface WarmPoolMonthCost {
  billed_to: string;
  warm_seconds: number;
  cost_usd: number;
}

/** This month's warm pool time and cost per billed party (only `billedTo`'s, when given). */
export async function warmPoolCostThisMonth(
  db: D1Database,
  billedTo?: string,
  now = Date.now(),
): Promise<WarmPoolMonthCost[]> {
  const month = monthOf(now);
  const { results } = await (billedTo === undefined
    ? db
        .prepare(
          "SELECT billed_to, warm_seconds, cost_usd FROM warm_pool_usage_monthly WHERE month = ? ORDER BY billed_to",
        )
        .bind(month)
    : db
        .prepare(
          "SELECT billed_to, warm_seconds, cost_usd FROM warm_pool_usage_monthly WHERE month = ? AND billed_to = ?",
        )
        .bind(month, billedTo)
  ).all<WarmPoolMonthCost>();
  return results;
}

/**
 * Whether a keyed pool may keep booting members, and why not; `lasting`: the stop cannot lift by
 * itself (its owner is gone), else it may (a budget raised, a new month, a member added).
 */
export type PoolStanding = { ok: true } | { ok: false; reason: string; lasting: boolean };

/**
 * A keyed pool's standing: an environment's pool stands while its environment exists and is not
 * archived; a plane's while the plane is not deleted and its month's spend (its members' model
 * cost plus its pool's warm cost) is below its whole budget (the per-member budget × its active
 * members) and it has a member at all. A plane without a budget is never refused for spend.
 */
export async function keyedPoolStanding(
  db: D1Database,
  owner: { scope: "environment" | "plane"; id: string },
  now = Date.now(),
): Promise<PoolStanding> {
  if (owner.scope === "environment") {
    const row = await db
      .prepare("SELECT archived_at FROM environments WHERE id = ?")
      .bind(owner.id)
      .first<{ archived_at: number | null }>();
    if (!row) return { ok: false, reason: `environment ${owner.id} was deleted`, lasting: true };
    if (row.archived_at !== null)
      return { ok: false, reason: `environment ${owner.id} is archived`, lasting: true };
    return { ok: true };
  }
  const month = monthOf(now);
  const row = await db
    .prepare(
      `SELECT p.deleted_at AS deleted_at, p.monthly_budget_usd AS budget,
         (SELECT count(*) FROM plane_members m WHERE m.plane_id = p.id AND m.status = 'active') AS members,
         (SELECT coalesce(sum(u.cost_usd), 0) FROM agent_usage_monthly u
            WHERE u.month = ?2 AND u.agent_id IN
              (SELECT m.agent_id FROM plane_members m WHERE m.plane_id = p.id AND m.status = 'active')) AS model_usd,
         (SELECT coalesce(sum(w.cost_usd), 0) FROM warm_pool_usage_monthly w
            WHERE w.month = ?2 AND w.billed_to = 'plane:' || p.id) AS pool_usd
       FROM planes p WHERE p.id = ?1`,
    )
    .bind(owner.id, month)
    .first<{
      deleted_at: number | null;
      budget: number | null;
      members: number;
      model_usd: number;
      pool_usd: number;
    }>();
  if (!row || row.deleted_at !== null)
    return { ok: false, reason: `plane ${owner.id} was deleted`, lasting: true };
  // Nobody could claim its members: not paid for until a member is added.
  if (row.members === 0) return { ok: false, reason: `plane ${owner.id} has no members`, lasting: false };
  if (row.budget === null) return { ok: true };
  const total = row.budget * row.members;
  const spent = row.model_usd + row.pool_usd;
  if (spent < total) return { ok: true };
  return {
    ok: false,
    reason: `plane ${owner.id}'s budget for ${month} is spent ($${spent.toFixed(2)} of $${total.toFixed(2)}: ${row.members} member(s) × $${row.budget.toFixed(2)}, warm pool included)`,
    lasting: false,
  };
}
