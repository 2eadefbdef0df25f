/**
 * One Durable Object per caller holding that caller's token bucket. A single writer per
 * caller makes the count exact across every Worker isolate and location, and it behaves the
 * same under `wrangler dev`, in tests and in production.
 *
 * The bucket lives in memory: if the object is evicted the caller simply starts with a full
 * bucket again, which errs on the side of serving traffic.
 */
import { DurableObject } from "cloudflare:workers";
import { type BucketState, type TakeResult, take } from "./token-bucket";

export class RateLimiter extends DurableObject<Env> {
  private bucket: BucketState | null = null;

  /** Takes one token; `perMinute` and `burst` come from the caller's configuration. */
  take(perMinute: number, burst: number): TakeResult {
    const { state, result } = take(this.bucket, Date.now(), perMinute, burst);
    this.bucket = state;
    return result;
  }
}
