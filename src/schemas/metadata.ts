/**
 * Metadata bags shared by agents and environments.
 *
 * A metadata bag is a flat `Record<string, string>` with fixed limits (16 pairs, keys of 1–64
 * characters, values of at most 512). Creates carry a whole bag; updates carry a patch where a
 * string upserts a key and `null` deletes it (environments also treat `""` as a delete).
 *
 * Limit violations found while parsing carry `params.error_code = "invalid_metadata"` on the zod
 * issue so the validation hook can report the same machine code that `applyMetadataPatch` throws.
 */
import { z } from "@hono/zod-openapi";
import { ApiError, type FieldError } from "../errors";

/** The limits the API enforces on every stored metadata bag. */
export const METADATA_LIMITS = { maxPairs: 16, maxKeyLength: 64, maxValueLength: 512 } as const;

/** The zod issue params that mark a metadata limit violation. */
export const METADATA_ISSUE_PARAMS = { error_code: "invalid_metadata" } as const;

function keyProblem(key: string): string | undefined {
  if (key.length === 0) return "metadata keys must not be empty";
  if (key.length > METADATA_LIMITS.maxKeyLength) {
    return `metadata key "${key.slice(0, 16)}…" is longer than ${METADATA_LIMITS.maxKeyLength} characters`;
  }
  return undefined;
}

function valueProblem(key: string, value: string): string | undefined {
  if (value.length > METADATA_LIMITS.maxValueLength) {
    return `metadata value for "${key}" is longer than ${METADATA_LIMITS.maxValueLength} characters`;
  }
  return undefined;
}

/**
 * Lists every limit a metadata bag (or patch, when `countPairs` is false) breaks, each addressed
 * by a field path under `prefix`.
 */
export function metadataProblems(
  bag: Record<string, string | null>,
  { prefix = "metadata", countPairs = true }: { prefix?: string; countPairs?: boolean } = {},
): FieldError[] {
  const problems: FieldError[] = [];
  const keys = Object.keys(bag);
  if (countPairs && keys.length > METADATA_LIMITS.maxPairs) {
    problems.push({
      path: prefix,
      message: `metadata has ${keys.length} pairs; at most ${METADATA_LIMITS.maxPairs} are allowed`,
    });
  }
  for (const key of keys) {
    const value = bag[key];
    const message = keyProblem(key) ?? (typeof value === "string" ? valueProblem(key, value) : undefined);
    if (message) problems.push({ path: `${prefix}.${key}`, message });
  }
  return problems;
}

function refineWith(countPairs: boolean) {
  return (bag: Record<string, string | null>, ctx: z.RefinementCtx) => {
    for (const problem of metadataProblems(bag, { prefix: "", countPairs })) {
      // metadataProblems paths look like ".key" or "" here; zod wants them relative to the bag.
      const path = problem.path === "" ? [] : [problem.path.slice(1)];
      ctx.addIssue({ code: "custom", message: problem.message, path, params: METADATA_ISSUE_PARAMS });
    }
  };
}

/** A complete metadata bag, as sent on create and returned on every object. */
export const MetadataSchema = z
  .record(z.string(), z.string())
  .superRefine(refineWith(true))
  .openapi("Metadata", {
    description: "Arbitrary key-value pairs: at most 16, keys 1–64 characters, values up to 512.",
    example: { team: "platform" },
  });
export type Metadata = z.infer<typeof MetadataSchema>;

/**
 * A metadata patch, as sent on update: a string upserts the key, `null` deletes it. The pair
 * count is checked on the patched result, not on the patch.
 */
export const MetadataPatchSchema = z
  .record(z.string(), z.string().nullable())
  .superRefine(refineWith(false))
  .openapi("MetadataPatch", {
    description: "Metadata patch: a string value upserts the key, null deletes it.",
    example: { team: "platform", obsolete: null },
  });
export type MetadataPatch = z.infer<typeof MetadataPatchSchema>;

/** Throws `invalid_metadata` naming every limit the bag breaks. */
export function assertValidMetadata(bag: Record<string, string>, prefix = "metadata"): void {
  const problems = metadataProblems(bag, { prefix });
  if (problems.length > 0) {
    throw new ApiError("invalid_metadata", problems.map((p) => p.message).join("; "), { fields: problems });
  }
}

/**
 * Applies a metadata patch to a stored bag and returns the new bag; `current` is not modified.
 *
 * `null` deletes a key; with `emptyStringDeletes` (environments) `""` deletes it too, otherwise
 * `""` is stored as a value. Throws `invalid_metadata` when the result breaks the limits.
 */
export function applyMetadataPatch(
  current: Record<string, string>,
  patch: Record<string, string | null>,
  { emptyStringDeletes }: { emptyStringDeletes: boolean },
): Record<string, string> {
  const next: Record<string, string> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null || (emptyStringDeletes && value === "")) delete next[key];
    else next[key] = value;
  }
  assertValidMetadata(next);
  return next;
}
