/**
 * Durable memory of `Idempotency-Key` requests. A request first *claims* its key (an insert
 * that only one concurrent request can win); when it finishes, the response is stored for
 * replay, or the claim is released if the outcome should not be remembered (5xx).
 *
 * Stored bodies are sealed with the vault keyring (AES-256-GCM, src/lib/sealed-secrets.ts): a
 * replayed body can be a one-time secret (a new API key, a plane or member token), and secrets
 * are never at rest in plaintext. Every body is sealed, not only the secret-bearing ones, so no
 * route can forget to ask for it. Records are not re-encrypted by `POST /v1/vaults/rotate`:
 * they live for the TTL only, and open under whichever keyring entry sealed them (its id is in
 * the envelope and in `key_id`) for as long as that entry stays in the keyring.
 */
import { and, eq, isNotNull, isNull, sql } from "drizzle-orm";
import { IDEMPOTENCY_CLAIM_STALE_MS, RETENTION_DELETE_BATCH } from "../config";
import type { Keyring } from "../lib/keyring";
import { open, seal, VaultDecryptError } from "../lib/sealed-secrets";
import type { Db } from "./client";
import { idempotencyKeys } from "./schema";

export type IdempotencyRow = typeof idempotencyKeys.$inferSelect;

/**
 * The additional data a stored body is bound to: its caller and key, so a ciphertext copied
 * onto another caller's record does not open there. JSON, because keys may contain any
 * visible character (a plain separator would be ambiguous).
 */
function bodyAad(principalId: string, key: string): string {
  return `clawplane.idempotency.v1:${JSON.stringify([principalId, key])}`;
}

/** What a complete record replays. */
export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Opens a complete record for replay, or returns undefined when it cannot be: its body was
 * sealed under a key no longer in the keyring, fails authentication, or predates encryption
 * (migration 0005 emptied those). Never throws for a bad record, so it can never become a 500.
 */
export async function openStoredResponse(
  keyring: Keyring,
  row: IdempotencyRow,
): Promise<StoredResponse | undefined> {
  if (row.status === null || row.keyId === null || row.bodyCiphertext === null) return undefined;
  try {
    const body = await open(keyring, bodyAad(row.principalId, row.key), row.bodyCiphertext);
    return { status: row.status, headers: row.headers ?? {}, body };
  } catch (err) {
    if (err instanceof VaultDecryptError) return undefined;
    throw err;
  }
}

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
        bodyCiphertext: null,
        keyId: null,
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

/** Stores the response of a claimed key for replay, its body sealed under the current key. */
export async function completeKey(
  db: Db,
  keyring: Keyring,
  input: { principalId: string; key: string } & StoredResponse,
): Promise<void> {
  const { envelope, keyId } = await seal(keyring, bodyAad(input.principalId, input.key), input.body);
  await db
    .update(idempotencyKeys)
    .set({ state: "complete", status: input.status, headers: input.headers, bodyCiphertext: envelope, keyId })
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

/**
 * Deletes expired records in bounded batches; returns how many went. Also empties any
 * plaintext body a pre-encryption Worker wrote while a deploy was rolling out (after
 * migration 0005 ran, before this code was live): those records then answer
 * `idempotency_replay_unavailable` like the ones the migration emptied.
 */
export async function purgeExpiredKeys(db: Db, now: number): Promise<number> {
  await db
    .update(idempotencyKeys)
    .set({ bodyCiphertext: null })
    .where(and(isNull(idempotencyKeys.keyId), isNotNull(idempotencyKeys.bodyCiphertext)));
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
