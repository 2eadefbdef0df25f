/**
 * Internal secret access: the only code that turns ciphertexts back into usable secrets, for
 * consumers inside the Worker (the session runtime start, the LLM proxy / egress handler), and
 * the key rotation sweep. Nothing here is reachable over HTTP except the rotation counts.
 */
import { and, asc, count, eq, gt, inArray, isNull, ne } from "drizzle-orm";
import type { Db } from "../db/client";
import { vaultCredentials, vaults } from "../db/schema";
import type { Keyring } from "../lib/keyring";
import { VaultDecryptError } from "../lib/sealed-secrets";
import type { CredentialAuth } from "../schemas/vaults";
import { joinAuth, type ResolvedAuth } from "./credential-auth";
import { type CredentialRow, openSecrets, sealSecrets } from "./credential-store";

/** One usable credential with its secrets. Never serialise this into a response, log or event. */
export interface LoadedCredential {
  credentialId: string;
  vaultId: string;
  auth: ResolvedAuth;
}

/**
 * Decrypts every live credential of the given live vaults (archived vaults and credentials are
 * skipped), ordered by vault as given, then oldest credential first. Fails closed: throws
 * `VaultDecryptError` if any ciphertext does not authenticate, rather than return a partial set.
 */
export async function loadCredentialSecrets(
  db: Db,
  keyring: Keyring,
  vaultIds: readonly string[],
): Promise<LoadedCredential[]> {
  if (vaultIds.length === 0) return [];
  const rows = await db
    .select({ credential: vaultCredentials })
    .from(vaultCredentials)
    .innerJoin(vaults, eq(vaults.id, vaultCredentials.vaultId))
    .where(
      and(
        inArray(vaultCredentials.vaultId, [...vaultIds]),
        isNull(vaultCredentials.archivedAt),
        isNull(vaults.archivedAt),
      ),
    )
    .orderBy(asc(vaultCredentials.createdAt), asc(vaultCredentials.id));
  const order = new Map(vaultIds.map((id, i) => [id, i]));
  const sorted = rows
    .map((r) => r.credential)
    .sort((a, b) => (order.get(a.vaultId) ?? 0) - (order.get(b.vaultId) ?? 0));
  return Promise.all(
    sorted.map(async (row) => ({
      credentialId: row.id,
      vaultId: row.vaultId,
      auth: joinAuth({ auth: row.auth as CredentialAuth, secrets: await openSecrets(keyring, row) }),
    })),
  );
}

/** Rows re-encrypted per D1 read, small enough for one request's CPU and subrequest budget. */
export const REENCRYPT_BATCH_ROWS = 100;

/** What one rotation sweep did. */
export interface ReencryptResult {
  /** Rows moved onto the current key. */
  reencrypted: number;
  /** Credential ids whose ciphertext could not be opened (unknown key or tampered); left as is. */
  failed: string[];
  /** Rows still under another key afterwards (the failed ones, rows beyond `maxRows`). */
  remaining: number;
}

async function reencryptRow(db: Db, keyring: Keyring, row: CredentialRow): Promise<boolean> {
  const secrets = await openSecrets(keyring, row);
  const { envelope, keyId } = await sealSecrets(keyring, row.vaultId, row.id, secrets);
  // Compare-and-swap on the old ciphertext: a concurrent update already re-sealed the row.
  const updated = await db
    .update(vaultCredentials)
    .set({ secretCiphertext: envelope, keyId })
    .where(and(eq(vaultCredentials.id, row.id), eq(vaultCredentials.secretCiphertext, row.secretCiphertext)))
    .returning({ id: vaultCredentials.id });
  return updated.length > 0;
}

/**
 * Re-encrypts every credential not under the keyring's current key, in id order, at most
 * `maxRows` of them per call. Secrets stay unchanged; only the envelope and key id move.
 * Rows that fail to open are reported in `failed` and skipped, never overwritten.
 */
export async function reencryptAll(
  db: Db,
  keyring: Keyring,
  { batchRows = REENCRYPT_BATCH_ROWS, maxRows = Number.POSITIVE_INFINITY } = {},
): Promise<ReencryptResult> {
  const stale = ne(vaultCredentials.keyId, keyring.currentId);
  const result: ReencryptResult = { reencrypted: 0, failed: [], remaining: 0 };
  let afterId = "";
  let visited = 0;
  while (visited < maxRows) {
    const rows = await db
      .select()
      .from(vaultCredentials)
      .where(and(stale, gt(vaultCredentials.id, afterId)))
      .orderBy(asc(vaultCredentials.id))
      .limit(Math.min(batchRows, maxRows - visited));
    for (const row of rows) {
      try {
        if (await reencryptRow(db, keyring, row)) result.reencrypted++;
      } catch (err) {
        if (!(err instanceof VaultDecryptError)) throw err;
        result.failed.push(row.id);
      }
    }
    visited += rows.length;
    const last = rows.at(-1);
    if (!last || rows.length < batchRows) break;
    afterId = last.id;
  }
  const [left] = await db.select({ n: count() }).from(vaultCredentials).where(stale);
  result.remaining = left?.n ?? 0;
  return result;
}
