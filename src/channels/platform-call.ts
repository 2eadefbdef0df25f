/**
 * Calls to a chat platform's API from the Worker, with the channel's token: 429 and 5xx (and
 * network failures) are retried with backoff, honouring the platform's wait (`Retry-After`, or
 * Telegram's `parameters.retry_after`); anything else fails at once. Every platform answers
 * JSON; each one's own idea of failure inside a 200 (`ok: false`) is judged by its client.
 */

/** Attempts per call, the first included. */
export const PLATFORM_ATTEMPTS = 4;
/** First backoff; doubled each retry. */
const BACKOFF_BASE_MS = 300;
/** Longest single wait, even when the platform asks for more (the call then fails and is counted). */
const BACKOFF_MAX_MS = 10_000;

/** A platform call that failed for good: the platform's own words, never our secrets. */
export class PlatformError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "PlatformError";
  }
}

export interface PlatformResponse {
  status: number;
  body: Record<string, unknown>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function retryAfterMs(res: Response, body: Record<string, unknown>): number | undefined {
  const header = Number(res.headers.get("retry-after"));
  if (Number.isFinite(header) && header > 0) return header * 1000;
  const parameters = body.parameters as { retry_after?: unknown } | undefined;
  const telegram = Number(parameters?.retry_after);
  return Number.isFinite(telegram) && telegram > 0 ? telegram * 1000 : undefined;
}

/**
 * POSTs (or GETs) `url` and returns the parsed answer of the first attempt that is neither a 429
 * nor a 5xx. Throws `PlatformError` once the attempts are spent. `onRetry` hears every retry.
 */
export async function callPlatform(
  url: string,
  init: RequestInit,
  onRetry?: (status: number) => void,
): Promise<PlatformResponse> {
  let last = "";
  let lastStatus = 0;
  for (let attempt = 1; attempt <= PLATFORM_ATTEMPTS; attempt++) {
    let wait = BACKOFF_BASE_MS * 2 ** (attempt - 1);
    try {
      const res = await fetch(url, init);
      const text = await res.text();
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        body = { raw: text.slice(0, 200) };
      }
      if (res.status !== 429 && res.status < 500) return { status: res.status, body };
      lastStatus = res.status;
      last = describe(res.status, body);
      wait = retryAfterMs(res, body) ?? wait;
    } catch (err) {
      lastStatus = 0;
      last = `network error: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (attempt === PLATFORM_ATTEMPTS) break;
    onRetry?.(lastStatus);
    await sleep(Math.min(wait, BACKOFF_MAX_MS));
  }
  throw new PlatformError(lastStatus, `${last} (after ${PLATFORM_ATTEMPTS} attempts)`);
}

/** A platform's error in one line: its description / error / message field, else the status. */
export function describe(status: number, body: Record<string, unknown>): string {
  const error = body.error as { message?: unknown } | string | undefined;
  const text =
    (typeof body.description === "string" && body.description) ||
    (typeof error === "string" && error) ||
    (typeof error === "object" && typeof error?.message === "string" && error.message) ||
    "";
  return text ? `HTTP ${status}: ${text}` : `HTTP ${status}`;
}
