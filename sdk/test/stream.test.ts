/**
 * The event stream iterator against a real session. These sessions have no runtime, so each
 * message's turn ends at once: user.message → session.status_running → session.error →
 * session.usage → session.status_idle, a deterministic sequence to check resumption against.
 */
import { describe, expect, it } from "vitest";
import { collect, NotFoundError, type StreamEvent } from "../src/index";
import { client, cuttingFetch, fixture, message } from "./helpers";

const TURN = [
  "user.message",
  "session.status_running",
  "session.error",
  "session.usage",
  "session.status_idle",
];

async function newSession(c = client()) {
  const { agent, environment } = await fixture(c);
  return c.sessions.create({ agent: agent.id, environment_id: environment.id });
}

/** Reads events until `session.status_idle`, returning them. */
async function untilIdle(stream: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for await (const event of stream) {
    events.push(event);
    if (event.type === "session.status_idle") break;
  }
  return events;
}

describe("sessions.events.stream", () => {
  it("is live once opened: yields a turn's events in order", async () => {
    const c = client();
    const session = await newSession(c);
    const stream = await c.sessions.events.stream(session.id);
    await c.sessions.events.send(session.id, message("hello"));
    const events = await untilIdle(stream);
    expect(events.map((e) => e.type)).toEqual(TURN);
    expect(stream.closed).toBe(true); // break closed it
  });

  it("reconnects after a drop with Last-Event-ID: no gap, no duplicate", async () => {
    const { fetch, streamRequests } = cuttingFetch(2);
    const c = client({ fetch });
    const session = await newSession(c);
    const stream = await c.sessions.events.stream(session.id);
    await c.sessions.events.send(session.id, message("hello"));
    const events = await untilIdle(stream);

    const stored = await collect(await c.sessions.events.list(session.id));
    expect(events.map((e) => e.type)).toEqual(TURN);
    expect(events.map((e) => (e as { id: string }).id)).toEqual(stored.map((e) => e.id));
    expect(stream.reconnects).toBe(1);
    expect(streamRequests).toHaveLength(2);
    expect(streamRequests[0]!.headers.get("last-event-id")).toBeNull();
    expect(streamRequests[1]!.headers.get("last-event-id")).toBe(stored[1]!.id);
  });

  it("resumes from a given lastEventId", async () => {
    const c = client();
    const session = await newSession(c);
    const first = await c.sessions.events.stream(session.id);
    await c.sessions.events.send(session.id, message("hello"));
    const all = await untilIdle(first);
    const resumed = await c.sessions.events.stream(session.id, {
      lastEventId: (all[2] as { id: string }).id,
    });
    const rest = await untilIdle(resumed);
    expect(rest).toEqual(all.slice(3));
  });

  it("ends quietly when the caller's signal aborts", async () => {
    const c = client();
    const session = await newSession(c);
    const controller = new AbortController();
    const stream = await c.sessions.events.stream(session.id, { signal: controller.signal });
    await c.sessions.events.send(session.id, message("hello"));
    const seen: string[] = [];
    for await (const event of stream) {
      seen.push(event.type);
      controller.abort();
    }
    expect(seen).toEqual(["user.message"]);
    expect(stream.closed).toBe(true);
  });

  it("ends on session.deleted", async () => {
    const c = client();
    const session = await newSession(c);
    const stream = await c.sessions.events.stream(session.id);
    await c.sessions.delete(session.id);
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types.at(-1)).toBe("session.deleted");
  });

  it("rejects an unknown session with NotFoundError before streaming", async () => {
    const err = await client()
      .sessions.events.stream("sesn_missing")
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as NotFoundError).code).toBe("session_not_found");
  });
});
