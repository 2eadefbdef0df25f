/** The daily retention job (cron): expired audit rows and idempotency records go. */
import { readConfig } from "./config";
import { purgeAuditBefore } from "./db/audit";
import { createDb } from "./db/client";
import { purgeExpiredKeys } from "./db/idempotency";
import { log } from "./lib/log";

const DAY_MS = 86_400_000;

export async function runRetention(env: Env, now: number): Promise<{ audit: number; idempotency: number }> {
  const db = createDb(env.DB);
  const { auditRetentionDays } = readConfig(env);
  const audit = await purgeAuditBefore(db, now - auditRetentionDays * DAY_MS);
  const idempotency = await purgeExpiredKeys(db, now);
  log("info", "retention run", {
    audit_deleted: audit,
    idempotency_deleted: idempotency,
    auditRetentionDays,
  });
  return { audit, idempotency };
}
