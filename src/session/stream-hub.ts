/**
 * SSE fan-out for one session. Each subscriber gets its own TransformStream; publishing writes
 * the encoded frame to every writer, and a subscriber whose write fails (client gone) is
 * dropped. Catch-up from the event log happens before a subscriber joins the live set, inside
 * one synchronous step, so no event can fall between history and live delivery.
 *
 * Frames follow what `@anthropic-ai/sdk` requires: every message has an `event:` line (it
 * drops messages without one), the full event object is in `data:`, and `id:` carries the event
 * id so a client can resume with `Last-Event-ID`.
 */
import { SSE_KEEPALIVE_MS } from "../config";
import { SSE_HEADERS, sseFrame } from "../lib/sse";
import type { PreviewFrame, SessionEvent } from "../schemas/session-events";
import type { LoggedEvent } from "./event-log";

const encoder = new TextEncoder();

interface Subscriber {
  writer: WritableStreamDefaultWriter<Uint8Array>;
  /** Stream-only previews (`event_start` / `event_delta`) were requested for these types. */
  deltas: ReadonlySet<string>;
}

function eventFrame(event: SessionEvent): string {
  return sseFrame({ id: event.id, event: event.type, data: JSON.stringify(event) });
}

export class StreamHub {
  private readonly subscribers = new Set<Subscriber>();
  private keepalive: ReturnType<typeof setInterval> | undefined;

  get size(): number {
    return this.subscribers.size;
  }

  /**
   * Opens a stream: writes `backlog` (events the client missed), then delivers live events.
   * The caller passes the backlog read in the same synchronous step as this call.
   */
  subscribe(backlog: LoggedEvent[], deltas: ReadonlySet<string>, signal?: AbortSignal): Response {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const sub: Subscriber = { writer: writable.getWriter(), deltas };
    // An immediate comment flushes headers so clients see the stream open at once.
    let head = sseFrame({ comment: "connected" });
    for (const { event } of backlog) head += eventFrame(event);
    void sub.writer.write(encoder.encode(head)).catch(() => this.drop(sub));
    this.subscribers.add(sub);
    signal?.addEventListener("abort", () => this.drop(sub));
    this.ensureKeepalive();
    return new Response(readable, { headers: SSE_HEADERS });
  }

  /** Delivers a stored event to every subscriber. */
  publish(event: SessionEvent): void {
    this.broadcast(encoder.encode(eventFrame(event)), () => true);
  }

  /** Delivers a stream-only preview frame to subscribers that asked for deltas of `forType`. */
  publishPreview(forType: string, frame: PreviewFrame): void {
    const bytes = encoder.encode(sseFrame({ event: frame.type, data: JSON.stringify(frame) }));
    this.broadcast(bytes, (sub) => sub.deltas.has(forType));
  }

  /** Ends every stream (session deleted). */
  closeAll(): void {
    for (const sub of [...this.subscribers]) this.drop(sub);
  }

  private broadcast(bytes: Uint8Array, wants: (sub: Subscriber) => boolean): void {
    for (const sub of this.subscribers) {
      if (wants(sub)) void sub.writer.write(bytes).catch(() => this.drop(sub));
    }
  }

  /** Ends one stream. Closing (not aborting) lets the client read what was already written. */
  private drop(sub: Subscriber): void {
    if (!this.subscribers.delete(sub)) return;
    void sub.writer.close().catch(() => undefined);
    if (this.subscribers.size === 0 && this.keepalive !== undefined) {
      clearInterval(this.keepalive);
      this.keepalive = undefined;
    }
  }

  /** A comment every SSE_KEEPALIVE_MS keeps proxies from closing quiet streams. */
  private ensureKeepalive(): void {
    if (this.keepalive !== undefined) return;
    const ping = encoder.encode(sseFrame({ comment: "keepalive" }));
    this.keepalive = setInterval(() => this.broadcast(ping, () => true), SSE_KEEPALIVE_MS);
  }
}
