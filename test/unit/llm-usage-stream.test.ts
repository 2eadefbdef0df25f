import { describe, expect, it } from "vitest";
import type { TokenCounts } from "../../src/llm/pricing";
import {
  meterSseStream,
  SseUsageParser,
  type StreamOutcome,
  tokenCountsFromUsage,
} from "../../src/llm/usage-stream";

const encoder = new TextEncoder();

/** A realistic OpenAI stream with include_usage: `usage: null` on content chunks, usage last. */
function openAiStream(newline = "\n"): string {
  const base = { id: "c1", object: "chat.completion.chunk", created: 1, model: "m" };
  const frames = [
    { ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" } }], usage: null },
    { ...base, choices: [{ index: 0, delta: { content: "héllo 👋 wörld" } }], usage: null },
    { ...base, choices: [{ index: 0, delta: {}, finish_reason: "stop" }], usage: null },
    {
      ...base,
      choices: [],
      usage: {
        prompt_tokens: 120,
        completion_tokens: 7,
        total_tokens: 127,
        prompt_tokens_details: { cached_tokens: 100 },
      },
    },
  ];
  const nl = newline;
  return `: keepalive${nl}${nl}${frames.map((f) => `data: ${JSON.stringify(f)}${nl}${nl}`).join("")}data: [DONE]${nl}${nl}`;
}

const EXPECTED: TokenCounts = { inputTokens: 20, outputTokens: 7, cacheReadTokens: 100, cacheWriteTokens: 0 };

/** Splits bytes into pieces of the given sizes, cycling, so boundaries land mid-line and mid-character. */
function split(bytes: Uint8Array, sizes: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length] ?? 1;
    out.push(bytes.slice(at, at + size));
    at += size;
  }
  return out;
}

function sourceOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks[i++];
      if (next) controller.enqueue(next);
      else controller.close();
    },
  });
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of stream) parts.push(part);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe("SSE usage tap", () => {
  for (const [name, sizes] of [
    ["one byte at a time", [1]],
    ["odd sizes", [3, 7, 2, 13]],
    ["large pieces", [64, 1000]],
    ["whole", [1_000_000]],
  ] as const) {
    for (const newline of ["\n", "\r\n", "\r"]) {
      it(`passes bytes through unchanged and finds the usage (${name}, ${JSON.stringify(newline)})`, async () => {
        const bytes = encoder.encode(openAiStream(newline));
        const outcomes: Array<[StreamOutcome, TokenCounts | null]> = [];
        const stream = meterSseStream(sourceOf(split(bytes, [...sizes])), new AbortController(), (o, u) =>
          outcomes.push([o, u]),
        );
        expect(await readAll(stream)).toEqual(bytes);
        expect(outcomes).toEqual([["ok", EXPECTED]]);
      });
    }
  }

  it("finds usage in a final event without a trailing blank line, and in multi-line data", () => {
    const parser = new SseUsageParser();
    parser.push(
      encoder.encode('data: {"choices":[],\ndata: "usage":{"prompt_tokens":5,"completion_tokens":2}}'),
    );
    expect(parser.usage).toBeNull();
    parser.end();
    expect(parser.usage).toEqual({
      inputTokens: 5,
      outputTokens: 2,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
    });
  });

  it("reports a mid-stream error event as an error outcome", async () => {
    const body = encoder.encode('data: {"error":{"message":"overloaded","type":"server_error"}}\n\n');
    let outcome: StreamOutcome | undefined;
    await readAll(meterSseStream(sourceOf([body]), new AbortController(), (o) => (outcome = o)));
    expect(outcome).toBe("error");
  });

  it("on cancel, aborts the upstream and reports aborted with the usage seen so far", async () => {
    const abort = new AbortController();
    let cancelledUpstream = false;
    const source = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode('data: {"choices":[{"delta":{"content":"x"}}]}\n\n'));
      },
      cancel() {
        cancelledUpstream = true;
      },
    });
    const outcomes: StreamOutcome[] = [];
    const reader = meterSseStream(source, abort, (o) => outcomes.push(o)).getReader();
    expect((await reader.read()).done).toBe(false);
    await reader.cancel("client went away");
    expect(outcomes).toEqual(["aborted"]);
    expect(abort.signal.aborted).toBe(true);
    expect(cancelledUpstream).toBe(true);
  });

  it("skips oversized events without losing the usage after them", () => {
    const parser = new SseUsageParser();
    parser.push(encoder.encode(`data: ${"x".repeat(1_100_000)}\n\n`));
    parser.push(encoder.encode('data: {"usage":{"prompt_tokens":1,"completion_tokens":1}}\n\n'));
    expect(parser.usage?.outputTokens).toBe(1);
  });
});

describe("tokenCountsFromUsage", () => {
  it("reads OpenAI usage, subtracting cached tokens from the prompt", () => {
    expect(
      tokenCountsFromUsage({
        prompt_tokens: 50,
        completion_tokens: 9,
        prompt_tokens_details: { cached_tokens: 30 },
      }),
    ).toEqual({ inputTokens: 20, outputTokens: 9, cacheReadTokens: 30, cacheWriteTokens: 0 });
  });

  it("reads Anthropic-style names, where input already excludes the cache", () => {
    expect(
      tokenCountsFromUsage({
        input_tokens: 10,
        output_tokens: 4,
        cache_read_input_tokens: 100,
        cache_creation_input_tokens: 50,
      }),
    ).toEqual({ inputTokens: 10, outputTokens: 4, cacheReadTokens: 100, cacheWriteTokens: 50 });
  });

  it("returns null for null, junk, and negative counts", () => {
    expect(tokenCountsFromUsage(null)).toBeNull();
    expect(tokenCountsFromUsage({ total_tokens: 3 })).toBeNull();
    expect(tokenCountsFromUsage({ prompt_tokens: -1, completion_tokens: "2" })).toBeNull();
  });
});
