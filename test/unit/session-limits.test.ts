import { describe, expect, it } from "vitest";
import { budgetToUsd, effectiveLimits, quotaBreach, wallTimeLeftMs } from "../../src/domain/session-limits";

const used = (over: Partial<{ costUsd: number; tokens: number; activeMs: number }> = {}) => ({
  costUsd: 0,
  tokens: 0,
  activeMs: 0,
  ...over,
});

describe("session limits", () => {
  it("combines the agent's limits with the session budget, the stricter cost winning", () => {
    expect(effectiveLimits(null, null)).toEqual({
      max_cost_usd: null,
      max_tokens: null,
      max_wall_time_seconds: null,
    });
    expect(effectiveLimits({ max_cost_usd: 5, max_tokens: 10 }, 2).max_cost_usd).toBe(2);
    expect(effectiveLimits({ max_cost_usd: 1 }, 2).max_cost_usd).toBe(1);
    expect(effectiveLimits(null, 3).max_cost_usd).toBe(3);
    expect(budgetToUsd({ max_list_cost: { amount: "2500" } })).toBe(25);
    expect(budgetToUsd(null)).toBeNull();
  });

  it("reports the first limit reached, at the limit and not before", () => {
    const limits = { max_cost_usd: 1, max_tokens: 100, max_wall_time_seconds: 60 };
    expect(quotaBreach(limits, used({ costUsd: 0.99, tokens: 99, activeMs: 59_999 }))).toBeNull();
    expect(quotaBreach(limits, used({ costUsd: 1 }))?.limit).toBe("max_cost_usd");
    expect(quotaBreach(limits, used({ tokens: 100 }))?.limit).toBe("max_tokens");
    expect(quotaBreach(limits, used({ activeMs: 60_000 }))?.limit).toBe("max_wall_time_seconds");
    expect(quotaBreach(effectiveLimits(null, null), used({ costUsd: 1e9, tokens: 1e12 }))).toBeNull();
  });

  it("bounds the time a turn may still run by the wall-time limit", () => {
    expect(wallTimeLeftMs({ max_wall_time_seconds: 60 }, 45_000)).toBe(15_000);
    expect(wallTimeLeftMs({ max_wall_time_seconds: 60 }, 90_000)).toBe(0);
    expect(wallTimeLeftMs({}, 45_000)).toBeNull();
  });
});
