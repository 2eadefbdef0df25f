/**
 * Re-seeding a fresh runtime. A container's disk (and with it OpenClaw's transcript) does not
 * survive a restart, but the session's event log does. When the gateway has no transcript for
 * a session that already had turns, the next message carries the conversation so far, so the
 * model still knows the earlier turns.
 */

/** Longest restored transcript sent along (characters); older turns are dropped first. */
export const MAX_RESTORED_CONTEXT_CHARS = 100_000;

export function withRestoredContext(
  transcript: Array<{ role: "user" | "assistant"; text: string }>,
  message: string,
): string {
  // The current message is already in the log (processed); leave it out of the history.
  const history = transcript.slice(
    0,
    transcript.findLastIndex((t) => t.role === "user" && t.text === message),
  );
  if (history.length === 0) return message;
  const lines: string[] = [];
  let size = 0;
  for (let i = history.length - 1; i >= 0; i--) {
    const turn = history[i]!;
    const line = `${turn.role === "user" ? "User" : "Assistant"}: ${turn.text}`;
    if (size + line.length > MAX_RESTORED_CONTEXT_CHARS) break;
    lines.unshift(line);
    size += line.length;
  }
  return [
    "[Context restored after the agent runtime restarted. The conversation so far:]",
    ...lines,
    "[End of restored context. The new message follows.]",
    "",
    message,
  ].join("\n");
}
