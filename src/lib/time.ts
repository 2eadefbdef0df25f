/** Time helpers: D1 stores epoch milliseconds; the wire speaks RFC 3339. */

/** Epoch ms → RFC 3339 (`2026-11-22T10:23:01.120Z`). */
export function toRfc3339(ms: number): string {
  return new Date(ms).toISOString();
}

/** Nullable variant for `archived_at` style columns. */
export function toRfc3339OrNull(ms: number | null | undefined): string | null {
  return ms == null ? null : toRfc3339(ms);
}
