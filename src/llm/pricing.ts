/**
 * What a model call costs, in USD.
 *
 * `LIST_PRICES` holds the providers' public list prices (USD per million tokens) for the
 * Claude and OpenAI models we know, as published on anthropic.com / openai.com pricing pages
 * in 2026; they are not negotiated rates and they change. Operators correct or extend them
 * with the `LLM_PRICING_JSON` var, which is merged over the table:
 *
 *   {"my-model": {"input": 3, "output": 15, "cacheRead": 0.3, "cacheWrite": 3.75}}
 *
 * Unknown models cost 0 (the call still records its tokens) and are logged once per isolate.
 */
import { z } from "zod";
import { log } from "../lib/log";

/** USD per million tokens. */
export interface ModelPrice {
  input: number;
  output: number;
  /** Input tokens read from the prompt cache. */
  cacheRead: number;
  /** Input tokens written to the prompt cache (Anthropic: 5-minute cache write, 1.25 × input). */
  cacheWrite: number;
}

/** Billable token counts of one call; `inputTokens` excludes cache reads and writes. */
export interface TokenCounts {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

export interface PricingEnv {
  /** JSON object of model id → partial `ModelPrice` (USD / 1M tokens), merged over `LIST_PRICES`. */
  LLM_PRICING_JSON?: string;
}

const TOKENS_PER_MILLION = 1_000_000;
/** Costs are rounded to this many decimal places (nano-dollars) to drop float noise. */
const COST_DECIMALS = 9;

const claude = (input: number, output: number): ModelPrice => ({
  input,
  output,
  cacheRead: input * 0.1,
  cacheWrite: input * 1.25,
});
// OpenAI bills cache writes at the ordinary input rate and discounts cached reads.
const openai = (input: number, output: number, cacheRead: number): ModelPrice => ({
  input,
  output,
  cacheRead,
  cacheWrite: input,
});

/** Public list prices, USD per million tokens. Dated snapshots resolve to their family (see `findPrice`). */
export const LIST_PRICES: Readonly<Record<string, ModelPrice>> = {
  "claude-opus-4-6": claude(5, 25),
  "claude-opus-4-5": claude(5, 25),
  "claude-opus-4-1": claude(15, 75),
  "claude-opus-4": claude(15, 75),
  "claude-sonnet-4-6": claude(3, 15),
  "claude-sonnet-4-5": claude(3, 15),
  "claude-sonnet-4": claude(3, 15),
  "claude-3-7-sonnet": claude(3, 15),
  "claude-haiku-4-5": claude(1, 5),
  "claude-3-5-haiku": claude(0.8, 4),
  "gpt-5.1": openai(1.25, 10, 0.125),
  "gpt-5": openai(1.25, 10, 0.125),
  "gpt-5-mini": openai(0.25, 2, 0.025),
  "gpt-5-nano": openai(0.05, 0.4, 0.005),
  "gpt-4.1": openai(2, 8, 0.5),
  "gpt-4.1-mini": openai(0.4, 1.6, 0.1),
  "gpt-4.1-nano": openai(0.1, 0.4, 0.025),
  "gpt-4o": openai(2.5, 10, 1.25),
  "gpt-4o-mini": openai(0.15, 0.6, 0.075),
  o3: openai(2, 8, 0.5),
  "o3-mini": openai(1.1, 4.4, 0.55),
  "o4-mini": openai(1.1, 4.4, 0.275),
};

// Snapshot suffixes: Anthropic `-20250929`, OpenAI `-2024-08-06`, and `-latest` aliases.
const SNAPSHOT_SUFFIX = /^-(\d{8}|\d{4}-\d{2}-\d{2}|latest)$/;

const price = z.number().finite().nonnegative();
// Missing cache prices default to the input price: never cheaper than the provider can bill.
const overrideSchema = z.record(
  z.string().min(1),
  z.object({ input: price, output: price, cacheRead: price.optional(), cacheWrite: price.optional() }),
);

let cachedJson: string | undefined;
let cachedTable: Readonly<Record<string, ModelPrice>> = LIST_PRICES;
const loggedUnknown = new Set<string>();

/**
 * The effective price table: `LIST_PRICES` with `LLM_PRICING_JSON` merged over it. An
 * invalid override is logged and ignored (list prices stay in force). Parsed once per value.
 */
export function priceTable(env: PricingEnv): Readonly<Record<string, ModelPrice>> {
  const json = env.LLM_PRICING_JSON?.trim() || undefined;
  if (json === cachedJson) return cachedTable;
  cachedJson = json;
  cachedTable = json === undefined ? LIST_PRICES : { ...LIST_PRICES, ...parseOverrides(json) };
  return cachedTable;
}

function parseOverrides(json: string): Record<string, ModelPrice> {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    log("warn", "LLM_PRICING_JSON is not valid JSON; using list prices");
    return {};
  }
  const parsed = overrideSchema.safeParse(value);
  if (!parsed.success) {
    log("warn", "LLM_PRICING_JSON has the wrong shape; using list prices", {
      issues: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`),
    });
    return {};
  }
  const out: Record<string, ModelPrice> = {};
  for (const [model, p] of Object.entries(parsed.data)) {
    out[model] = { ...p, cacheRead: p.cacheRead ?? p.input, cacheWrite: p.cacheWrite ?? p.input };
  }
  return out;
}

/**
 * The price of `model`: an exact entry, else the entry for its family when `model` is a
 * dated snapshot or `-latest` alias of it (`claude-sonnet-4-5-20250929` → `claude-sonnet-4-5`).
 */
export function findPrice(
  model: string,
  table: Readonly<Record<string, ModelPrice>>,
): ModelPrice | undefined {
  const exact = table[model];
  if (exact) return exact;
  let best: string | undefined;
  for (const family of Object.keys(table)) {
    if (!model.startsWith(family) || !SNAPSHOT_SUFFIX.test(model.slice(family.length))) continue;
    if (best === undefined || family.length > best.length) best = family;
  }
  return best === undefined ? undefined : table[best];
}

/** USD cost of `tokens` on `model`; 0 for an unknown model (logged once per model and isolate). */
export function costUsd(
  model: string,
  tokens: TokenCounts,
  table: Readonly<Record<string, ModelPrice>>,
): number {
  const p = findPrice(model, table);
  if (!p) {
    if (!loggedUnknown.has(model)) {
      loggedUnknown.add(model);
      log("warn", "no price for model; its calls are recorded at cost 0", { model });
    }
    return 0;
  }
  const usdTimesMillion =
    tokens.inputTokens * p.input +
    tokens.outputTokens * p.output +
    tokens.cacheReadTokens * p.cacheRead +
    tokens.cacheWriteTokens * p.cacheWrite;
  return Number((usdTimesMillion / TOKENS_PER_MILLION).toFixed(COST_DECIMALS));
}
