/**
 * API key storage. The secret is shown once at creation; D1 keeps only its SHA-256, which is
 * enough for keys of 238 random bits (no slow hash needed: there is nothing to brute-force).
 */
import { and, desc, eq, isNull } from "drizzle-orm";
import type { Scope } from "../auth/principal";
import { API_KEY_TOUCH_INTERVAL_MS } from "../config";
import { ApiError, notFound } from "../errors";
import { sha256Hex } from "../lib/crypto";
import { type CursorPosition, decodeCursor, toPage } from "../lib/cursor";
import { newId, randomBase62 } from "../lib/ids";
import { toRfc3339, toRfc3339OrNull } from "../lib/time";
import type { ApiKey } from "../schemas/api-keys";
import type { Db } from "./client";
import { beyondCursor } from "./paging";
import { apiKeys } from "./schema";

/** Every Clawplane API key starts with this, so secret scanners can recognise one. */
export const API_KEY_PREFIX = "cpk_";
const SECRET_LENGTH = 40;
const DISPLAY_PREFIX_LENGTH = API_KEY_PREFIX.length + 8;

export type ApiKeyRow = typeof apiKeys.$inferSelect;

/** The wire shape of a key: its metadata, never its secret (D1 holds only the hash anyway). */
export function apiKeyToWire(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    type: "api_key",
    name: row.name,
    key_prefix: row.keyPrefix,
    scopes: row.scopes as Scope[],
    created_by: row.createdBy,
    created_at: toRfc3339(row.createdAt),
    last_used_at: toRfc3339OrNull(row.lastUsedAt),
    expires_at: toRfc3339OrNull(row.expiresAt),
    revoked_at: toRfc3339OrNull(row.revokedAt),
  };
}

export interface CreatedApiKey {
  row: ApiKeyRow;
  /** The full secret: returned to the creator once, never stored. */
  secret: string;
}

export async function createApiKey(
  db: Db,
  input: { name: string; scopes: Scope[]; createdBy: string; expiresAt: number | null },
): Promise<CreatedApiKey> {
  const secret = API_KEY_PREFIX + randomBase62(SECRET_LENGTH);
  const row: ApiKeyRow = {
    id: newId("apiKey"),
    name: input.name,
    keyHash: await sha256Hex(secret),
    keyPrefix: secret.slice(0, DISPLAY_PREFIX_LENGTH),
    scopes: input.scopes,
    createdBy: input.createdBy,
    createdAt: Date.now(),
    lastUsedAt: null,
    expiresAt: input.expiresAt,
    revokedAt: null,
  };
  await db.insert(apiKeys).values(row);
  return { row, secret };
}

/** Finds a live (not revoked, not expired) key by its secret's SHA-256, or null. */
export async function findLiveKeyByHash(db: Db, keyHash: string, now: number): Promise<ApiKeyRow | null> {
  const row = await db.query.apiKeys.findFirst({ where: eq(apiKeys.keyHash, keyHash) });
  if (!row || row.revokedAt !== null || (row.expiresAt !== null && row.expiresAt <= now)) return null;
  return row;
}

/**
 * Records use of a key, at most once per interval so reads do not each cost a write. The row
 * passed in (an isolate's cached copy, src/db/api-key-cache.ts) is brought up to date too, so
 * its next requests within the interval write nothing either.
 */
export async function touchApiKey(db: Db, row: ApiKeyRow, now: number): Promise<void> {
  if (row.lastUsedAt !== null && now - row.lastUsedAt < API_KEY_TOUCH_INTERVAL_MS) return;
  row.lastUsedAt = now;
  await db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, row.id));
}

export async function getApiKey(db: Db, id: string): Promise<ApiKeyRow> {
  const row = await db.query.apiKeys.findFirst({ where: eq(apiKeys.id, id) });
  if (!row) throw notFound("api_key_not_found", "api key", id);
  return row;
}

const position = (row: ApiKeyRow): CursorPosition => ({ key: row.createdAt, id: row.id });

export async function listApiKeys(
  db: Db,
  query: { limit: number; page?: string; includeRevoked: boolean },
): Promise<{ data: ApiKeyRow[]; next_page: string | null }> {
  const after = query.page ? decodeCursor(query.page) : null;
  const rows = await db
    .select()
    .from(apiKeys)
    .where(
      and(
        query.includeRevoked ? undefined : isNull(apiKeys.revokedAt),
        beyondCursor(apiKeys.createdAt, apiKeys.id, after),
      ),
    )
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id))
    .limit(query.limit + 1);
  return toPage(rows, query.limit, position);
}

/** Revokes a key for good. Revoking twice is a 400 so a script learns it acted on a dead key. */
export async function revokeApiKey(db: Db, id: string, now: number): Promise<ApiKeyRow> {
  const current = await getApiKey(db, id);
  if (current.revokedAt !== null) throw new ApiError("api_key_revoked", `api key ${id} is already revoked`);
  const [row] = await db
    .update(apiKeys)
    .set({ revokedAt: now })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
    .returning();
  if (!row) throw new ApiError("api_key_revoked", `api key ${id} is already revoked`);
  return row;
}
