/**
 * Per-session quotas: how much one session of an agent may spend (list-price cost), consume
 * (tokens) and run (active wall time), and the one check that decides whether a session is
 * past any of them.
 *
 * Limits come from two places and the stricter wins: the agent's `session_limits` (a Clawplane
 * extension, versioned with the agent, so every session of the agent gets them) and the
 * session's own CMA `budget` (`max_list_cost`, set at session creation).
 *
 * The check is made where it can still refuse cleanly: when a message is accepted (429
 * `quota_exceeded`), when a queued turn is about to start (`session.error` + idle with
 * `budget_reached`), and before every model call of a running turn (the LLM proxy refuses,
 * so a turn cannot run far past a limit). Wall time also bounds how long a turn may run.
 */
import type { SessionLimits } from "../schemas/session-limits";

export type { SessionLimits };

/** What the limits are compared against: the session's cumulative usage. */
export interface SessionConsumption {
  costUsd: number;
  /** Input (uncached + cache read + cache write) and output tokens, all counted. */
  tokens: number;
  activeMs: number;
}

/** The limit a session has reached, in words a user can act on. */
export interface QuotaBreach {
  limit: "max_cost_usd" | "max_tokens" | "max_wall_time_seconds";
  message: string;
}

/** A CMA session `budget` (`max_list_cost` in minor units) as a cost limit in USD. */
export function budgetToUsd(budget: { max_list_cost: { amount: string } } | null | undefined): number | null {
  if (!budget) return null;
  return Number(budget.max_list_cost.amount) / 100;
}

/** The stricter of the agent's limits and the session's budget, field by field. */
export function effectiveLimits(
  agent: SessionLimits | null | undefined,
  budgetUsd: number | null,
): SessionLimits {
  const min = (a: number | null | undefined, b: number | null | undefined) =>
    a == null ? (b ?? null) : b == null ? a : Math.min(a, b);
  return {
    max_cost_usd: min(agent?.max_cost_usd, budgetUsd),
    max_tokens: agent?.max_tokens ?? null,
    max_wall_time_seconds: agent?.max_wall_time_seconds ?? null,
  };
}

/** The first limit `used` has reached, or null while the session is within all of them. */
export function quotaBreach(limits: SessionLimits, used: SessionConsumption): QuotaBreach | null {
  if (limits.max_cost_usd != null && used.costUsd >= limits.max_cost_usd) {
    return {
      limit: "max_cost_usd",
      message: `this session has used $${used.costUsd.toFixed(4)} of its $${limits.max_cost_usd} cost limit`,
    };
  }
  if (limits.max_tokens != null && used.tokens >= limits.max_tokens) {
    return {
      limit: "max_tokens",
      message: `this session has used ${used.tokens} of its ${limits.max_tokens} token limit`,
    };
  }
  if (limits.max_wall_time_seconds != null && used.activeMs >= limits.max_wall_time_seconds * 1000) {
    return {
      limit: "max_wall_time_seconds",
      message: `this session has run for ${Math.round(used.activeMs / 1000)} s of its ${limits.max_wall_time_seconds} s wall-time limit`,
    };
  }
  return null;
}

/** Milliseconds of active time left before the wall-time limit, or null when unlimited. */
export function wallTimeLeftMs(limits: SessionLimits, activeMs: number): number | null {
  if (limits.max_wall_time_seconds == null) return null;
  return Math.max(0, limits.max_wall_time_seconds * 1000 - activeMs);
}
