import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { BASE_URL, createKey } from "../helpers/api";

/** The real app and bindings, with the rate-limit vars lowered for this test only. */
async function limitedCall(headers: Record<string, string>): Promise<Response> {
  const app = createApp();
  const ctx = createExecutionContext();
  const res = await app.fetch(
    new Request(`${BASE_URL}/v1/agents`, { headers }),
    {
      ...env,
      RATE_LIMIT_PER_MINUTE: "60",
      RATE_LIMIT_BURST: "3",
    },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

describe("rate limiting", () => {
  it("answers 429 with Retry-After once a caller's burst is spent, per caller", async () => {
    const alice = { authorization: "Bearer test-admin-key", "cf-connecting-ip": "198.51.100.7" };
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await limitedCall(alice)).status);
    expect(statuses).toEqual([200, 200, 200]);

    const limited = await limitedCall(alice);
    expect(limited.status).toBe(429);
    // 60/min refills one token a second.
    expect(Number(limited.headers.get("retry-after"))).toBe(1);
    expect(Number(limited.headers.get("retry-after-ms"))).toBeGreaterThan(0);
    const body = (await limited.json()) as { error: { type: string; details: { error_code: string } } };
    expect(body.error).toMatchObject({ type: "rate_limit_error", details: { error_code: "rate_limited" } });

    // Another caller (another key) has its own bucket.
    const other = await limitedCall({ "x-api-key": "cpk_someone_else", "cf-connecting-ip": "198.51.100.7" });
    expect(other.status).toBe(401);
  });

  it("throttles made-up keys by client IP, while valid keys from that IP keep their own buckets", async () => {
    const ip = "198.51.100.66";
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const made_up = `cpk_${crypto.randomUUID().replaceAll("-", "")}`;
      statuses.push(
        (await limitedCall({ authorization: `Bearer ${made_up}`, "cf-connecting-ip": ip })).status,
      );
    }
    // Every random key is charged to the one IP: the burst of 3, then 429 instead of 401.
    expect(statuses).toEqual([401, 401, 401, 429, 429]);

    // Proven keys are charged to themselves, not to the IP their guesser shares.
    const first = await createKey(["read"], "rate-limit first");
    const second = await createKey(["read"], "rate-limit second");
    const asFirst = { authorization: `Bearer ${first.secret}`, "cf-connecting-ip": ip };
    const firstStatuses: number[] = [];
    for (let i = 0; i < 4; i++) firstStatuses.push((await limitedCall(asFirst)).status);
    expect(firstStatuses).toEqual([200, 200, 200, 429]);
    const asSecond = { authorization: `Bearer ${second.secret}`, "cf-connecting-ip": ip };
    expect((await limitedCall(asSecond)).status).toBe(200);
  });

  it("throttles requests without a key by client IP", async () => {
    const anonymous = { "cf-connecting-ip": "203.0.113.9" };
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await limitedCall(anonymous)).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
  });

  it("reports the remaining budget on successful responses", async () => {
    const res = await limitedCall({
      authorization: "Bearer test-admin-key",
      "cf-connecting-ip": "192.0.2.1",
      "x-probe": "remaining",
    });
    expect(res.headers.get("x-ratelimit-limit")).toBe("60");
    expect(Number(res.headers.get("x-ratelimit-remaining"))).toBeGreaterThanOrEqual(0);
  });
});
