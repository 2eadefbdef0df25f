import { describe, expect, it } from "vitest";
import { take } from "../../src/rate-limit/token-bucket";

describe("token bucket", () => {
  it("allows a full burst, then refuses until a token refills", () => {
    let state = null;
    const results = [];
    for (let i = 0; i < 4; i++) {
      const out = take(state, 1_000, 60, 3);
      state = out.state;
      results.push(out.result.allowed);
    }
    expect(results).toEqual([true, true, true, false]);

    // 60/min = one token per second.
    const refused = take(state, 1_500, 60, 3);
    expect(refused.result).toMatchObject({ allowed: false });
    expect(refused.result.retryAfterMs).toBe(500);
    expect(take(refused.state, 2_000, 60, 3).result.allowed).toBe(true);
  });

  it("never holds more than the burst, however long it was idle", () => {
    const start = take(null, 0, 60, 2).state;
    const later = take(start, 10 * 60_000, 60, 2);
    expect(later.result.remaining).toBe(1);
  });
});
