/**
 * Rate limiting: one token bucket (one Durable Object) per proven caller, and one per client IP
 * for everything that has not proven a credential.
 *
 * A bucket is never named after a value the client merely presents: made-up keys would each get
 * a fresh bucket (and a fresh object), so they could never be throttled. Instead
 *
 * - `rateLimit` runs after authentication and charges the principal it resolved (the admin key,
 *   an API key's id, a plane token's id): each valid key has its own budget;
 * - `throttleUnproven` is called by authentication when a request has no usable credential or a
 *   wrong one, and charges the client IP (`CF-Connecting-IP`); once that bucket is spent such
 *   requests get 429 instead of 401. Valid keys from the same IP are not affected.
 */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { ApiError } from "../errors";
import type { TakeResult } from "../rate-limit/token-bucket";

/** Takes a token from the named bucket; null when rate limiting is switched off. */
async function take(c: Context<AppEnv>, bucket: string): Promise<TakeResult | null> {
  const { rateLimitPerMinute, rateLimitBurst } = c.get("config");
  if (rateLimitPerMinute <= 0) return null;
  const stub = c.env.RATE_LIMITER.get(c.env.RATE_LIMITER.idFromName(bucket));
  const verdict = await stub.take(rateLimitPerMinute, rateLimitBurst);
  if (!verdict.allowed) {
    const seconds = Math.max(1, Math.ceil(verdict.retryAfterMs / 1000));
    throw new ApiError("rate_limited", `rate limit exceeded; retry in ${seconds} s`, {
      headers: {
        "retry-after": String(seconds),
        "retry-after-ms": String(verdict.retryAfterMs),
        "x-ratelimit-limit": String(rateLimitPerMinute),
        "x-ratelimit-remaining": "0",
      },
    });
  }
  return verdict;
}

/** Charges a request without a proven credential to its client IP; throws 429 once that is spent. */
export async function throttleUnproven(c: Context<AppEnv>): Promise<void> {
  await take(c, `ip:${c.req.header("cf-connecting-ip") ?? "unknown"}`);
}

/** After authentication: charges the authenticated principal's own bucket. */
export const rateLimit = createMiddleware<AppEnv>(async (c, next) => {
  const principal = c.get("principal");
  const verdict = await take(c, `principal:${principal.kind}:${principal.id}`);
  await next();
  if (!verdict) return;
  c.res.headers.set("x-ratelimit-limit", String(c.get("config").rateLimitPerMinute));
  c.res.headers.set("x-ratelimit-remaining", String(verdict.remaining));
});
