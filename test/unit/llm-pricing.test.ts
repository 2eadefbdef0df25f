import { describe, expect, it } from "vitest";
import { costUsd, findPrice, LIST_PRICES, priceTable, type TokenCounts } from "../../src/llm/pricing";

const tokens = (input: number, output: number, cacheRead = 0, cacheWrite = 0): TokenCounts => ({
  inputTokens: input,
  outputTokens: output,
  cacheReadTokens: cacheRead,
  cacheWriteTokens: cacheWrite,
});

describe("LLM pricing", () => {
  it("prices each token kind at its own rate per million", () => {
    // claude-sonnet-4-6: $3 in, $15 out, $0.30 cache read, $3.75 cache write per 1M tokens.
    const cost = costUsd("claude-sonnet-4-6", tokens(1_000_000, 100_000, 2_000_000, 400_000), LIST_PRICES);
    expect(cost).toBeCloseTo(3 + 1.5 + 0.6 + 1.5, 9);
  });

  it("has no float noise on small calls", () => {
    // 1234 in × $2.50/M + 567 out × $10/M = 0.003085 + 0.00567
    expect(costUsd("gpt-4o", tokens(1234, 567), LIST_PRICES)).toBe(0.008755);
    expect(costUsd("gpt-4o", tokens(0, 0), LIST_PRICES)).toBe(0);
  });

  it("resolves dated snapshots and -latest aliases to their family, longest family first", () => {
    expect(findPrice("claude-sonnet-4-5-20250929", LIST_PRICES)).toBe(LIST_PRICES["claude-sonnet-4-5"]);
    expect(findPrice("gpt-4o-mini-2024-07-18", LIST_PRICES)).toBe(LIST_PRICES["gpt-4o-mini"]);
    expect(findPrice("claude-3-5-haiku-latest", LIST_PRICES)).toBe(LIST_PRICES["claude-3-5-haiku"]);
  });

  it("does not guess the price of an unknown sibling model", () => {
    // A future "claude-opus-4-9" must not be billed as claude-opus-4.
    expect(findPrice("claude-opus-4-9", LIST_PRICES)).toBeUndefined();
    expect(costUsd("some-local-model", tokens(1_000, 1_000), LIST_PRICES)).toBe(0);
  });

  it("merges LLM_PRICING_JSON over the list prices; missing cache rates default to the input rate", () => {
    const table = priceTable({
      LLM_PRICING_JSON: JSON.stringify({
        "my-model": { input: 2, output: 4 },
        "gpt-4o": { input: 1, output: 1 },
      }),
    });
    expect(table["my-model"]).toEqual({ input: 2, output: 4, cacheRead: 2, cacheWrite: 2 });
    expect(costUsd("my-model", tokens(500_000, 250_000, 500_000), table)).toBe(3);
    expect(findPrice("gpt-4o", table)?.input).toBe(1);
    expect(findPrice("claude-haiku-4-5", table)).toBe(LIST_PRICES["claude-haiku-4-5"]);
  });

  it("ignores an invalid override and keeps list prices", () => {
    expect(priceTable({ LLM_PRICING_JSON: "{not json" })).toEqual(LIST_PRICES);
    expect(priceTable({ LLM_PRICING_JSON: JSON.stringify({ m: { input: -1, output: 1 } }) })).toEqual(
      LIST_PRICES,
    );
    expect(priceTable({})).toBe(LIST_PRICES);
  });
});
