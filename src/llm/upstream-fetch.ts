/**
 * One request to a model provider, with a bounded budget for failing to reach it.
 *
 * A provider that cannot be reached (connection refused, DNS failure, reset before any
 * answer) is tried again a few times with backoff, within a few seconds in all, and then
 * reported as unreachable. Only a request that got no response is retried: any HTTP answer,
 * even a 5xx, is the provider's and goes back to the caller as it is. A request whose caller
 * went away is not retried either.
 */

/** Tries of one request, the first included. */
export const UPSTREAM_ATTEMPTS = 3;
/** Wait before the second try; each further wait is 4× longer (250 ms, 1 s). */
export const UPSTREAM_RETRY_BASE_MS = 250;
/** No try starts later than this after the first: an unreachable provider is reported within seconds. */
export const UPSTREAM_RETRY_BUDGET_MS = 5_000;

/** The provider gave no response within the budget. */
export class UpstreamUnreachable extends Error {
  constructor(
    readonly attempts: number,
    readonly elapsedMs: number,
    options: { cause: unknown },
  ) {
    super(`no response after ${attempts} attempts in ${elapsedMs} ms`, options);
    this.name = "UpstreamUnreachable";
  }
}

/**
 * `fetch(url, init)`, retried while it throws without a response. Throws the caller's abort
 * reason as `fetch` does, or `UpstreamUnreachable` once the tries or the budget are used up.
 */
export async function fetchUpstream(
  url: string,
  init: RequestInit & { signal: AbortSignal },
): Promise<Response> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url, init);
    } catch (err) {
      if (init.signal.aborted) throw err;
      const delay = UPSTREAM_RETRY_BASE_MS * 4 ** (attempt - 1);
      const elapsed = Date.now() - started;
      if (attempt >= UPSTREAM_ATTEMPTS || elapsed + delay > UPSTREAM_RETRY_BUDGET_MS) {
        throw new UpstreamUnreachable(attempt, elapsed, { cause: err });
      }
      await sleep(delay, init.signal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
