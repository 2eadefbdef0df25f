/**
 * The turn translator's previews against the frame orders OpenClaw produces (see
 * test/runtime/OBSERVED-EVENTS.md). OpenClaw paces live text and flushes its held-back tail
 * when the run ends, while the assistant `session.message` can overtake that tail: on a fast
 * model the message arrives between the first live text and the rest. Whatever the order, the
 * previews of a message must come before it, carry its id, and add up to its text.
 */
import { describe, expect, it } from "vitest";
import type { EventFrame } from "../../src/runtime/openclaw/protocol";
import { compactedSessionKey, TurnTranslator } from "../../src/session/turn-translator";
import { expectPreviewsBeforeMessages } from "../support/session-driver";
import {
  abortedTurn,
  failedTurn,
  MODEL_ERROR,
  RUN as OBSERVED_RUN,
  PLAIN_REPLY,
  PLAIN_USAGE,
  plainTurn,
  TOOL_REPLY,
  TOOL_REPLY_USAGE,
  toolTurn,
} from "./fixtures/observed-frames";

const RUN = "run-1";

type Out = Record<string, any>;

/** A translator whose sink records every stored event and preview, in order. */
function recordingTranslator(runId: string) {
  const out: Out[] = [];
  const customCalls: Array<{ toolCallId: string; toolUseId: string; name: string }> = [];
  let n = 0;
  const t = new TurnTranslator(runId, {
    emit: (body, id) => {
      const event = { ...body, id: id ?? `sevt_${++n}` } as Out;
      out.push(event);
      return event as never;
    },
    preview: (_forType, frame) => out.push(frame),
    newEventId: () => `sevt_${++n}`,
    permission: () => "allow",
    mcpServers: [],
    customTools: new Set(["get_weather"]),
    customToolUse: (call) => void customCalls.push(call),
  });
  return { t, out, customCalls };
}
const translator = () => recordingTranslator(RUN);

let seq = 0;
const frame = (event: string, payload: Record<string, unknown>): EventFrame =>
  ({ type: "event", event, payload, seq: ++seq }) as EventFrame;
const agent = (stream: string, data: Record<string, unknown>) => frame("agent", { runId: RUN, stream, data });
/**
 * Live text of message `itemId` as OpenClaw sends it, twice: on the `agent` assistant stream
 * (`text` cumulative per message, `delta` the new part) and as a `chat` delta, whose text
 * runs over the whole run (`before` is the run's earlier messages, joined as OpenClaw does).
 */
const live = (itemId: string, text: string, delta: string, before = "") => [
  agent("assistant", { itemId, text, delta }),
  frame("chat", {
    runId: RUN,
    state: "delta",
    deltaText: delta,
    message: { role: "assistant", content: [{ type: "text", text: before ? `${before}\n\n${text}` : text }] },
  }),
];
const modelStart = () => agent("lifecycle", { phase: "model", provider: "clawplane", model: "default" });
const assistantMessage = (text: string) =>
  frame("session.message", {
    message: {
      role: "assistant",
      content: [{ type: "text", text }],
      usage: { input: 100, output: 5 },
      __openclaw: { runId: RUN },
    },
  });
const lifecycleEnd = (text: string) =>
  agent("lifecycle", { phase: "end", terminalReply: { disposition: "visible", text } });
const chatFinal = (text?: string) =>
  frame("chat", {
    runId: RUN,
    state: "final",
    ...(text ? { message: { role: "assistant", content: [{ type: "text", text }] } } : {}),
  });

describe("TurnTranslator previews", () => {
  it("keeps a fast reply's previews before its message when the message overtakes the live-text tail", () => {
    const { t, out } = translator();
    const reply = "echo: hello clawplane";
    for (const f of [
      modelStart(),
      ...live("m1", "echo: he", "echo: he"),
      assistantMessage(reply), // overtakes the paced tail below
      ...live("m1", reply, "llo clawplane"),
      lifecycleEnd(reply),
      chatFinal(reply),
    ])
      t.handle(f);
    expect(expectPreviewsBeforeMessages(out)).toEqual([reply]);
    // Nothing after the message: the late tail was already sent just before it.
    const at = out.findIndex((e) => e.type === "agent.message");
    expect(out.slice(at + 1).map((e) => e.type)).toEqual(["span.model_request_end"]);
  });

  it("previews a reply whose live text all came after its message (one burst), once", () => {
    const { t, out } = translator();
    const reply = "echo: burst";
    for (const f of [
      modelStart(),
      assistantMessage(reply),
      ...live("m1", "echo: bu", "echo: bu"),
      ...live("m1", reply, "rst"),
      chatFinal(reply),
    ])
      t.handle(f);
    expect(expectPreviewsBeforeMessages(out)).toEqual([reply]);
    expect(out.filter((e) => e.type === "event_delta")).toHaveLength(1);
  });

  it("streams token by token when the live text comes first, and adds nothing at the message", () => {
    const { t, out } = translator();
    const tokens = ["echo", ":", " slow", " tokens"];
    const frames = [modelStart()];
    let text = "";
    for (const token of tokens) {
      text += token;
      frames.push(...live("m1", text, token));
    }
    frames.push(assistantMessage(text), lifecycleEnd(text), chatFinal(text));
    for (const f of frames) t.handle(f);
    expect(expectPreviewsBeforeMessages(out)).toEqual([text]);
    expect(out.filter((e) => e.type === "event_delta").map((e) => e.delta.content.text)).toEqual(tokens);
  });

  it("gives each message of a tool turn its own previews, though the first one's tail comes late", () => {
    const { t, out } = translator();
    const first = "let me check";
    const second = "tool result: hi";
    for (const f of [
      modelStart(),
      ...live("m1", "let ", "let "),
      assistantMessage(first),
      ...live("m1", first, "me check"), // flushed when the tool starts
      agent("tool", { phase: "start", name: "exec", toolCallId: "c1", args: { command: "echo hi" } }),
      agent("tool", {
        phase: "result",
        toolCallId: "c1",
        result: { content: [{ type: "text", text: "hi" }] },
      }),
      modelStart(),
      ...live("m2", "tool ", "tool ", first),
      ...live("m2", second, "result: hi", first),
      lifecycleEnd(second),
      chatFinal(), // a tool turn's final carries no message; the reply comes from lifecycle end
    ])
      t.handle(f);
    expect(expectPreviewsBeforeMessages(out)).toEqual([first, second]);
    expect(out.map((e) => e.type)).toContain("agent.tool_result");
  });

  it("ignores live text that rewrites what was already previewed, and still concludes the message", () => {
    const { t, out } = translator();
    const reply = "echo: again";
    for (const f of [
      modelStart(),
      ...live("m1", "echo: ag", "echo: ag"),
      agent("assistant", { itemId: "m1", text: "", delta: "", replace: true }),
      ...live("m1", reply, "ain"),
      assistantMessage(reply),
      chatFinal(reply),
    ])
      t.handle(f);
    expect(expectPreviewsBeforeMessages(out)).toEqual([reply]);
  });
});

/** Runs recorded frames through a translator of the recorded run, up to the run's outcome. */
function translate(frames: EventFrame[]) {
  const { t, out } = recordingTranslator(OBSERVED_RUN);
  for (const f of frames) {
    const outcome = t.handle(f);
    // The runner stops feeding a turn once it has ended, as here.
    if (outcome) return { outcome, out, events: out.filter((e) => "id" in e) };
  }
  throw new Error("the run never ended");
}

describe("TurnTranslator on the runs recorded in OBSERVED-EVENTS.md", () => {
  it("a plain turn: one model span with the model's usage, and the reply previewed then stored", () => {
    const { outcome, out, events } = translate(plainTurn());
    expect(outcome).toEqual({ kind: "end_turn" });
    expect(expectPreviewsBeforeMessages(out)).toEqual([PLAIN_REPLY]);
    expect(events.map((e) => e.type)).toEqual([
      "span.model_request_start",
      "agent.message",
      "span.model_request_end",
    ]);
    const [start, message, end] = events as [Out, Out, Out];
    expect(message.content).toEqual([{ type: "text", text: PLAIN_REPLY }]);
    expect(end).toMatchObject({
      model_request_start_id: start.id,
      is_error: false,
      model_usage: {
        input_tokens: PLAIN_USAGE.input,
        output_tokens: PLAIN_USAGE.output,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      },
    });
  });

  it("a tool turn: exec reported as bash with its result, a span per model call, the reply from the message", () => {
    const { outcome, out, events } = translate(toolTurn());
    expect(outcome).toEqual({ kind: "end_turn" });
    expect(events.map((e) => e.type)).toEqual([
      "span.model_request_start",
      "span.model_request_end",
      "agent.tool_use",
      "agent.tool_result",
      "span.model_request_start",
      "agent.message",
      "span.model_request_end",
    ]);
    const [, , use, result, next, , end] = events as [Out, Out, Out, Out, Out, Out, Out];
    expect(use).toMatchObject({
      name: "bash",
      input: { command: "echo tool-output" },
      evaluated_permission: "allow",
    });
    expect(result).toMatchObject({
      tool_use_id: use.id,
      content: [{ type: "text", text: "tool-output\n" }],
      is_error: false,
    });
    expect(end).toMatchObject({
      model_request_start_id: next.id,
      model_usage: {
        input_tokens: TOOL_REPLY_USAGE.input,
        cache_read_input_tokens: TOOL_REPLY_USAGE.cacheRead,
      },
    });
    // The blanking delta and the message-less final change nothing: the reply is stored once.
    expect(expectPreviewsBeforeMessages(out)).toEqual([TOOL_REPLY]);
  });

  it("a custom tool call: reported as agent.custom_tool_use and handed to the session; its result is not reported", () => {
    const { t, out, customCalls } = translator();
    for (const f of [
      modelStart(),
      agent("tool", { phase: "start", name: "get_weather", toolCallId: "c1", args: { city: "Paris" } }),
      agent("tool", { phase: "result", name: "get_weather", toolCallId: "c1", result: { content: "18 C" } }),
    ])
      t.handle(f);
    const uses = out.filter((e) => e.type === "agent.custom_tool_use");
    expect(uses).toEqual([
      { type: "agent.custom_tool_use", name: "get_weather", input: { city: "Paris" }, id: uses[0]?.id },
    ]);
    expect(customCalls).toEqual([
      { toolCallId: "c1", toolUseId: uses[0]?.id, name: "get_weather", input: { city: "Paris" } },
    ]);
    expect(out.some((e) => e.type === "agent.tool_use" || e.type === "agent.tool_result")).toBe(false);
  });

  it("an abort mid-reply: the open span ends as an error, no message is stored, the turn is aborted", () => {
    const { outcome, events } = translate(abortedTurn());
    expect(outcome).toEqual({ kind: "aborted" });
    expect(events.map((e) => e.type)).toEqual(["span.model_request_start", "span.model_request_end"]);
    expect(events[1]).toMatchObject({ is_error: true, model_usage: { input_tokens: 0, output_tokens: 0 } });
  });

  it("a model failing through OpenClaw's retries: one span, ended as an error, and OpenClaw's message", () => {
    const { outcome, events } = translate(failedTurn());
    expect(outcome).toEqual({ kind: "error", message: MODEL_ERROR });
    expect(events.map((e) => e.type)).toEqual(["span.model_request_start", "span.model_request_end"]);
    expect(events[1]).toMatchObject({ is_error: true });
  });
});

describe("TurnTranslator.replySettled: when a turn may end before OpenClaw ends the run", () => {
  const finishing = (data: Record<string, unknown> = {}) =>
    agent("lifecycle", { phase: "finishing", stopReason: "stop", aborted: false, ...data });
  const settledAfter = (frames: EventFrame[]) => {
    const { t } = translator();
    for (const f of frames) t.handle(f);
    return t.replySettled();
  };
  const reply = "echo: done";

  it("is settled at a clean finishing after the reply's message and usage", () => {
    expect(settledAfter([modelStart(), assistantMessage(reply), finishing()])).toBe(true);
    // The finishing frame comes first, the message after it: settled once the message is in.
    expect(settledAfter([modelStart(), finishing(), assistantMessage(reply)])).toBe(true);
  });

  it("is not settled before finishing, nor at a finishing that is not a clean stop", () => {
    expect(settledAfter([modelStart(), assistantMessage(reply)])).toBe(false);
    expect(settledAfter([modelStart(), assistantMessage(reply), finishing({ error: "HTTP 500" })])).toBe(
      false,
    );
    expect(settledAfter([modelStart(), assistantMessage(reply), finishing({ aborted: true })])).toBe(false);
    expect(settledAfter([modelStart(), assistantMessage(reply), finishing({ stopReason: "error" })])).toBe(
      false,
    );
    expect(settledAfter([modelStart(), assistantMessage(reply), finishing({ yielded: true })])).toBe(false);
  });

  it("is not settled while a model call's usage or a tool call is still open", () => {
    // The last model call has started and its message (usage) has not arrived.
    expect(settledAfter([modelStart(), assistantMessage(reply), modelStart(), finishing()])).toBe(false);
    const toolStart = agent("tool", { phase: "start", name: "exec", toolCallId: "c1", args: {} });
    const toolResult = agent("tool", { phase: "result", name: "exec", toolCallId: "c1", result: {} });
    expect(settledAfter([modelStart(), assistantMessage(reply), toolStart, finishing()])).toBe(false);
    expect(settledAfter([modelStart(), assistantMessage(reply), toolStart, toolResult, finishing()])).toBe(
      true,
    );
    // A custom tool's call is answered by the client: never settled by a result frame.
    const custom = agent("tool", { phase: "start", name: "get_weather", toolCallId: "c2", args: {} });
    expect(settledAfter([modelStart(), assistantMessage(reply), custom, finishing()])).toBe(false);
  });
});

describe("context compaction → agent.thread_context_compacted", () => {
  it("reports an auto-compaction of the run once it completed, not when it starts, fails or is another run's", () => {
    const { t, out } = translator();
    t.handle(agent("compaction", { phase: "start" }));
    expect(out).toEqual([]);
    t.handle(agent("compaction", { phase: "end", completed: false, willRetry: false, outcome: "skipped" }));
    t.handle(
      frame("agent", { runId: "other-run", stream: "compaction", data: { phase: "end", completed: true } }),
    );
    expect(out).toEqual([]);
    t.handle(agent("compaction", { phase: "end", completed: true, willRetry: true, outcome: "completed" }));
    expect(out).toEqual([{ type: "agent.thread_context_compacted", id: "sevt_1" }]);
  });

  it("names the session key of a completed explicit compaction (sessions.compact), and nothing else", () => {
    const op = (payload: Record<string, unknown>) =>
      frame("session.operation", {
        operationId: "op-1",
        operation: "compact",
        sessionKey: "agent:main:Ses_1",
        ...payload,
      });
    expect(compactedSessionKey(op({ phase: "end", completed: true }))).toBe("agent:main:ses_1");
    expect(compactedSessionKey(op({ phase: "start" }))).toBeNull();
    expect(
      compactedSessionKey(op({ phase: "end", completed: false, reason: "nothing to compact" })),
    ).toBeNull();
    expect(compactedSessionKey(op({ phase: "end", completed: true, operation: "reset" }))).toBeNull();
    expect(
      compactedSessionKey(frame("sessions.changed", { sessionKey: "agent:main:ses_1", reason: "compact" })),
    ).toBeNull();
  });
});
