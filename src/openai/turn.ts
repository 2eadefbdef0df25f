/**
 * One chat-completion turn, read off the session's own event stream.
 *
 * The session stream is live-only, so it is opened (with `agent.message` deltas) before the
 * message is sent; the message is then accepted only if the session is idle, in one step
 * inside the session object (`sendWhenIdle`). Frames before our `user.message` belong to an
 * earlier turn and are skipped. What follows is reduced to reply text in generation order:
 * every `event_delta` preview as it arrives (the session sends all previews of a message before
 * it, under its id, adding up to its text), and defensively whatever part of the buffered
 * `agent.message` the previews did not carry. The turn is over at
 * `session.status_idle`; its usage is the sum of the turn's `span.model_request_end` usage,
 * or, should the spans carry none, the growth of the session's metered usage over the turn.
 */
import { ApiError } from "../errors";
import { sseMessages } from "../lib/sse";
import type { SessionWire } from "../schemas/sessions";
import { textOf } from "../session/event-log";
import { sessionClient } from "../session/stub";
import type { TokenUsage } from "./completion";

/** Between two agent messages of one turn (e.g. around a tool call) the reply gets a blank line. */
const MESSAGE_SEPARATOR = "\n\n";

export type TurnPart =
  | { kind: "text"; text: string }
  | { kind: "done"; usage: TokenUsage }
  | { kind: "failed"; message: string };

/** Why the reader stopped a turn before it ended: the deadline passed or the client left. */
export type StopReason = "timeout" | "client_gone";

type SessionUsage = SessionWire["usage"];
// biome-ignore lint/suspicious/noExplicitAny: frames are the session's own wire events, read defensively
type Frame = Record<string, any>;

/** A running turn: its session, the accepted message, and its parts as they happen. */
export class Turn {
  stopReason: StopReason | undefined;

  private constructor(
    readonly sessionId: string,
    readonly messageId: string,
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
    private readonly usageBefore: SessionUsage,
  ) {}

  /** Opens the session stream, then sends `text` if the session is idle (409 otherwise). */
  static async start(env: Env, session: SessionWire, text: string): Promise<Turn> {
    const client = sessionClient(env, session.id);
    const stream = await client.stream(new Request("http://session/stream?event_deltas[]=agent.message"));
    if (!stream.ok || !stream.body)
      throw new ApiError("session_not_found", `session ${session.id} not found`);
    const reader = stream.body.getReader();
    try {
      const [echo] = await client.sendWhenIdle([{ type: "user.message", content: [{ type: "text", text }] }]);
      if (!echo) throw new Error("the session echoed no user.message");
      return new Turn(session.id, echo.id, reader, session.usage);
    } catch (err) {
      await reader.cancel().catch(() => undefined);
      throw err;
    }
  }

  /** Stops reading (the parts end); the caller decides whether to interrupt the session. */
  stop(reason: StopReason): void {
    this.stopReason ??= reason;
    void this.reader.cancel().catch(() => undefined);
  }

  /** The turn's reply text and end, in order. Ends early (no `done`) once `stop` was called. */
  async *parts(): AsyncGenerator<TurnPart> {
    let ours = false;
    let emitted = false;
    let preview: { id: string; streamed: string } | undefined;
    const spans: TokenUsage = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
    let usageAfter: SessionUsage | undefined;
    let failure: string | undefined;

    for await (const ev of this.frames()) {
      if (!ours) {
        ours = ev.type === "user.message" && ev.id === this.messageId;
        continue;
      }
      if (ev.type === "event_start" && ev.event?.type === "agent.message") {
        if (emitted) yield { kind: "text", text: MESSAGE_SEPARATOR };
        preview = { id: String(ev.event.id), streamed: "" };
      } else if (ev.type === "event_delta" && preview && ev.event_id === preview.id) {
        const text = ev.delta?.content?.text;
        if (typeof text === "string" && text) {
          preview.streamed += text;
          emitted = true;
          yield { kind: "text", text };
        }
      } else if (ev.type === "agent.message") {
        const full = textOf(ev.content);
        const streamed = preview && preview.id === ev.id ? preview.streamed : undefined;
        // Previews that diverged from the final text cannot be taken back; only a suffix is added.
        const rest =
          streamed === undefined ? full : full.startsWith(streamed) ? full.slice(streamed.length) : "";
        if (streamed === undefined && emitted && full) yield { kind: "text", text: MESSAGE_SEPARATOR };
        if (rest) {
          emitted = true;
          yield { kind: "text", text: rest };
        }
        preview = undefined;
      } else if (ev.type === "span.model_request_end") {
        const u = ev.model_usage ?? {};
        spans.input += num(u.input_tokens);
        spans.output += num(u.output_tokens);
        spans.cacheRead += num(u.cache_read_input_tokens);
        spans.cacheWrite += num(u.cache_creation_input_tokens);
      } else if (ev.type === "session.usage") {
        usageAfter = ev.usage;
      } else if (ev.type === "session.error" && ev.error?.retry_status?.type !== "retrying") {
        failure = String(ev.error?.message ?? "the agent run failed");
      } else if (ev.type === "session.status_idle") {
        yield failure === undefined
          ? { kind: "done", usage: turnUsage(spans, this.usageBefore, usageAfter) }
          : { kind: "failed", message: failure };
        return;
      } else if (ev.type === "session.status_terminated" || ev.type === "session.deleted") {
        const what = ev.type === "session.deleted" ? "deleted" : "archived";
        yield { kind: "failed", message: `session ${this.sessionId} was ${what} mid-turn` };
        return;
      }
    }
    if (this.stopReason === undefined) yield { kind: "failed", message: "the session stream ended mid-turn" };
  }

  /** The session's SSE messages as event objects (comments and keepalives carry none). */
  private async *frames(): AsyncGenerator<Frame> {
    for await (const message of sseMessages(this.reader)) yield JSON.parse(message.data) as Frame;
  }
}

function num(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

/** The turn's usage: its model spans, else the growth of the session's metered totals. */
function turnUsage(spans: TokenUsage, before: SessionUsage, after: SessionUsage | undefined): TokenUsage {
  if (spans.input + spans.output + spans.cacheRead + spans.cacheWrite > 0 || !after) return spans;
  return {
    input: num(after.input_tokens) - num(before.input_tokens),
    output: num(after.output_tokens) - num(before.output_tokens),
    cacheRead: num(after.cache_read_input_tokens) - num(before.cache_read_input_tokens),
    cacheWrite:
      num(after.cache_creation?.ephemeral_5m_input_tokens) -
      num(before.cache_creation?.ephemeral_5m_input_tokens),
  };
}
