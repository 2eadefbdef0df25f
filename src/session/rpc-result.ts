/**
 * Errors across the Durable Object RPC boundary. Workers RPC re-creates thrown errors with
 * their message but not our fields (code, field paths), so session methods return a result
 * and the Worker side turns a failure back into the same `ApiError`.
 */
import { ApiError, type ErrorCode, type FieldError } from "../errors";

export type RpcResult<T> =
  | { ok: true; value: T }
  | { ok: false; code: ErrorCode; message: string; fields?: FieldError[]; details?: Record<string, unknown> };

/** Runs `fn` inside the DO, capturing an `ApiError` as a failed result; other errors propagate. */
export async function capture<T>(fn: () => T | Promise<T>): Promise<RpcResult<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    if (err instanceof ApiError) {
      return { ok: false, code: err.code, message: err.message, fields: err.fields, details: err.details };
    }
    throw err;
  }
}

/** Worker side: the value, or the original `ApiError` rethrown. */
export async function unwrap<T>(result: Promise<RpcResult<T>>): Promise<T> {
  const r = await result;
  if (r.ok) return r.value;
  throw new ApiError(r.code, r.message, { fields: r.fields, details: r.details });
}
