/**
 * Plane status: per member and in total, from D1 only (the session index each session object
 * keeps current, the monthly usage ledger, agent versions), so a status call costs a few
 * queries however many sessions there are.
 *
 * - sessions: `active` = a turn running (or being rescheduled), `live` = not terminated,
 *   `total` = every session not deleted.
 * - runtime_state: `running` while a turn runs; `idle` when a live session was active within
 *   the plane environment's `sleep_after_seconds` (its runtime is still up); else `stopped`.
 * - health: `over_budget` once the month's cost reached the budget; `degraded` while a session
 *   is recovering from a lost runtime; `healthy` while working; else `idle`.
 */
import { inArray } from "drizzle-orm";
import { DEFAULT_SLEEP_AFTER_SECONDS } from "../config";
import type { Db } from "../db/client";
import { agents } from "../db/schema";
import { sessionStatsByAgent } from "../db/sessions";
import { toRfc3339OrNull } from "../lib/time";
import type { CloudConfig } from "../schemas/environments";
import type { PlaneStatus } from "../schemas/planes";
import type { MemberRow } from "./members";
import type { PlaneRow } from "./plane-store";
import { latestRollout, rolloutProgress } from "./rollouts";
import { usageThisMonth } from "./usage";

type MemberStatus = PlaneStatus["members"][number];

const round = (usd: number) => Math.round(usd * 1e6) / 1e6;

export async function planeStatus(
  db: Db,
  plane: PlaneRow,
  members: MemberRow[],
  now = Date.now(),
): Promise<
  Omit<PlaneStatus, "runtime_pool" | "totals"> & {
    // The warm pool's figure comes with `runtime_pool` (src/runtime/pool-status.ts).
    totals: Omit<PlaneStatus["totals"], "warm_pool_cost_this_month_usd">;
  }
> {
  const agentIds = members.map((m) => m.agentId);
  const [stats, usage, versions, rollout] = await Promise.all([
    sessionStatsByAgent(db, agentIds),
    usageThisMonth(db, agentIds, now),
    agentIds.length
      ? db
          .select({ id: agents.id, version: agents.currentVersion })
          .from(agents)
          .where(inArray(agents.id, agentIds))
      : Promise.resolve([]),
    latestRollout(db, plane.id),
  ]);
  const versionOf = new Map(versions.map((v) => [v.id, v.version]));
  const budget = plane.monthlyBudgetUsd;
  // Members' environments are made from the plane's config, whose idle sleep stops their runtimes.
  const { sleep_after_seconds } = plane.environment as Partial<CloudConfig>;
  const idleWindowMs = (sleep_after_seconds ?? DEFAULT_SLEEP_AFTER_SECONDS) * 1000;

  const rows: MemberStatus[] = members.map((m) => {
    const s = stats.get(m.agentId) ?? {
      total: 0,
      live: 0,
      active: 0,
      rescheduling: 0,
      lastActivity: null,
      lastLiveActivity: null,
    };
    const month = usage.get(m.agentId) ?? { costUsd: 0, inputTokens: 0, outputTokens: 0 };
    const overBudget = budget !== null && month.costUsd >= budget;
    const runtimeState =
      s.active > 0
        ? "running"
        : s.lastLiveActivity !== null && now - s.lastLiveActivity < idleWindowMs
          ? "idle"
          : "stopped";
    return {
      id: m.id,
      name: m.name,
      owner: m.owner,
      agent_id: m.agentId,
      agent_version: versionOf.get(m.agentId) ?? 0,
      health: overBudget
        ? "over_budget"
        : s.rescheduling > 0
          ? "degraded"
          : s.active > 0
            ? "healthy"
            : "idle",
      sessions: { active: s.active, live: s.live, total: s.total },
      runtime_state: runtimeState,
      last_activity_at: toRfc3339OrNull(s.lastActivity),
      runtime_version: m.runtimeVersion,
      template_version: m.templateVersion,
      cost_this_month_usd: round(month.costUsd),
      tokens_this_month: { input: month.inputTokens, output: month.outputTokens },
      budget_usd: budget,
      budget_remaining_usd: budget === null ? null : round(Math.max(0, budget - month.costUsd)),
    };
  });

  const progress = rollout ? await rolloutProgress(db, rollout, now) : null;
  return {
    type: "plane_status",
    plane: {
      id: plane.id,
      name: plane.name,
      template_version: plane.templateVersion,
      runtime_version: plane.runtimeVersion,
    },
    members: rows,
    totals: {
      members: rows.length,
      sessions_active: rows.reduce((n, r) => n + r.sessions.active, 0),
      sessions_total: rows.reduce((n, r) => n + r.sessions.total, 0),
      cost_this_month_usd: round(rows.reduce((n, r) => n + r.cost_this_month_usd, 0)),
    },
    rollout: progress && {
      id: progress.row.id,
      status: progress.status,
      target: {
        template_version:
          progress.row.status === "rolled_back"
            ? progress.row.fromTemplateVersion
            : progress.row.toTemplateVersion,
        runtime_version:
          progress.row.status === "rolled_back"
            ? progress.row.fromRuntimeVersion
            : progress.row.toRuntimeVersion,
      },
      members_total: progress.membersTotal,
      members_upgraded: progress.membersUpgraded,
      sessions_pending: progress.sessionsPending,
    },
  };
}
