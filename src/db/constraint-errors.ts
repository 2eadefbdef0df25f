/**
 * Recognises SQLite constraint violations through drizzle's and D1's error wrappers, so stores
 * can turn a lost race (duplicate key) into a 409 instead of a 500.
 */

function messages(err: unknown): string[] {
  const out: string[] = [];
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++)
    out.push(e.message);
  return out;
}

/** True when `err` (or its cause chain) is a UNIQUE or PRIMARY KEY violation. */
export function isUniqueViolation(err: unknown): boolean {
  return messages(err).some((m) => /UNIQUE constraint failed|PRIMARY KEY constraint failed/i.test(m));
}
