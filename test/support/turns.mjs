/**
 * One turn driven with the official `@anthropic-ai/sdk`, the way an app drives it: open the
 * (live) stream, send, read until the session goes idle. Plain JavaScript so that the benches
 * (plain Node) and the tests (session-driver.ts) share it.
 */

/**
 * Sends user events (a message, a tool confirmation, ...) and streams the session until it goes
 * idle; returns the events from the echo of the first one sent.
 */
export async function sendEventsAndWait(client, sessionId, events, opts = {}) {
  const stream = await client.beta.sessions.events.stream(
    sessionId,
    opts.deltas ? { event_deltas: ["agent.message"] } : {},
  );
  const sent = await client.beta.sessions.events.send(sessionId, { events });
  const sentId = sent.data?.[0]?.id;
  // This turn starts at the echo of what we sent; anything before it (the tail of an earlier
  // turn still on its way) is not ours.
  const seen = [];
  const timer = setTimeout(() => stream.controller.abort(), opts.timeoutMs ?? 120_000);
  try {
    for await (const ev of stream) {
      if (seen.length === 0 && ev.id !== sentId) continue;
      seen.push(ev);
      if (ev.type === "session.status_idle") break;
    }
  } finally {
    clearTimeout(timer);
    stream.controller.abort();
  }
  return seen;
}

/** Sends one text message and streams the session until it goes idle; returns this turn's events. */
export function sendAndWait(client, sessionId, text, opts = {}) {
  return sendEventsAndWait(
    client,
    sessionId,
    [{ type: "user.message", content: [{ type: "text", text }] }],
    opts,
  );
}
