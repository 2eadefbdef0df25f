/**
 * Monthly model usage per agent (D1 `agent_usage_monthly`), the ledger plane budgets and status
 * read. The LLM proxy's meter adds every metered call here (src/entrypoints/session-ports.ts); the
 * agent is found through the session index row, in the same statement.
 */
import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "../db/client";
import { agentUsageMonthly } from "../db/schema";
import type { ModelCallUsage } from "../llm/metering";

/** The calendar month (UTC) of `at`, as stored: `YYYY-MM`. */
export function monthOf(at: number): string {
  return new Date(at).toISOString().slice(0, 7);
}

/** Adds one model call of session `sessionId` to its agent's month. A no-op for unknown sessions. */
export async function recordAgentUsage(
  db: D1Database,
  sessionId: string,
  usage: ModelCallUsage,
  now = Date.now(),
): Promise<void> {
  await db
    .prepare(
      `INSERT INTO agent_usage_monthly (agent_id, month, input_tokens, output_tokens, cost_usd, calls, updated_at)
       SELECT agent_id, ?, ?, ?, ?, 1, ? FROM sessions WHERE id = ?
       ON CONFLICT (agent_id, month) DO UPDATE SET
         input_tokens = input_tokens + excluded.input_tokens,
         output_tokens = output_tokens + excluded.output_tokens,
         cost_usd = cost_usd + excluded.cost_usd,
         calls = calls + 1,
         updated_at = excluded.updated_at`,
    )
    .bind(
      monthOf(now),
      usage.inputTokens + usage.cacheReadTokens + usage.cacheWriteTokens,
      usage.outputTokens,
      usage.costUsd,
      now,
      sessionId,
    )
    .run();
}

export interface MonthUsage {
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
}

/** This month's usage of each of `agentIds` (zero when none recorded). */
export async function usageThisMonth(
  db: Db,
  agentIds: string[],
  now = Date.now(),
): Promise<Map<string, MonthUsage>> {
  const out = new Map<string, MonthUsage>(
    agentIds.map((id) => [id, { costUsd: 0, inputTokens: 0, outputTokens: 0 }]),
  );
  if (agentIds.length === 0) return out;
  const rows = await db
    .select()
    .from(agentUsageMonthly)
    .where(and(inArray(agentUsageMonthly.agentId, agentIds), eq(agentUsageMonthly.month, monthOf(now))));
  for (const row of rows) {
    out.set(row.agentId, {
      costUsd: row.costUsd,
      inputTokens: row.inputTokens,
      outputTokens: row.outputTokens,
    });
  }
  return out;
}
