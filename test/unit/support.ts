/** Helpers shared by the unit tests. */
import { ApiError } from "../../src/errors";

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
