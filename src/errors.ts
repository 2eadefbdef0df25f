/**
 * The one error model of the API.
 *
 * Every failure is thrown as an `ApiError` carrying a machine code from `ERROR_CODES`.
 * The code decides the HTTP status and the Anthropic-style `error.type`; `app.onError`
 * (see `toErrorResponse`) is the only place the wire envelope is built:
 *
 *   {"type":"error","error":{"type","message","details":{"error_code",...}},"request_id"}
 *
 * This matches what `@anthropic-ai/sdk` parses (`err.type`, `err.errorCode`, `err.details`).
 * Detail meant for operators goes to logs, never into `message`.
 */

/** Anthropic error `type` values the SDKs understand. */
export type ErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "conflict_error"
  | "request_too_large"
  | "rate_limit_error"
  | "api_error"
  | "overloaded_error";

interface CodeSpec {
  status: 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 422 | 429 | 499 | 500 | 502 | 503;
  type: ErrorType;
  /** Whether a client may retry the same request unchanged (sets `x-should-retry`). */
  retry: boolean;
}

/** Registry of every machine error code the API emits. */
export const ERROR_CODES = {
  // 400: the request itself is wrong
  invalid_request: { status: 400, type: "invalid_request_error", retry: false },
  invalid_json: { status: 400, type: "invalid_request_error", retry: false },
  /** A chat platform refused the channel's credentials when the channel was created. */
  channel_credentials_rejected: { status: 400, type: "invalid_request_error", retry: false },
  invalid_metadata: { status: 400, type: "invalid_request_error", retry: false },
  invalid_cursor: { status: 400, type: "invalid_request_error", retry: false },
  invalid_config_type_change: { status: 400, type: "invalid_request_error", retry: false },
  unsupported_environment_type: { status: 400, type: "invalid_request_error", retry: false },
  environment_archived: { status: 400, type: "invalid_request_error", retry: false },
  agent_archived: { status: 400, type: "invalid_request_error", retry: false },
  /** The primary thread is the session: it is archived with the session, not on its own. */
  primary_thread: { status: 400, type: "invalid_request_error", retry: false },
  api_key_revoked: { status: 400, type: "invalid_request_error", retry: false },
  vault_archived: { status: 400, type: "invalid_request_error", retry: false },
  vault_credential_archived: { status: 400, type: "invalid_request_error", retry: false },
  vault_credential_limit_exceeded: { status: 400, type: "invalid_request_error", retry: false },
  credential_type_change: { status: 400, type: "invalid_request_error", retry: false },
  credential_immutable_field: { status: 400, type: "invalid_request_error", retry: false },
  // 401 / 403: who you are and what you may do
  authentication_required: { status: 401, type: "authentication_error", retry: false },
  invalid_api_key: { status: 401, type: "authentication_error", retry: false },
  /** A session runtime's token (MCP proxy) is missing, malformed or not the session's current one. */
  invalid_session_token: { status: 401, type: "authentication_error", retry: false },
  permission_denied: { status: 403, type: "permission_error", retry: false },
  /** The environment's limited networking does not reach that MCP server. */
  egress_denied: { status: 403, type: "permission_error", retry: false },
  /** The agent's tool policy does not let that MCP tool call run (now). */
  tool_not_permitted: { status: 403, type: "permission_error", retry: false },
  beam_delegation_forbidden: { status: 403, type: "permission_error", retry: false },
  // 404: nothing by that id (or not visible to this caller)
  not_found: { status: 404, type: "not_found_error", retry: false },
  agent_not_found: { status: 404, type: "not_found_error", retry: false },
  skill_not_found: { status: 404, type: "not_found_error", retry: false },
  agent_version_not_found: { status: 404, type: "not_found_error", retry: false },
  environment_not_found: { status: 404, type: "not_found_error", retry: false },
  api_key_not_found: { status: 404, type: "not_found_error", retry: false },
  session_not_found: { status: 404, type: "not_found_error", retry: false },
  /** The session has no thread by that id. */
  thread_not_found: { status: 404, type: "not_found_error", retry: false },
  vault_not_found: { status: 404, type: "not_found_error", retry: false },
  vault_credential_not_found: { status: 404, type: "not_found_error", retry: false },
  plane_not_found: { status: 404, type: "not_found_error", retry: false },
  plane_member_not_found: { status: 404, type: "not_found_error", retry: false },
  plane_rollout_not_found: { status: 404, type: "not_found_error", retry: false },
  beam_run_not_found: { status: 404, type: "not_found_error", retry: false },
  teleport_not_configured: { status: 404, type: "not_found_error", retry: false },
  tailnet_not_configured: { status: 404, type: "not_found_error", retry: false },
  peer_not_found: { status: 404, type: "not_found_error", retry: false },
  peer_credential_not_found: { status: 404, type: "not_found_error", retry: false },
  channel_not_found: { status: 404, type: "not_found_error", retry: false },
  /** The session's agent declares no MCP server by that name. */
  mcp_server_not_found: { status: 404, type: "not_found_error", retry: false },
  method_not_allowed: { status: 405, type: "invalid_request_error", retry: false },
  // 409: the state of the world disagrees with the request
  version_conflict: { status: 409, type: "conflict_error", retry: false },
  beam_run_ended: { status: 409, type: "conflict_error", retry: false },
  name_conflict: { status: 409, type: "conflict_error", retry: false },
  idempotency_request_in_progress: { status: 409, type: "conflict_error", retry: true },
  session_terminated: { status: 409, type: "conflict_error", retry: false },
  session_running: { status: 409, type: "conflict_error", retry: false },
  /** A session's runtime called the model while the session runs no turn (LLM proxy). */
  session_idle: { status: 409, type: "conflict_error", retry: false },
  vault_credential_conflict: { status: 409, type: "conflict_error", retry: false },
  plane_not_empty: { status: 409, type: "conflict_error", retry: false },
  plane_member_removed: { status: 409, type: "conflict_error", retry: false },
  /** A peer credential revoked twice. */
  peer_credential_revoked: { status: 409, type: "conflict_error", retry: false },
  rollout_conflict: { status: 409, type: "conflict_error", retry: false },
  // 413 / 415 / 422
  request_too_large: { status: 413, type: "request_too_large", retry: false },
  unsupported_media_type: { status: 415, type: "invalid_request_error", retry: false },
  idempotency_key_reused: { status: 422, type: "invalid_request_error", retry: false },
  /** The first response of this key ran but cannot be shown again (its encryption key is gone). */
  idempotency_replay_unavailable: { status: 422, type: "invalid_request_error", retry: false },
  // 429
  rate_limited: { status: 429, type: "rate_limit_error", retry: true },
  /** A session reached one of its quotas (agent `session_limits` or session `budget`). */
  quota_exceeded: { status: 429, type: "rate_limit_error", retry: false },
  /** A plane member's spend this calendar month reached the plane's budget: retrying cannot help. */
  budget_exceeded: { status: 429, type: "rate_limit_error", retry: false },
  /** The caller went away before the answer (nginx's 499): nobody reads it, logs see it. */
  client_closed: { status: 499, type: "invalid_request_error", retry: true },
  // 5xx: our fault or a server's we call; the message never carries internals
  internal_error: { status: 500, type: "api_error", retry: true },
  /** An agent's MCP server could not be reached (MCP proxy). */
  mcp_server_unreachable: { status: 502, type: "api_error", retry: true },
  /** A tailnet peer could not be reached, or answered with something that is not A2A. */
  peer_unreachable: { status: 502, type: "api_error", retry: true },
  /** A chat platform refused or failed a call made for a channel (its answer is in the message). */
  channel_platform_error: { status: 502, type: "api_error", retry: true },
  service_unavailable: { status: 503, type: "overloaded_error", retry: true },
} as const satisfies Record<string, CodeSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** One problem with one field of the request, addressed by its path (`tools.0.name`). */
export interface FieldError {
  path: string;
  message: string;
}

export interface ApiErrorOptions {
  /** Machine-readable extras merged into `error.details` (never secrets). */
  details?: Record<string, unknown>;
  /** Per-field validation problems, surfaced as `error.details.errors`. */
  fields?: FieldError[];
  /** Extra response headers (e.g. `retry-after`). */
  headers?: Record<string, string>;
  /** The underlying cause, for logs only. */
  cause?: unknown;
}

/** A failure the API reports to the caller. Throw it from anywhere: routes, middleware, stores. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;
  readonly fields?: FieldError[];
  readonly headers?: Record<string, string>;

  constructor(code: ErrorCode, message: string, options: ApiErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = "ApiError";
    this.code = code;
    this.details = options.details;
    this.fields = options.fields;
    this.headers = options.headers;
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }
}

/** The JSON body of every error response. */
export interface ErrorEnvelope {
  type: "error";
  error: {
    type: ErrorType;
    message: string;
    details: { error_code: ErrorCode; errors?: FieldError[] } & Record<string, unknown>;
  };
  request_id: string;
}

/** Builds the wire envelope, status and headers for an `ApiError`. */
export function toErrorResponse(err: ApiError, requestId: string): Response {
  const spec: CodeSpec = ERROR_CODES[err.code];
  const body: ErrorEnvelope = {
    type: "error",
    error: {
      type: spec.type,
      message: err.message,
      details: {
        ...err.details,
        error_code: err.code,
        ...(err.fields?.length ? { errors: err.fields } : {}),
      },
    },
    request_id: requestId,
  };
  const headers = new Headers({
    "content-type": "application/json",
    "x-should-retry": String(spec.retry),
    ...err.headers,
  });
  return new Response(JSON.stringify(body), { status: spec.status, headers });
}

/** Shorthand for the common 404. */
export function notFound(code: ErrorCode, kind: string, id: string): ApiError {
  return new ApiError(code, `${kind} ${id} not found`);
}
