/**
 * Drives a session's turns with the official `@anthropic-ai/sdk`, the way an app would: open
 * the (live) stream, send, read until the session goes idle. Shared by the runtime tests (local
 * gateways) and the e2e test (real containers).
 */
import type Anthropic from "@anthropic-ai/sdk";

/** A CMA event as the SDK yields it (stream-only previews have no `id`). */
export type SessionEvent = { id: string; type: string } & Record<string, any>;

/** Sends one message and streams the session until it goes idle; returns this turn's events. */
export async function sendAndWait(
  client: Anthropic,
  sessionId: string,
  text: string,
  opts: { timeoutMs?: number; deltas?: boolean } = {},
): Promise<SessionEvent[]> {
  const stream = await client.beta.sessions.events.stream(
    sessionId,
    opts.deltas ? { event_deltas: ["agent.message"] } : {},
  );
  await client.beta.sessions.events.send(sessionId, {
    events: [{ type: "user.message", content: [{ type: "text", text }] }],
  });
  // The stream is live-only: everything on it from here belongs to this turn.
  const seen: SessionEvent[] = [];
  const timer = setTimeout(() => stream.controller.abort(), opts.timeoutMs ?? 120_000);
  try {
    for await (const ev of stream as AsyncIterable<SessionEvent>) {
      seen.push(ev);
      if (ev.type === "session.status_idle") break;
    }
  } finally {
    clearTimeout(timer);
    stream.controller.abort();
  }
  return seen;
}

/** The text of the last `agent.message` among `events`. */
export function lastAgentText(events: SessionEvent[]): string {
  const msg = events.filter((e) => e.type === "agent.message").at(-1);
  return msg?.content?.map((b: { text?: string }) => b.text ?? "").join("") ?? "";
}
