/**
 * Vault storage and the vault rules: create, read, update (display name, metadata patch),
 * archive (cascades to the vault's credentials, which are unusable from then on), delete
 * (removes the credentials and their ciphertexts with it), and keyset-paginated listing.
 */
import { and, desc, eq, isNull } from "drizzle-orm";
import type { Db } from "../db/client";
import { beyondCursor } from "../db/paging";
import { vaultCredentials, vaults } from "../db/schema";
import { ApiError, notFound } from "../errors";
import { decodeCursor, toPage } from "../lib/cursor";
import { newId } from "../lib/ids";
import { toRfc3339, toRfc3339OrNull } from "../lib/time";
import { applyMetadataPatch, assertValidMetadata } from "../schemas/metadata";
import type { Vault, VaultCreate, VaultUpdate } from "../schemas/vaults";

export type VaultRow = typeof vaults.$inferSelect;

/** The wire form of a stored vault. */
export function vaultToWire(r: VaultRow): Vault {
  return {
    id: r.id,
    type: "vault",
    display_name: r.displayName,
    metadata: r.metadata,
    created_at: toRfc3339(r.createdAt),
    updated_at: toRfc3339(r.updatedAt),
    archived_at: toRfc3339OrNull(r.archivedAt),
  };
}

/** Creates a vault. Throws `invalid_metadata`. */
export async function createVault(db: Db, body: VaultCreate, now: number): Promise<VaultRow> {
  const metadata = { ...body.metadata };
  assertValidMetadata(metadata);
  const row: VaultRow = {
    id: newId("vault"),
    displayName: body.display_name,
    metadata,
    createdAt: now,
    updatedAt: now,
    archivedAt: null,
  };
  await db.insert(vaults).values(row);
  return row;
}

/** Reads a vault. Throws `vault_not_found`. */
export async function getVault(db: Db, id: string): Promise<VaultRow> {
  const row = await db.query.vaults.findFirst({ where: eq(vaults.id, id) });
  if (!row) throw notFound("vault_not_found", "vault", id);
  return row;
}

/** Throws `vault_archived` for an archived vault: it takes no changes and no new credentials. */
export function assertVaultLive(vault: VaultRow): void {
  if (vault.archivedAt !== null) throw new ApiError("vault_archived", `vault ${vault.id} is archived`);
}

/** Applies an update. Throws `vault_not_found`, `vault_archived` or `invalid_metadata`. */
export async function updateVault(db: Db, id: string, body: VaultUpdate, now: number): Promise<VaultRow> {
  const current = await getVault(db, id);
  assertVaultLive(current);
  const displayName = body.display_name ?? current.displayName;
  const metadata = body.metadata
    ? applyMetadataPatch(current.metadata, body.metadata, { emptyStringDeletes: false })
    : current.metadata;
  const [row] = await db
    .update(vaults)
    .set({ displayName, metadata, updatedAt: now })
    .where(and(eq(vaults.id, id), isNull(vaults.archivedAt)))
    .returning();
  // Archived between our read and this write.
  if (!row) throw new ApiError("vault_archived", `vault ${id} is archived`);
  return row;
}

/** Archives a vault and its live credentials (idempotent). Throws `vault_not_found`. */
export async function archiveVault(db: Db, id: string, now: number): Promise<VaultRow> {
  await getVault(db, id);
  await db.batch([
    db
      .update(vaults)
      .set({ archivedAt: now, updatedAt: now })
      .where(and(eq(vaults.id, id), isNull(vaults.archivedAt))),
    db
      .update(vaultCredentials)
      .set({ archivedAt: now, updatedAt: now })
      .where(and(eq(vaultCredentials.vaultId, id), isNull(vaultCredentials.archivedAt))),
  ]);
  return getVault(db, id);
}

/** Deletes a vault and all its credentials in one batch. Throws `vault_not_found`. */
export async function deleteVault(db: Db, id: string): Promise<void> {
  const [, deleted] = await db.batch([
    // Explicit rather than relying on ON DELETE CASCADE, which needs foreign keys enforced.
    db.delete(vaultCredentials).where(eq(vaultCredentials.vaultId, id)),
    db.delete(vaults).where(eq(vaults.id, id)).returning({ id: vaults.id }),
  ]);
  if (deleted.length === 0) throw notFound("vault_not_found", "vault", id);
}

/** Lists vaults newest first. */
export async function listVaults(
  db: Db,
  q: { limit: number; page?: string; includeArchived: boolean; onlyId?: string },
): Promise<{ data: VaultRow[]; next_page: string | null }> {
  const after = q.page ? decodeCursor(q.page) : null;
  const rows = await db
    .select()
    .from(vaults)
    .where(
      and(
        q.includeArchived ? undefined : isNull(vaults.archivedAt),
        q.onlyId !== undefined ? eq(vaults.id, q.onlyId) : undefined,
        beyondCursor(vaults.createdAt, vaults.id, after),
      ),
    )
    .orderBy(desc(vaults.createdAt), desc(vaults.id))
    .limit(q.limit + 1);
  return toPage(rows, q.limit, (r) => ({ key: r.createdAt, id: r.id }));
}
