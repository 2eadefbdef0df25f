/**
 * Typed errors. Every failure the SDK raises is a `ClawplaneError`; HTTP failures carry the
 * Worker's error envelope (`{type:"error", error:{type,message,details:{error_code,errors}}, request_id}`)
 * and are raised as the subclass for their status, so callers can branch with `instanceof`
 * (`NotFoundError`) or on the machine code (`err.code === "version_conflict"`).
 */
import type { ErrorCode, FieldError } from "../types.js";

/** Base of every error the SDK throws. */
export class ClawplaneError extends Error {
  /** HTTP status, or undefined when no response arrived (network failure, timeout, abort). */
  readonly status: number | undefined;
  /** Anthropic-style error type (`not_found_error`, `rate_limit_error`, …). */
  readonly type: string | undefined;
  /** The machine code from `error.details.error_code`; see the Worker's `src/errors.ts`. */
  readonly code: ErrorCode | (string & {}) | undefined;
  /** The `request-id` of the failed response: quote it when reporting a problem. */
  readonly requestId: string | undefined;
  /** Per-field problems of a 400 (`{path: "tools.0.name", message}`); empty otherwise. */
  readonly fieldErrors: FieldError[];
  /** The whole `error.details` object. */
  readonly details: Record<string, unknown>;
  /** Response headers, when there was a response. */
  readonly headers: Headers | undefined;

  constructor(
    message: string,
    init: {
      status?: number;
      type?: string;
      code?: string;
      requestId?: string;
      fieldErrors?: FieldError[];
      details?: Record<string, unknown>;
      headers?: Headers;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: init.cause });
    this.name = new.target.name;
    this.status = init.status;
    this.type = init.type;
    this.code = init.code;
    this.requestId = init.requestId;
    this.fieldErrors = init.fieldErrors ?? [];
    this.details = init.details ?? {};
    this.headers = init.headers;
  }
}

/** 400: the request is malformed or invalid; see `fieldErrors`. */
export class BadRequestError extends ClawplaneError {}
/** 401: missing or invalid API key. */
export class AuthenticationError extends ClawplaneError {}
/** 403: the key lacks the scope the call needs. */
export class PermissionDeniedError extends ClawplaneError {}
/** 404: nothing with that id (or not visible to this key). */
export class NotFoundError extends ClawplaneError {}
/** 409: conflicts with the current state (`version_conflict`, `name_conflict`, …). */
export class ConflictError extends ClawplaneError {}
/** 413: the request body is too large. */
export class RequestTooLargeError extends ClawplaneError {}
/** 422: e.g. an Idempotency-Key reused with a different request. */
export class UnprocessableEntityError extends ClawplaneError {}
/** 429: rate limited; the SDK already retried as `retry-after` asked. */
export class RateLimitError extends ClawplaneError {}
/** 5xx: the server failed; the SDK already retried. */
export class InternalServerError extends ClawplaneError {}
/** No response: DNS, connection reset, a stream cut before its headers. */
export class ConnectionError extends ClawplaneError {}
/** No response within the configured timeout. */
export class ConnectionTimeoutError extends ConnectionError {}
/** The caller's AbortSignal fired. */
export class AbortError extends ClawplaneError {}

const BY_STATUS: Record<number, typeof ClawplaneError> = {
  400: BadRequestError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  409: ConflictError,
  413: RequestTooLargeError,
  422: UnprocessableEntityError,
  429: RateLimitError,
};

interface Envelope {
  error?: { type?: string; message?: string; details?: Record<string, unknown> };
  request_id?: string;
}

/** Builds the typed error for a failed response from its status, headers and body text. */
export function errorFromResponse(status: number, headers: Headers, bodyText: string): ClawplaneError {
  let envelope: Envelope = {};
  try {
    envelope = JSON.parse(bodyText) as Envelope;
  } catch {
    // Not our envelope (a proxy's HTML page, an empty body): keep the status and raw text.
  }
  const details = envelope.error?.details ?? {};
  const code = typeof details.error_code === "string" ? details.error_code : undefined;
  const fieldErrors = Array.isArray(details.errors) ? (details.errors as FieldError[]) : [];
  const requestId = envelope.request_id ?? headers.get("request-id") ?? undefined;
  const message =
    envelope.error?.message ?? (bodyText.trim().slice(0, 200) || `request failed with status ${status}`);
  const Class = BY_STATUS[status] ?? (status >= 500 ? InternalServerError : ClawplaneError);
  return new Class(message, {
    status,
    type: envelope.error?.type,
    code,
    requestId,
    fieldErrors,
    details,
    headers,
  });
}
