/**
 * Restart safety of the session object itself: work accepted before an eviction, or left
 * pending with nobody calling, is picked up again. (Runtime restarts with a real gateway are
 * covered in test/runtime/sessions.test.ts.)
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { EventLog } from "../../src/session/event-log";
import type { InputQueue } from "../../src/session/input-queue";
import type { SessionDO } from "../../src/session/session-do";
import { callJson, MINIMAL_AGENT } from "../helpers/api";
import { sessionObject } from "../helpers/session-object";
import { waitFor } from "../helpers/wait";

async function newSession(): Promise<string> {
  const agent = (await callJson("/v1/agents", { body: MINIMAL_AGENT })).body;
  const environment = (
    await callJson("/v1/environments", { body: { name: `recovery-${crypto.randomUUID()}` } })
  ).body;
  return (await callJson("/v1/sessions", { body: { agent: agent.id, environment_id: environment.id } })).body
    .id;
}

/** Puts a message in the log and queue the way an accepted one is, without starting the turn loop. */
async function plantPendingMessage(sessionId: string, text: string): Promise<string> {
  return runInDurableObject(sessionObject(sessionId), (instance: SessionDO) => {
    const internals = instance as unknown as { events: EventLog; queue: InputQueue };
    const { event } = internals.events.append(
      { type: "user.message", content: [{ type: "text", text }] },
      null,
    );
    internals.queue.enqueue(event.id, text, Date.now());
    return event.id;
  });
}

async function processedAt(sessionId: string, eventId: string): Promise<string | null> {
  const { body } = await callJson(`/v1/sessions/${sessionId}/events?types[]=user.message`);
  return body.data.find((e: { id: string }) => e.id === eventId)?.processed_at ?? null;
}

describe("session restart safety", () => {
  it("resumes a pending message when an evicted object is constructed again", async () => {
    const sessionId = await newSession();
    const eventId = await plantPendingMessage(sessionId, "accepted before the eviction");
    await evictDurableObject(sessionObject(sessionId));

    // Any call constructs the object again; the pending message runs (and, with no runtime
    // configured in these tests, ends in a session.error rather than staying stuck).
    await waitFor(async () => (await processedAt(sessionId, eventId)) !== null, {
      what: "the message to run",
    });
    const errors = await callJson(`/v1/sessions/${sessionId}/events?types[]=session.error`);
    expect(errors.body.data).toHaveLength(1);
    expect((await callJson(`/v1/sessions/${sessionId}`)).body.status).toBe("idle");
  });

  it("arms a watchdog alarm with every accepted message, and the alarm picks up pending work", async () => {
    const sessionId = await newSession();
    const stub = sessionObject(sessionId);
    await callJson(`/v1/sessions/${sessionId}/events`, {
      body: { events: [{ type: "user.message", content: [{ type: "text", text: "hi" }] }] },
    });
    expect(await runInDurableObject(stub, (_i, state) => state.storage.getAlarm())).not.toBeNull();

    const eventId = await plantPendingMessage(sessionId, "left pending");
    await runInDurableObject(stub, (instance: SessionDO) => instance.alarm());
    await waitFor(async () => (await processedAt(sessionId, eventId)) !== null, {
      what: "the message to run",
    });
    // Once idle, the alarm left behind only stops the runtime; it never re-arms itself.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await runInDurableObject(stub, (_i, state) => state.storage.getAlarm())).toBeNull();
  });
});
