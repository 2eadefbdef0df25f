/**
 * Named constants with units, and typed access to the Worker's configuration variables.
 * Every tunable lives in wrangler.toml `[vars]`; the defaults here apply when a var is unset.
 */

/** Largest request body accepted unless `MAX_BODY_BYTES` says otherwise (1 MiB). */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** Default page size for list endpoints. */
export const DEFAULT_PAGE_LIMIT = 20;
/** Largest page a list endpoint returns; the SDK's own tool runner asks for 1000. */
export const MAX_PAGE_LIMIT = 1000;
/** An Idempotency-Key claim older than this is treated as abandoned by a crashed request. */
export const IDEMPOTENCY_CLAIM_STALE_MS = 60_000;
/** Longest accepted Idempotency-Key header value. */
export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;
/** `last_used_at` of an API key is refreshed at most this often, to spare D1 a write per request. */
export const API_KEY_TOUCH_INTERVAL_MS = 60_000;
/**
 * How long an isolate trusts a live API key it read from D1 (src/db/api-key-cache.ts): the
 * longest another isolate keeps accepting a key after it was revoked.
 */
export const API_KEY_CACHE_TTL_MS = 10_000;
/** Most API keys one isolate remembers; the oldest entry goes first. */
export const API_KEY_CACHE_MAX_ENTRIES = 1000;
/** SSE keepalive comment interval: below common proxy idle timeouts (60-100 s). */
export const SSE_KEEPALIVE_MS = 15_000;
/**
 * How long a session waits for its OpenClaw gateway to answer /readyz after starting it:
 * ~15 s locally, 1-2 min reported on a cold standard-1 container.
 */
export const RUNTIME_READY_DEADLINE_MS = 180_000;
/**
 * How long a session waits for its environment's packages to install in a fresh runtime (15 min):
 * the plugin gives each installer run 10 min, and a set of several cold installs adds up.
 */
export const PACKAGES_INSTALL_TIMEOUT_MS = 900_000;
/**
 * Idle sleep: a session stops its runtime after this long without a turn, and the next message
 * starts it again (the conversation is restored from the session's log). An environment's
 * `config.sleep_after_seconds` sets it per environment within these bounds: at least a minute,
 * so a runtime is not torn down between two messages of one exchange; at most a day, so an
 * abandoned session does not keep a ~1 GB runtime for longer than that.
 */
export const DEFAULT_SLEEP_AFTER_SECONDS = 600;
export const MIN_SLEEP_AFTER_SECONDS = 60;
export const MAX_SLEEP_AFTER_SECONDS = 86_400;
/**
 * Warm pool size of an environment or a plane (`warm_pool`): `min_idle` warm runtimes kept
 * booted for its sessions, never more than `max` in all (0 = off), each idle for at most
 * `idle_ttl_seconds`. Each warm runtime holds ~1.2 GB and a container's instance cost while it
 * waits, so one pool is capped at 20; the TTL is at least a minute (a shorter one only churns
 * boots) and at most a day.
 */
export const MAX_WARM_POOL_SIZE = 20;
export const MIN_WARM_POOL_IDLE_TTL_SECONDS = 60;
export const MAX_WARM_POOL_IDLE_TTL_SECONDS = 86_400;
export const DEFAULT_WARM_POOL_IDLE_TTL_SECONDS = 1_800;
/**
 * Durable workspace: the most an environment's sessions may keep in their runtime's working
 * directory (`config.workspace_max_mb`, regular files' sizes added up). The workspace is saved
 * after every turn and restored into a fresh runtime; one over its cap is not saved (the session
 * says so with `session.error` `workspace_too_large`). At most 2 GiB: a save streams through the
 * session's Durable Object into R2, and a restore has to finish before the next turn runs.
 */
export const DEFAULT_WORKSPACE_MAX_MB = 100;
export const MIN_WORKSPACE_MAX_MB = 1;
export const MAX_WORKSPACE_MAX_MB = 2048;
/** Watchdog: while work is pending, the session's alarm re-checks it this often. */
export const SESSION_WATCHDOG_MS = 30_000;
/** Default wall-clock limit of one turn (30 min); `TURN_TIMEOUT_SECONDS` overrides it. */
export const DEFAULT_TURN_TIMEOUT_MS = 30 * 60_000;
/** Dispatch attempts of one message across runtime failures before it is given up. */
export const MAX_TURN_ATTEMPTS = 3;
/** Most events one `POST /v1/sessions/{id}/events` call may carry. */
export const MAX_EVENTS_PER_SEND = 50;

/** Rows deleted per statement by the retention cron, so one run never holds D1 for long. */
export const RETENTION_DELETE_BATCH = 5_000;

/**
 * The wall-clock limit of one turn, so a run that never ends (a hung tool, a gateway that stops
 * answering without closing its socket) cannot hold a session's queue forever.
 */
export function turnTimeoutMs(env: Env): number {
  return intVar(env.TURN_TIMEOUT_SECONDS, DEFAULT_TURN_TIMEOUT_MS / 1000, 1) * 1000;
}

export interface RuntimeConfig {
  rateLimitPerMinute: number;
  rateLimitBurst: number;
  auditRetentionDays: number;
  idempotencyTtlMs: number;
  maxBodyBytes: number;
}

function intVar(value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  return Number.isFinite(n) && n >= min ? Math.floor(n) : fallback;
}

/** Reads the configuration vars once per request; invalid values fall back to defaults. */
export function readConfig(env: Env): RuntimeConfig {
  return {
    rateLimitPerMinute: intVar(env.RATE_LIMIT_PER_MINUTE, 600),
    rateLimitBurst: intVar(env.RATE_LIMIT_BURST, 120, 1),
    auditRetentionDays: intVar(env.AUDIT_RETENTION_DAYS, 90, 1),
    // The contract promises replays for at least 24 h; shorter values are raised to it.
    idempotencyTtlMs: Math.max(24, intVar(env.IDEMPOTENCY_TTL_HOURS, 24)) * 3_600_000,
    maxBodyBytes: intVar(env.MAX_BODY_BYTES, DEFAULT_MAX_BODY_BYTES, 1024),
  };
}
