/** Helpers shared by the unit tests. */
import { runInDurableObject } from "cloudflare:test";
import { ApiError } from "../../src/errors";
import { sessionObject } from "../helpers/session-object";

/** Runs `fn` and returns the `ApiError` it throws; fails the test if it throws nothing or anything else. */
export function apiError(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error("expected an ApiError");
}

/**
 * Runs `fn` with the storage of a Durable Object of its own (one no session uses), for units
 * that keep their state in a session object's SQLite or KV. A second instance of the unit over
 * the same storage sees what a restarted object would.
 */
export async function withObjectStorage<T>(
  fn: (storage: DurableObjectStorage) => T | Promise<T>,
): Promise<T> {
  return runInDurableObject(sessionObject(`unit-${crypto.randomUUID()}`), (_instance, state) =>
    fn(state.storage),
  );
}
