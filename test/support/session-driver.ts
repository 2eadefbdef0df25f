/**
 * Drives a session's turns with the official `@anthropic-ai/sdk`, the way an app would: open
 * the (live) stream, send, read until the session goes idle. Shared by the runtime tests (local
 * gateways) and the e2e test (real containers).
 */
import type Anthropic from "@anthropic-ai/sdk";
import { expect } from "vitest";
import type { SessionEvent } from "./turns.mjs";

// The turn driver itself is plain JavaScript, shared with the benches.
export { type SessionEvent, sendAndWait, sendEventsAndWait } from "./turns.mjs";

/** The text of the last `agent.message` among `events`. */
export function lastAgentText(events: SessionEvent[]): string {
  const msg = events.filter((e) => e.type === "agent.message").at(-1);
  return msg?.content?.map((b: { text?: string }) => b.text ?? "").join("") ?? "";
}

/**
 * Asserts the shape of one completed turn: the echoed message first, a model span, the reply,
 * usage, and `session.status_idle` with `end_turn` last.
 */
export function expectCompletedTurn(events: SessionEvent[]): void {
  const types = events.map((e) => e.type);
  expect(types[0]).toBe("user.message");
  expect(types).toEqual(
    expect.arrayContaining([
      "session.status_running",
      "span.model_request_start",
      "agent.message",
      "span.model_request_end",
      "session.usage",
      "session.status_idle",
    ]),
  );
  expect(types.indexOf("session.status_running")).toBeLessThan(types.indexOf("agent.message"));
  expect(types.at(-1)).toBe("session.status_idle");
  expect(events.at(-1)?.stop_reason).toEqual({ type: "end_turn" });
}

/**
 * Asserts what a streaming client relies on: every `event_start` / `event_delta` preview comes
 * before the `agent.message` whose id it carries, each message has exactly one `event_start`,
 * and its deltas add up to its text. Returns the messages' texts, in order.
 */
export function expectPreviewsBeforeMessages(events: Array<Record<string, any>>): string[] {
  for (const [i, e] of events.entries()) {
    if (e.type !== "event_start" && e.type !== "event_delta") continue;
    const id = e.type === "event_start" ? e.event?.id : e.event_id;
    const at = events.findIndex((m) => m.type === "agent.message" && m.id === id);
    expect(at, `preview ${JSON.stringify(e)} is not followed by its agent.message`).toBeGreaterThan(i);
  }
  return events
    .filter((e) => e.type === "agent.message")
    .map((m) => {
      const text = m.content.map((b: { text?: string }) => b.text ?? "").join("");
      expect(events.filter((e) => e.type === "event_start" && e.event?.id === m.id)).toHaveLength(1);
      const previewed = events
        .filter((e) => e.type === "event_delta" && e.event_id === m.id)
        .map((e) => e.delta.content.text)
        .join("");
      expect(previewed, `previews of ${m.id}`).toBe(text);
      return text;
    });
}

/**
 * Every event in a session's log, oldest first. A session whose runtime was started at
 * `sessions.create` (a warm pool served it) has its `span.runtime_*` events before its first
 * message, so they are not among the turn's own events.
 */
export async function sessionLog(client: Anthropic, sessionId: string): Promise<SessionEvent[]> {
  const events: SessionEvent[] = [];
  for await (const event of client.beta.sessions.events.list(sessionId, { limit: 1000 }))
    events.push(event as SessionEvent);
  return events;
}
