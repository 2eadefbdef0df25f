/**
 * Credential storage. Plaintext secrets exist only in memory between the request body and
 * `sealSecrets`; D1 receives the public half of `auth` and an AES-GCM envelope.
 *
 * The ≤20-live-credentials limit and "vault still live" are checked inside the INSERT itself
 * (INSERT … SELECT … WHERE), so two racing creates can never both take the 20th slot; the
 * partial unique index turns a duplicate MCP server URL or secret name into a 409.
 */
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { isUniqueViolation } from "../db/constraint-errors";
import { beyondCursor } from "../db/paging";
import { vaultCredentials } from "../db/schema";
import { ApiError, notFound } from "../errors";
import { decodeCursor, toPage } from "../lib/cursor";
import { newId } from "../lib/ids";
import type { Keyring } from "../lib/keyring";
import { credentialAad, open, seal } from "../lib/sealed-secrets";
import { toRfc3339, toRfc3339OrNull } from "../lib/time";
import { applyMetadataPatch, assertValidMetadata } from "../schemas/metadata";
import type { Credential, CredentialAuth, CredentialCreate, CredentialUpdate } from "../schemas/vaults";
import {
  applyAuthUpdate,
  type CredentialSecrets,
  matchKeyOf,
  type SplitAuth,
  splitCreateAuth,
} from "./credential-auth";
import { assertVaultLive, getVault } from "./vault-store";

/** Most live (non-archived) credentials one vault may hold. */
export const MAX_CREDENTIALS_PER_VAULT = 20;

export type CredentialRow = typeof vaultCredentials.$inferSelect;

/** The wire form of a stored credential: built from the public columns only. */
export function credentialToWire(r: CredentialRow): Credential {
  return {
    id: r.id,
    type: "vault_credential",
    vault_id: r.vaultId,
    display_name: r.displayName,
    auth: r.auth as CredentialAuth,
    metadata: r.metadata,
    created_at: toRfc3339(r.createdAt),
    updated_at: toRfc3339(r.updatedAt),
    archived_at: toRfc3339OrNull(r.archivedAt),
  };
}

/** Seals a credential's secrets, bound to its vault and id. */
export function sealSecrets(keyring: Keyring, vaultId: string, id: string, secrets: CredentialSecrets) {
  return seal(keyring, credentialAad(vaultId, id), JSON.stringify(secrets));
}

/** Opens a row's secrets. Throws `VaultDecryptError` (fail closed) if they cannot be authenticated. */
export async function openSecrets(keyring: Keyring, row: CredentialRow): Promise<CredentialSecrets> {
  const text = await open(keyring, credentialAad(row.vaultId, row.id), row.secretCiphertext);
  return JSON.parse(text) as CredentialSecrets;
}

function conflict(auth: CredentialAuth, cause: unknown): ApiError {
  const [path, what] =
    auth.type === "environment_variable"
      ? ["auth.secret_name", `secret_name ${auth.secret_name}`]
      : ["auth.mcp_server_url", "this mcp_server_url"];
  return new ApiError("vault_credential_conflict", `the vault already has a live credential for ${what}`, {
    fields: [{ path, message: "already in use in this vault" }],
    cause,
  });
}

/** Creates a credential. Throws 404/400 (`vault_archived`, limit, bad auth) or 409 on a duplicate. */
export async function createCredential(
  db: Db,
  keyring: Keyring,
  vaultId: string,
  body: CredentialCreate,
  now: number,
): Promise<CredentialRow> {
  assertVaultLive(await getVault(db, vaultId));
  const metadata = { ...body.metadata };
  assertValidMetadata(metadata);
  const { auth, secrets } = splitCreateAuth(body.auth, now);
  const id = newId("vaultCredential");
  const { envelope, keyId } = await sealSecrets(keyring, vaultId, id, secrets);
  const row: CredentialRow = {
    id,
    vaultId,
    displayName: body.display_name ?? null,
    authType: auth.type,
    matchKey: matchKeyOf(auth),
    auth,
    secretCiphertext: envelope,
    keyId,
    metadata,
    createdAt: now,
    updatedAt: now,
    archivedAt: null,
  };
  let changes: number;
  try {
    const result = await db.run(sql`
      INSERT INTO vault_credentials (id, vault_id, display_name, auth_type, match_key, auth,
        secret_ciphertext, key_id, metadata, created_at, updated_at, archived_at)
      SELECT ${id}, ${vaultId}, ${row.displayName}, ${row.authType}, ${row.matchKey},
        ${JSON.stringify(auth)}, ${envelope}, ${keyId}, ${JSON.stringify(metadata)}, ${now}, ${now}, NULL
      WHERE EXISTS (SELECT 1 FROM vaults WHERE id = ${vaultId} AND archived_at IS NULL)
        AND (SELECT count(*) FROM vault_credentials WHERE vault_id = ${vaultId} AND archived_at IS NULL)
          < ${MAX_CREDENTIALS_PER_VAULT}`);
    changes = result.meta.changes;
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(auth, err);
    throw err;
  }
  if (changes === 0) {
    assertVaultLive(await getVault(db, vaultId));
    throw new ApiError(
      "vault_credential_limit_exceeded",
      `a vault holds at most ${MAX_CREDENTIALS_PER_VAULT} live credentials; archive or delete one first`,
      { details: { limit: MAX_CREDENTIALS_PER_VAULT } },
    );
  }
  return row;
}

/** Reads a credential of a vault. Throws `vault_not_found` or `vault_credential_not_found`. */
export async function getCredential(db: Db, vaultId: string, id: string): Promise<CredentialRow> {
  const row = await db.query.vaultCredentials.findFirst({
    where: and(eq(vaultCredentials.id, id), eq(vaultCredentials.vaultId, vaultId)),
  });
  if (row) return row;
  await getVault(db, vaultId);
  throw notFound("vault_credential_not_found", "credential", id);
}

/** Applies an update; secrets are opened, merged and re-sealed under the current key. */
export async function updateCredential(
  db: Db,
  keyring: Keyring,
  vaultId: string,
  id: string,
  body: CredentialUpdate,
  now: number,
): Promise<CredentialRow> {
  assertVaultLive(await getVault(db, vaultId));
  const current = await getCredential(db, vaultId, id);
  if (current.archivedAt !== null) {
    throw new ApiError("vault_credential_archived", `credential ${id} is archived`);
  }
  const changes: Partial<CredentialRow> = { updatedAt: now };
  if (body.auth) {
    const stored: SplitAuth = {
      auth: current.auth as CredentialAuth,
      secrets: await openSecrets(keyring, current),
    };
    const next = applyAuthUpdate(stored, body.auth, now);
    const { envelope, keyId } = await sealSecrets(keyring, vaultId, id, next.secrets);
    Object.assign(changes, { auth: next.auth, secretCiphertext: envelope, keyId });
  }
  if (body.display_name !== undefined) changes.displayName = body.display_name;
  if (body.metadata) {
    changes.metadata = applyMetadataPatch(current.metadata, body.metadata, { emptyStringDeletes: false });
  }
  const [row] = await db
    .update(vaultCredentials)
    .set(changes)
    .where(and(eq(vaultCredentials.id, id), isNull(vaultCredentials.archivedAt)))
    .returning();
  if (!row) throw new ApiError("vault_credential_archived", `credential ${id} is archived`);
  return row;
}

/** Archives a credential (idempotent): it stops being usable and frees its URL or name. */
export async function archiveCredential(db: Db, vaultId: string, id: string, now: number) {
  await getCredential(db, vaultId, id);
  await db
    .update(vaultCredentials)
    .set({ archivedAt: now, updatedAt: now })
    .where(and(eq(vaultCredentials.id, id), isNull(vaultCredentials.archivedAt)));
  return getCredential(db, vaultId, id);
}

/** Deletes a credential and its ciphertext for good. */
export async function deleteCredential(db: Db, vaultId: string, id: string): Promise<void> {
  const deleted = await db
    .delete(vaultCredentials)
    .where(and(eq(vaultCredentials.id, id), eq(vaultCredentials.vaultId, vaultId)))
    .returning({ id: vaultCredentials.id });
  if (deleted.length === 0) await getCredential(db, vaultId, id); // throws the right 404
}

/** Lists a vault's credentials, newest first. Throws `vault_not_found`. */
export async function listCredentials(
  db: Db,
  vaultId: string,
  q: { limit: number; page?: string; includeArchived: boolean },
): Promise<{ data: CredentialRow[]; next_page: string | null }> {
  await getVault(db, vaultId);
  const after = q.page ? decodeCursor(q.page) : null;
  const c = vaultCredentials;
  const rows = await db
    .select()
    .from(c)
    .where(
      and(
        eq(c.vaultId, vaultId),
        q.includeArchived ? undefined : isNull(c.archivedAt),
        beyondCursor(c.createdAt, c.id, after),
      ),
    )
    .orderBy(desc(c.createdAt), desc(c.id))
    .limit(q.limit + 1);
  return toPage(rows, q.limit, (r) => ({ key: r.createdAt, id: r.id }));
}
