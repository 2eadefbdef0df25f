/**
 * Structural limits every JSON request body must meet, whatever its route and schema.
 *
 * The schemas check what a field means; these bound what any JSON value may look like, before
 * anything is validated or stored. Without them a 6 KB body nesting 1,000 levels is valid JSON,
 * passes a schema that accepts free-form JSON (a custom tool's `input_schema`), and is stored
 * deeper than SQLite's JSON functions can read (their limit is 1,000 levels), breaking every
 * query that looks into it; deeper still, serialising the value back overflows the stack.
 *
 * Strings must be well-formed Unicode text: a lone UTF-16 surrogate (`"\ud800"`) cannot be
 * stored faithfully (it turns into U+FFFD) and NUL truncates text in many consumers, so both
 * are refused in every string and object key.
 */
import type { FieldError } from "../errors";

export const JSON_LIMITS = {
  /** Nesting of objects and arrays; the body itself is level 1. */
  maxDepth: 64,
  /** Elements of one array. */
  maxArrayItems: 10_000,
  /** Keys of one object. */
  maxObjectKeys: 1_000,
  /** Characters of one object key. */
  maxKeyChars: 256,
} as const;

const pathOf = (path: readonly (string | number)[]) => (path.length ? path.join(".") : "body");

function textProblem(text: string): string | null {
  if (!text.isWellFormed()) return "contains a lone UTF-16 surrogate (not valid Unicode text)";
  if (text.includes("\u0000")) return "contains a NUL character";
  return null;
}

/** The first place `value` breaks a limit, as a field error naming its path; null when it is fine. */
export function jsonShapeProblem(value: unknown): FieldError | null {
  return check(value, [], 1);
}

function check(value: unknown, path: (string | number)[], depth: number): FieldError | null {
  if (typeof value === "string") {
    const problem = textProblem(value);
    return problem ? { path: pathOf(path), message: problem } : null;
  }
  if (typeof value !== "object" || value === null) return null;
  if (depth > JSON_LIMITS.maxDepth) {
    return { path: pathOf(path), message: `nested deeper than ${JSON_LIMITS.maxDepth} levels` };
  }
  if (Array.isArray(value)) {
    if (value.length > JSON_LIMITS.maxArrayItems) {
      return { path: pathOf(path), message: `has more than ${JSON_LIMITS.maxArrayItems} items` };
    }
    for (let i = 0; i < value.length; i++) {
      const problem = check(value[i], [...path, i], depth + 1);
      if (problem) return problem;
    }
    return null;
  }
  const keys = Object.keys(value);
  if (keys.length > JSON_LIMITS.maxObjectKeys) {
    return { path: pathOf(path), message: `has more than ${JSON_LIMITS.maxObjectKeys} keys` };
  }
  for (const key of keys) {
    const keyProblem =
      key.length > JSON_LIMITS.maxKeyChars
        ? `is longer than ${JSON_LIMITS.maxKeyChars} characters`
        : textProblem(key);
    if (keyProblem) return { path: pathOf([...path, key]), message: `key ${keyProblem}` };
    const problem = check((value as Record<string, unknown>)[key], [...path, key], depth + 1);
    if (problem) return problem;
  }
  return null;
}
