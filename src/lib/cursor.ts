/**
 * Opaque page cursors. A cursor names the last row of the previous page by its sort key and
 * id, so rows inserted while a client pages never make it skip or repeat a row.
 */
import { ApiError } from "../errors";

export interface CursorPosition {
  /** The sort key of the last row returned (a timestamp, a version number...). */
  key: number;
  /** Tie-breaker between rows with the same sort key. */
  id: string;
}

function toBase64Url(text: string): string {
  return btoa(text).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): string {
  const b64 = text.replaceAll("-", "+").replaceAll("_", "/");
  return atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
}

export function encodeCursor(pos: CursorPosition): string {
  return toBase64Url(JSON.stringify([pos.key, pos.id]));
}

/** Decodes a `page` query value; anything we did not issue is a 400, never a 500. */
export function decodeCursor(cursor: string): CursorPosition {
  try {
    const parsed: unknown = JSON.parse(fromBase64Url(cursor));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      typeof parsed[0] === "number" &&
      Number.isFinite(parsed[0]) &&
      typeof parsed[1] === "string"
    ) {
      return { key: parsed[0], id: parsed[1] };
    }
  } catch {
    // fall through to the error below
  }
  throw new ApiError("invalid_cursor", "page is not a cursor this API issued", {
    fields: [{ path: "page", message: "invalid cursor" }],
  });
}

/**
 * Turns `limit + 1` fetched rows into a page: the extra row only tells us another page exists.
 */
export function toPage<T>(
  rows: T[],
  limit: number,
  position: (row: T) => CursorPosition,
): { data: T[]; next_page: string | null } {
  const data = rows.slice(0, limit);
  const last = data.at(-1);
  return { data, next_page: rows.length > limit && last ? encodeCursor(position(last)) : null };
}
