/**
 * Keyset paging over (sort key, id): the rows strictly beyond a cursor, in either direction.
 * One condition for every list, so none of them can skip or repeat rows at equal sort keys.
 */
import { and, eq, gt, lt, or, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { CursorPosition } from "../lib/cursor";

export function beyondCursor(
  key: SQLiteColumn,
  id: SQLiteColumn,
  cursor: CursorPosition | null,
  order: "asc" | "desc" = "desc",
): SQL | undefined {
  if (!cursor) return undefined;
  const beyond = order === "desc" ? lt : gt;
  return or(beyond(key, cursor.key), and(eq(key, cursor.key), beyond(id, cursor.id)));
}
