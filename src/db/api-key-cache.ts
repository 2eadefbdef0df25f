/**
 * An isolate's short-lived memory of the API keys it has seen live, so an API call does not
 * read D1 for its key every time (a D1 round trip on every request, the send of a turn
 * included). Keyed by the key's SHA-256, the only form D1 holds.
 *
 * What a cached key may still do, written down because it is weaker than a read per request:
 * - **Revocation**: a key revoked through this isolate is forgotten at once (`forgetApiKey`);
 *   any other isolate stops accepting it within `API_KEY_CACHE_TTL_MS` (10 s), when its entry
 *   expires and D1 is read again.
 * - **Expiry** is exact: `expires_at` is checked against the clock on every request.
 * - Only live keys are remembered: an unknown, revoked or expired key reads D1 every time
 *   (and is throttled by client IP), so guessing keys fills nothing.
 * Scopes cannot change after creation, so a cached row's scopes are the key's.
 */
import { API_KEY_CACHE_MAX_ENTRIES, API_KEY_CACHE_TTL_MS } from "../config";
import { sha256Hex } from "../lib/crypto";
import { type ApiKeyRow, findLiveKeyByHash } from "./api-keys";
import type { Db } from "./client";

interface Entry {
  row: ApiKeyRow;
  /** When it was read from D1 (epoch ms). */
  readAt: number;
}

const entries = new Map<string, Entry>();

/** The live key whose secret this is, from this isolate's memory while fresh, else from D1. */
export async function liveApiKey(db: Db, secret: string, now: number): Promise<ApiKeyRow | null> {
  const hash = await sha256Hex(secret);
  const cached = entries.get(hash);
  if (cached && now - cached.readAt < API_KEY_CACHE_TTL_MS && now >= cached.readAt) {
    const { row } = cached;
    return row.expiresAt !== null && row.expiresAt <= now ? null : row;
  }
  entries.delete(hash);
  const row = await findLiveKeyByHash(db, hash, now);
  if (!row) return null;
  // Oldest first out: a Map iterates in insertion order.
  if (entries.size >= API_KEY_CACHE_MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
  entries.set(hash, { row, readAt: now });
  return row;
}

/** Forgets a key (revoked through this isolate): its next use reads D1 and is refused. */
export function forgetApiKey(id: string): void {
  for (const [hash, entry] of entries) if (entry.row.id === id) entries.delete(hash);
}
