/**
 * The SSE usage tap: passes a provider's `text/event-stream` body through byte for byte
 * while reading its `data:` events to find the usage chunk that `stream_options.include_usage`
 * makes the provider send last (`{"choices":[],"usage":{...}}`).
 *
 * Nothing is buffered beyond the current event, so the caller sees every chunk as soon as
 * the provider sends it. The stream is pull-based (highWaterMark 0) rather than a
 * TransformStream because the proxy must learn when the caller cancels (disconnects) in
 * order to abort the upstream request and record the call as aborted; a ReadableStream's
 * `cancel` is the one hook every runtime calls for that.
 */
import { sseReader } from "../lib/sse";
import type { TokenCounts } from "./pricing";

/** Longest SSE event (or line) inspected; longer ones pass through unparsed. Usage events are < 1 KiB. */
export const MAX_SSE_EVENT_CHARS = 1024 * 1024;

/** How a metered stream ended. */
export type StreamOutcome = "ok" | "error" | "aborted";

/**
 * Token counts from an OpenAI `usage` object (`prompt_tokens`, `completion_tokens`,
 * `prompt_tokens_details.cached_tokens`), tolerating the Anthropic-style names some
 * compatible gateways use. `null` when it carries no token counts.
 */
export function tokenCountsFromUsage(usage: unknown): TokenCounts | null {
  if (!isObject(usage)) return null;
  const details = isObject(usage.prompt_tokens_details) ? usage.prompt_tokens_details : {};
  const prompt = count(usage.prompt_tokens);
  const rawInput = count(usage.input_tokens);
  const output = count(usage.completion_tokens) ?? count(usage.output_tokens);
  if (prompt === undefined && rawInput === undefined && output === undefined) return null;
  const cacheRead = count(details.cached_tokens) ?? count(usage.cache_read_input_tokens) ?? 0;
  const cacheWrite = count(details.cache_write_tokens) ?? count(usage.cache_creation_input_tokens) ?? 0;
  // OpenAI's prompt_tokens include cached tokens; Anthropic's input_tokens exclude them.
  const input = prompt !== undefined ? Math.max(0, prompt - cacheRead - cacheWrite) : (rawInput ?? 0);
  return {
    inputTokens: input,
    outputTokens: output ?? 0,
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
  };
}

/**
 * Incremental SSE parser that only looks for usage and error events. Feed it the raw bytes
 * in any chunking; `usage` holds the last usage seen.
 */
export class SseUsageParser {
  /** The most recent usage reported by the stream, if any. */
  usage: TokenCounts | null = null;
  /** Whether the stream carried an `{"error": ...}` event (providers send these mid-stream). */
  sawError = false;
  private readonly reader = sseReader((message) => this.inspect(message.data), {
    maxBufferChars: MAX_SSE_EVENT_CHARS,
  });

  /** Consumes the next bytes of the stream. */
  push(bytes: Uint8Array): void {
    this.reader.push(bytes);
  }

  /** Signals the end of the stream: a final event without a trailing blank line still counts. */
  end(): void {
    this.reader.end();
  }

  private inspect(payload: string): void {
    if (payload.length > MAX_SSE_EVENT_CHARS || payload === "" || payload === "[DONE]") return;
    let event: unknown;
    try {
      event = JSON.parse(payload);
    } catch {
      return; // not ours to judge: the caller gets the bytes unchanged either way
    }
    if (!isObject(event)) return;
    if (event.error !== undefined && event.error !== null) this.sawError = true;
    const usage = tokenCountsFromUsage(event.usage);
    if (usage) this.usage = usage;
  }
}

/**
 * Wraps a provider's SSE body: the returned stream yields exactly the same bytes, and
 * `onFinish` is called once with how it ended and the usage seen. Cancelling the returned
 * stream (the caller went away) aborts `upstreamAbort` and ends as "aborted"; a read error
 * after `upstreamAbort` fired also counts as "aborted", any other as "error".
 */
export function meterSseStream(
  source: ReadableStream<Uint8Array>,
  upstreamAbort: AbortController,
  onFinish: (outcome: StreamOutcome, usage: TokenCounts | null) => void,
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  const parser = new SseUsageParser();
  let finished = false;
  const finish = (outcome: StreamOutcome) => {
    if (finished) return;
    finished = true;
    parser.end();
    onFinish(outcome === "ok" && parser.sawError ? "error" : outcome, parser.usage);
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (err) {
          finish(upstreamAbort.signal.aborted ? "aborted" : "error");
          controller.error(err);
          return;
        }
        if (chunk.done) {
          finish("ok");
          controller.close();
          return;
        }
        controller.enqueue(chunk.value);
        parser.push(chunk.value);
      },
      async cancel(reason) {
        finish("aborted");
        upstreamAbort.abort(reason);
        await reader.cancel(reason).catch(() => undefined);
      },
    },
    { highWaterMark: 0 },
  );
}

function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? Math.floor(value) : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
