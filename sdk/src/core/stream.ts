/**
 * A session's event stream as an async iterator, over `fetch` + `eventsource-parser`.
 *
 * The connection is opened by `EventStream.open` before it resolves, because the Worker's
 * stream is live (like Anthropic's): a caller opens it, then sends a message, then iterates.
 *
 * Resuming: every stored event arrives with `id:`; the stream remembers the last complete one.
 * When the connection drops it reconnects with `Last-Event-ID`, and the Worker replays every
 * event after that one before going live, so the caller sees no gap and no duplicate. A frame
 * cut in half by the drop is discarded with the parser's buffer, never half-delivered, so the
 * id we resume from is always one the caller has seen. Delta previews carry no id and are not
 * replayed: a reconnect mid-reply loses some previews, never the finished `agent.message`.
 */
import { createParser, type EventSourceMessage } from "eventsource-parser";
import type { StreamEvent } from "../types.js";
import { retryDelayMs, shouldRetry, sleep } from "./backoff.js";
import { AbortError, ClawplaneError, ConnectionError } from "./errors.js";
import type { HttpClient } from "./http.js";

/** Consecutive failed reconnects after which the stream gives up and throws. */
export const DEFAULT_MAX_RECONNECTS = 10;

export interface StreamOptions {
  /** Also receive `event_start` / `event_delta` previews of these event types. */
  eventDeltas?: ("agent.message" | "agent.thinking")[];
  /** Resume after this event id: the Worker first replays every later event. */
  lastEventId?: string;
  /** Ends the stream (iteration returns quietly). */
  signal?: AbortSignal;
  /** Give up after this many reconnects in a row that fail (default 10). */
  maxReconnects?: number;
  /** Deadline for each connection's response headers. */
  timeoutMs?: number;
}

/** Live events of one session; iterate with `for await`, stop with `break` or `close()`. */
export class EventStream implements AsyncIterable<StreamEvent> {
  /** Id of the last stored event delivered: where a reconnect resumes. */
  lastEventId: string | undefined;
  /** How many times the stream has reconnected after a drop. */
  reconnects = 0;
  private readonly controller = new AbortController();
  private response: Response | undefined;
  private iterating = false;
  /** Connection attempts in a row that delivered no event; drives backoff and the give-up. */
  private failures = 0;

  private constructor(
    private readonly http: HttpClient,
    private readonly sessionId: string,
    private readonly options: StreamOptions,
  ) {
    this.lastEventId = options.lastEventId;
    const signal = options.signal;
    if (signal?.aborted) this.controller.abort(signal.reason);
    signal?.addEventListener("abort", () => this.close(), { once: true });
  }

  /** Opens the stream; resolves once the Worker has answered (typed error if it refused). */
  static async open(http: HttpClient, sessionId: string, options: StreamOptions = {}): Promise<EventStream> {
    const stream = new EventStream(http, sessionId, options);
    stream.response = await stream.connect();
    return stream;
  }

  /** Ends the stream; a pending iteration returns. */
  close(): void {
    this.controller.abort();
  }

  /** Whether `close()` was called or the caller's signal fired. */
  get closed(): boolean {
    return this.controller.signal.aborted;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<StreamEvent> {
    if (this.iterating) throw new Error("an EventStream can be iterated only once");
    this.iterating = true;
    const queue: StreamEvent[] = [];
    const parser = createParser({ onEvent: (message) => this.accept(message, queue) });
    try {
      while (!this.closed) {
        const res = this.response ?? (await this.reconnect());
        this.response = undefined;
        if (!res) return;
        parser.reset({ consume: false });
        for await (const event of this.read(res, parser, queue)) {
          this.failures = 0;
          yield event;
          if (event.type === "session.deleted") return;
        }
        if (this.closed) return;
        this.reconnects++;
      }
    } finally {
      this.close();
    }
  }

  /** Yields the events of one connection until it ends or drops (never throws for a drop). */
  private async *read(
    res: Response,
    parser: ReturnType<typeof createParser>,
    queue: StreamEvent[],
  ): AsyncGenerator<StreamEvent> {
    if (!res.body) return;
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        let chunk: Awaited<ReturnType<typeof reader.read>>;
        try {
          chunk = await reader.read();
        } catch {
          return; // dropped: the caller reconnects unless the stream was closed
        }
        if (chunk.done) return;
        parser.feed(chunk.value);
        while (queue.length > 0) yield queue.shift()!;
      }
    } finally {
      await reader.cancel().catch(() => undefined);
    }
  }

  private accept(message: EventSourceMessage, queue: StreamEvent[]): void {
    if (!message.data) return;
    let event: StreamEvent;
    try {
      event = JSON.parse(message.data) as StreamEvent;
    } catch {
      throw new ClawplaneError(`malformed event on the stream: ${message.data.slice(0, 100)}`);
    }
    if (message.id) this.lastEventId = message.id;
    queue.push(event);
  }

  /**
   * Reconnects with backoff; undefined when the stream was closed meanwhile. A connection that
   * opens but ends before any event counts as a failure too, so a server that keeps closing
   * the stream at once cannot make the loop spin forever.
   */
  private async reconnect(): Promise<Response | undefined> {
    const max = this.options.maxReconnects ?? DEFAULT_MAX_RECONNECTS;
    for (;;) {
      const attempt = this.failures++;
      if (attempt >= max) throw new ConnectionError(`event stream dropped ${max} times in a row; giving up`);
      try {
        await sleep(retryDelayMs(attempt), this.controller.signal);
        return await this.connect();
      } catch (err) {
        if (this.closed) return undefined;
        const retryable =
          err instanceof ClawplaneError &&
          !(err instanceof AbortError) &&
          (err.status === undefined || (err.headers !== undefined && shouldRetry(err.status, err.headers)));
        if (!retryable) throw err;
      }
    }
  }

  private connect(): Promise<Response> {
    const headers: Record<string, string> = { accept: "text/event-stream" };
    if (this.lastEventId) headers["last-event-id"] = this.lastEventId;
    return this.http.raw({
      method: "GET",
      path: `/v1/sessions/${encodeURIComponent(this.sessionId)}/events/stream`,
      query: { "event_deltas[]": this.options.eventDeltas },
      headers,
      // Reconnects are retried here, with the stream's own budget.
      options: { signal: this.controller.signal, maxRetries: 0, timeoutMs: this.options.timeoutMs },
    });
  }
}
