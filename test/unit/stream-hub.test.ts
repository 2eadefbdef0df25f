/**
 * StreamHub: a session's live SSE streams. What a client reading one notices: the backlog it
 * missed, then live events in order, previews only when asked for, and a stream that ends
 * (having delivered what was written) when it is closed or its client goes away.
 */
import { describe, expect, it } from "vitest";
import type { PreviewFrame, SessionEvent } from "../../src/schemas/session-events";
import type { LoggedEvent } from "../../src/session/event-log";
import { StreamHub } from "../../src/session/stream-hub";
import { SseReader } from "../helpers/sse";
import { waitFor } from "../helpers/wait";

/** A stored event of the stream: an agent message, or a lifecycle event (no fields of its own). */
function event(
  id: string,
  type: "agent.message" | "session.status_running" | "session.deleted" = "agent.message",
): SessionEvent {
  if (type === "agent.message")
    return { id, type, content: [{ type: "text", text: id }], processed_at: null };
  return { id, type, processed_at: null };
}
const delta = (eventId: string, text: string): PreviewFrame => ({
  type: "event_delta",
  event_id: eventId,
  delta: { type: "content_delta", content: { type: "text", text } },
});
const logged = (seq: number, id: string): LoggedEvent => ({ seq, event: event(id) });

describe("StreamHub", () => {
  it("opens with the backlog, then delivers live events in order, each resumable by its id", async () => {
    const hub = new StreamHub();
    const res = hub.subscribe([logged(1, "sevt_1"), logged(2, "sevt_2")], new Set());
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    hub.publish(event("sevt_3", "session.status_running"));
    const stream = new SseReader(res);
    await stream.until((f) => f.id === "sevt_3");
    expect(stream.frames.map((f) => [f.id, f.event])).toEqual([
      ["sevt_1", "agent.message"],
      ["sevt_2", "agent.message"],
      ["sevt_3", "session.status_running"],
    ]);
    expect(stream.frames[2]?.data).toEqual(event("sevt_3", "session.status_running"));
    hub.closeAll();
  });

  it("sends previews only to streams that asked for deltas of that event type", async () => {
    const hub = new StreamHub();
    const withDeltas = new SseReader(hub.subscribe([], new Set(["agent.message"])));
    const without = new SseReader(hub.subscribe([], new Set()));
    hub.publishPreview("agent.message", delta("sevt_1", "Hel"));
    hub.publishPreview("agent.thinking", delta("sevt_x", "hmm"));
    hub.publish(event("sevt_1"));
    await withDeltas.until((f) => f.id === "sevt_1");
    await without.until((f) => f.id === "sevt_1");
    expect(withDeltas.frames.map((f) => f.event)).toEqual(["event_delta", "agent.message"]);
    expect(withDeltas.frames[0]?.data).toEqual(delta("sevt_1", "Hel"));
    expect(without.frames.map((f) => f.event)).toEqual(["agent.message"]);
    hub.closeAll();
  });

  it("ends every stream on closeAll, after what was already written", async () => {
    const hub = new StreamHub();
    const a = new SseReader(hub.subscribe([], new Set()));
    const b = new SseReader(hub.subscribe([], new Set()));
    hub.publish(event("sevt_last", "session.deleted"));
    hub.closeAll();
    expect(hub.size).toBe(0);
    expect((await a.toEnd()).map((f) => f.id)).toEqual(["sevt_last"]);
    expect((await b.toEnd()).map((f) => f.id)).toEqual(["sevt_last"]);
  });

  it("drops a stream whose request is aborted, and the others keep receiving", async () => {
    const hub = new StreamHub();
    const leaving = new AbortController();
    const gone = new SseReader(hub.subscribe([], new Set(), leaving.signal));
    const staying = new SseReader(hub.subscribe([], new Set()));
    expect(hub.size).toBe(2);
    leaving.abort();
    expect(hub.size).toBe(1);
    await gone.toEnd();
    hub.publish(event("sevt_after"));
    await staying.until((f) => f.id === "sevt_after");
    hub.closeAll();
  });

  it("drops a stream whose client stopped reading once a write to it fails", async () => {
    const hub = new StreamHub();
    const res = hub.subscribe([], new Set());
    await res.body?.cancel();
    hub.publish(event("sevt_1"));
    await waitFor(() => hub.size === 0, { what: "the gone client's stream to be dropped" });
  });
});
