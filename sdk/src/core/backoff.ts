/**
 * When to retry and how long to wait. Shared by plain requests and stream reconnects so both
 * back off the same way and honour the server's hints.
 */

/** First retry waits about this long; each further retry doubles it. */
export const INITIAL_RETRY_DELAY_MS = 500;
/** Exponential backoff never waits longer than this. */
export const MAX_RETRY_DELAY_MS = 8_000;
/** A server hint (`retry-after`) above this is ignored in favour of our own backoff. */
export const MAX_RETRY_AFTER_MS = 60_000;
/** Up to this fraction of each backoff delay is randomly removed, so clients spread out. */
const JITTER_FRACTION = 0.25;

/**
 * Whether a failed response may be retried unchanged. The server's `x-should-retry` decides
 * when present (it is `true` on a 409 `idempotency_request_in_progress`, `false` on a
 * `version_conflict`); otherwise timeouts, rate limits and server errors are retried.
 */
export function shouldRetry(status: number, headers: Headers): boolean {
  const hint = headers.get("x-should-retry");
  if (hint === "true") return true;
  if (hint === "false") return false;
  return status === 408 || status === 429 || status >= 500;
}

/** The wait the server asked for, in ms: `retry-after-ms`, else `retry-after` (seconds or a date). */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = Number.parseFloat(headers.get("retry-after-ms") ?? "");
  if (Number.isFinite(ms)) return ms;
  const value = headers.get("retry-after");
  if (value === null) return undefined;
  const seconds = Number.parseFloat(value);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : date - now;
}

/** How long to wait before retry number `attempt` (0-based), honouring a server hint. */
export function retryDelayMs(attempt: number, headers?: Headers): number {
  const hinted = retryAfterMs(headers);
  if (hinted !== undefined && hinted >= 0 && hinted <= MAX_RETRY_AFTER_MS) return hinted;
  const base = Math.min(INITIAL_RETRY_DELAY_MS * 2 ** attempt, MAX_RETRY_DELAY_MS);
  return base * (1 - Math.random() * JITTER_FRACTION);
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
