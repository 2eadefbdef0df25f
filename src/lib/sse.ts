/**
 * Server-Sent Events, both ways: the one frame writer every stream Clawplane serves uses (the
 * session stream, plane log follow, OpenAI chat-completion chunks), and the one reader of SSE
 * bytes (the session stream read back by plane logs and the OpenAI turn, a provider's stream
 * read by the LLM usage tap), which wraps the maintained `eventsource-parser`.
 */
import { createParser, type EventSourceMessage } from "eventsource-parser";

/** Headers of every SSE response: no caching, no proxy buffering (nginx reads `x-accel-buffering`). */
export const SSE_HEADERS = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache",
  "x-accel-buffering": "no",
} as const;

/**
 * One SSE message: `id` and `event` lines when given, then `data` (one `data:` line per line of
 * it), then the blank line that ends it. Or a comment line (`: text`), which clients ignore:
 * keepalives, and the first bytes that let a client see the stream open.
 */
export type SseFrame = { id?: string; event?: string; data: string } | { comment: string };

export function sseFrame(frame: SseFrame): string {
  if ("comment" in frame) return `: ${frame.comment}\n\n`;
  let out = "";
  if (frame.id !== undefined) out += `id: ${frame.id}\n`;
  if (frame.event !== undefined) out += `event: ${frame.event}\n`;
  for (const line of frame.data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return `${out}\n`;
}

/** A message read off an SSE stream (`event` and `id` when it carried them). */
export type SseMessage = EventSourceMessage;

export interface SseReader {
  /** Consumes the next bytes, in any chunking; complete messages go to `onMessage`. */
  push(bytes: Uint8Array): void;
  /** The stream ended: a last message without its closing blank line still counts. */
  end(): void;
}

/**
 * An incremental SSE reader. With `maxBufferChars`, a message whose unfinished line or data
 * grows past it is dropped, with the rest of the chunk it arrived in, and reading goes on with
 * the next chunk (the rest of an endless line is then not a field, so it is skipped too): a
 * stream can never make the reader hold more than that.
 */
export function sseReader(
  onMessage: (message: SseMessage) => void,
  options: { maxBufferChars?: number } = {},
): SseReader {
  const decoder = new TextDecoder();
  const parser = createParser({
    onEvent: onMessage,
    maxBufferSize: options.maxBufferChars,
    // After an overflow the parser stops until reset; unknown fields and bad `retry:` are ignored.
    onError: (err) => {
      if (err.type === "max-buffer-size-exceeded") parser.reset();
    },
  });
  return {
    push: (bytes) => parser.feed(decoder.decode(bytes, { stream: true })),
    // A blank line ends whatever message was still open.
    end: () => parser.feed(`${decoder.decode()}\n\n`),
  };
}

/**
 * The messages of an SSE byte stream, as they arrive. Ends when the stream ends, fails or is
 * cancelled (the caller keeps `reader` to cancel it); an unfinished last message is dropped.
 */
export async function* sseMessages(
  reader: ReadableStreamDefaultReader<Uint8Array>,
): AsyncGenerator<SseMessage> {
  const ready: SseMessage[] = [];
  const sse = sseReader((message) => ready.push(message));
  for (;;) {
    const chunk = await reader.read().catch(() => ({ done: true as const, value: undefined }));
    if (chunk.done) return;
    sse.push(chunk.value);
    while (ready.length > 0) yield ready.shift() as SseMessage;
  }
}
