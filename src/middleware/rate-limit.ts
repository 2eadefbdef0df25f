/**
 * Rate limiting per caller, before authentication so that a flood of bad keys is throttled
 * too. The caller is the presented credential (hashed: the raw key never names an object)
 * or, without one, the client IP Cloudflare reports.
 */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { ApiError } from "../errors";
import { sha256Hex } from "../lib/crypto";
import { presentedCredential } from "./credentials";

export const rateLimit = createMiddleware<AppEnv>(async (c, next) => {
  const { rateLimitPerMinute, rateLimitBurst } = c.get("config");
  if (rateLimitPerMinute <= 0) return next();

  const credential = presentedCredential(c.req.raw.headers);
  const caller = credential
    ? `key:${await sha256Hex(credential)}`
    : `ip:${c.req.header("cf-connecting-ip") ?? "unknown"}`;
  const stub = c.env.RATE_LIMITER.get(c.env.RATE_LIMITER.idFromName(caller));
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
  await next();
  c.res.headers.set("x-ratelimit-limit", String(rateLimitPerMinute));
  c.res.headers.set("x-ratelimit-remaining", String(verdict.remaining));
});
