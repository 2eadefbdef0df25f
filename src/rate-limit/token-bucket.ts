/**
 * A token bucket: `burst` tokens at most, refilled at `perMinute` tokens a minute. Pure, so
 * the arithmetic is unit-tested apart from the Durable Object that holds one per caller.
 */

export interface BucketState {
  tokens: number;
  /** When `tokens` was last brought up to date (epoch ms). */
  updatedAt: number;
}

export interface TakeResult {
  allowed: boolean;
  /** Whole tokens left after this request. */
  remaining: number;
  /** How long until one token is available again; 0 when allowed. */
  retryAfterMs: number;
}

/** Refills the bucket for the time elapsed since `state.updatedAt`, then tries to take a token. */
export function take(
  state: BucketState | null,
  now: number,
  perMinute: number,
  burst: number,
): { state: BucketState; result: TakeResult } {
  const ratePerMs = perMinute / 60_000;
  const elapsed = state ? Math.max(0, now - state.updatedAt) : 0;
  const tokens = state ? Math.min(burst, state.tokens + elapsed * ratePerMs) : burst;
  if (tokens >= 1) {
    const left = tokens - 1;
    return {
      state: { tokens: left, updatedAt: now },
      result: { allowed: true, remaining: Math.floor(left), retryAfterMs: 0 },
    };
  }
  return {
    state: { tokens, updatedAt: now },
    result: { allowed: false, remaining: 0, retryAfterMs: Math.ceil((1 - tokens) / ratePerMs) },
  };
}
