/**
 * Durable memory of `Idempotency-Key` requests. A request first *claims* its key (an insert
 * that only one concurrent request can win); when it finishes, the response is stored for
 * replay, or the claim is released if the outcome should not be remembered (5xx).
 */
import { and, eq, sql } from "drizzle-orm";
import { IDEMPOTENCY_CLAIM_STALE_MS, RETENTION_DELETE_BATCH } from "../config";
import type { Db } from "./client";
import { idempotencyKeys } from "./schema";

export type IdempotencyRow = typeof idempotencyKeys.$inferSelect;

export type ClaimResult = { kind: "claimed" } | { kind: "existing"; row: IdempotencyRow };

/** Claims `key` for this request, or returns the row another request already holds. */
export async function claimKey(
  db: Db,
  input: { principalId: string; key: string; fingerprint: string; now: number; ttlMs: number },
): Promise<ClaimResult> {
  const { principalId, key, fingerprint, now, ttlMs } = input;
  const inserted = await db
    .insert(idempotencyKeys)
    .values({ principalId, key, fingerprint, state: "pending", createdAt: now, expiresAt: now + ttlMs })
    .onConflictDoNothing()
    .returning({ key: idempotencyKeys.key });
  if (inserted.length > 0) return { kind: "claimed" };

  const row = await db.query.idempotencyKeys.findFirst({
    where: and(eq(idempotencyKeys.principalId, principalId), eq(idempotencyKeys.key, key)),
  });
  if (!row) return claimKey(db, input); // released between our insert and read: try again
  if (row.expiresAt <= now || (row.state === "pending" && now - row.createdAt > IDEMPOTENCY_CLAIM_STALE_MS)) {
    // An expired record or a claim abandoned by a crashed request: take it over, atomically.
    const taken = await db
      .update(idempotencyKeys)
      .set({
        fingerprint,
        state: "pending",
        status: null,
        headers: null,
        body: null,
        createdAt: now,
        expiresAt: now + ttlMs,
      })
      .where(
        and(
          eq(idempotencyKeys.principalId, principalId),
          eq(idempotencyKeys.key, key),
          eq(idempotencyKeys.createdAt, row.createdAt),
        ),
      )
      .returning({ key: idempotencyKeys.key });
    if (taken.length > 0) return { kind: "claimed" };
    return claimKey(db, input);
  }
  return { kind: "existing", row };
}

/** Stores the response of a claimed key for replay. */
export async function completeKey(
  db: Db,
  input: { principalId: string; key: string; status: number; headers: Record<string, string>; body: string },
): Promise<void> {
  await db
    .update(idempotencyKeys)
    .set({ state: "complete", status: input.status, headers: input.headers, body: input.body })
    .where(and(eq(idempotencyKeys.principalId, input.principalId), eq(idempotencyKeys.key, input.key)));
}

/** Gives up a claim so that a retry can run the request afresh. */
export async function releaseKey(db: Db, principalId: string, key: string): Promise<void> {
  await db
    .delete(idempotencyKeys)
    .where(
      and(
        eq(idempotencyKeys.principalId, principalId),
        eq(idempotencyKeys.key, key),
        eq(idempotencyKeys.state, "pending"),
      ),
    );
}

/** Deletes expired records in bounded batches; returns how many went. */
export async function purgeExpiredKeys(db: Db, now: number): Promise<number> {
  let total = 0;
  for (;;) {
    const result = await db.run(
      sql`DELETE FROM idempotency_keys WHERE rowid IN (SELECT rowid FROM idempotency_keys WHERE expires_at <= ${now} LIMIT ${RETENTION_DELETE_BATCH})`,
    );
    const deleted = result.meta.changes ?? 0;
    total += deleted;
    if (deleted < RETENTION_DELETE_BATCH) return total;
  }
}
