/**
 * An SSE stream of the Worker as an async iterator, over `fetch` + `eventsource-parser`: a
 * session's events (`EventStream.open`) and anything else served the same way, such as a plane
 * member's followed logs (`EventStream.openTarget`).
 *
 * The connection is opened before `open` resolves, because the Worker's streams are live (like
 * Anthropic's): a caller opens it, then sends a message, then iterates.
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

/** How any stream connects and reconnects. */
export interface FollowOptions {
  /** Resume after this event id: the Worker first replays every later event. */
  lastEventId?: string;
  /** Ends the stream (iteration returns quietly). */
  signal?: AbortSignal;
  /** Give up after this many reconnects in a row that fail (default 10). */
  maxReconnects?: number;
  /** Deadline for each connection's response headers. */
  timeoutMs?: number;
}

/** Options of a session's event stream. */
export interface StreamOptions extends FollowOptions {
  /** Also receive `event_start` / `event_delta` previews of these event types. */
  eventDeltas?: ("agent.message" | "agent.thinking")[];
}

/** What a stream connects to, and when it is over. */
export interface StreamTarget<T> {
  /** The path of the SSE endpoint (`/v1/…`). */
  path: string;
  query?: object;
  /** Only frames with these `event:` names are items (default: every frame with data). */
  events?: readonly string[];
  /** Whether this item is the last one (what the stream follows is gone): the stream ends after it. */
  isLast?: (item: T) => boolean;
}

/** Live items of one stream; iterate with `for await`, stop with `break` or `close()`. */
export class EventStream<T = StreamEvent> implements AsyncIterable<T> {
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
    private readonly target: StreamTarget<T>,
    private readonly options: FollowOptions,
  ) {
    this.lastEventId = options.lastEventId;
    const signal = options.signal;
    if (signal?.aborted) this.controller.abort(signal.reason);
    signal?.addEventListener("abort", () => this.close(), { once: true });
  }

  /**
   * Opens a session's event stream; resolves once the Worker has answered (typed error if it
   * refused). It ends after `session.deleted`.
   */
  static open(http: HttpClient, sessionId: string, options: StreamOptions = {}): Promise<EventStream> {
    return EventStream.openTarget<StreamEvent>(
      http,
      {
        path: `/v1/sessions/${encodeURIComponent(sessionId)}/events/stream`,
        query: { "event_deltas[]": options.eventDeltas },
        isLast: (event) => event.type === "session.deleted",
      },
      options,
    );
  }

  /** Opens any SSE endpoint of the Worker; resolves once it has answered. */
  static async openTarget<U>(
    http: HttpClient,
    target: StreamTarget<U>,
    options: FollowOptions = {},
  ): Promise<EventStream<U>> {
    const stream = new EventStream<U>(http, target, options);
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

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    if (this.iterating) throw new Error("an EventStream can be iterated only once");
    this.iterating = true;
    const queue: T[] = [];
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
          if (this.target.isLast?.(event)) return;
        }
        if (this.closed) return;
        this.reconnects++;
      }
    } finally {
      this.close();
    }
  }

  /** Yields the events of one connection until it ends or drops (never throws for a drop). */
  private async *read(res: Response, parser: ReturnType<typeof createParser>, queue: T[]): AsyncGenerator<T> {
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

  private accept(message: EventSourceMessage, queue: T[]): void {
    if (!message.data) return;
    const names = this.target.events;
    if (names && !names.includes(message.event ?? "message")) return;
    let event: T;
    try {
      event = JSON.parse(message.data) as T;
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
      path: this.target.path,
      query: this.target.query,
      headers,
      // Reconnects are retried here, with the stream's own budget.
      options: { signal: this.controller.signal, maxRetries: 0, timeoutMs: this.options.timeoutMs },
    });
  }
}
