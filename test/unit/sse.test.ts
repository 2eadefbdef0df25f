import { describe, expect, it } from "vitest";
import { type SseMessage, sseFrame, sseMessages, sseReader } from "../../src/lib/sse";

const encoder = new TextEncoder();

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

describe("sseFrame", () => {
  it("writes the three frame kinds the API serves, byte for byte", () => {
    expect(sseFrame({ id: "sevt_1", event: "agent.message", data: '{"a":1}' })).toBe(
      'id: sevt_1\nevent: agent.message\ndata: {"a":1}\n\n',
    );
    expect(sseFrame({ data: "[DONE]" })).toBe("data: [DONE]\n\n");
    expect(sseFrame({ comment: "keepalive" })).toBe(": keepalive\n\n");
  });

  it("splits multi-line data into data lines, which a reader joins back", async () => {
    const frame = sseFrame({ event: "log", data: "one\ntwo\r\nthree" });
    expect(frame).toBe("event: log\ndata: one\ndata: two\ndata: three\n\n");
    const read: SseMessage[] = [];
    for await (const m of sseMessages(streamOf([frame]).getReader())) read.push(m);
    expect(read).toEqual([{ id: undefined, event: "log", data: "one\ntwo\nthree" }]);
  });
});

describe("sseMessages", () => {
  it("reads messages split anywhere, mid-character too, skipping comments", async () => {
    const text =
      sseFrame({ comment: "connected" }) +
      sseFrame({ id: "s:1", event: "log", data: '{"t":"héllo 👋"}' }) +
      sseFrame({ comment: "keepalive" }) +
      sseFrame({ data: "[DONE]" });
    const bytes = encoder.encode(text);
    for (const size of [1, 2, 3, 7]) {
      const chunks: Uint8Array[] = [];
      for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.slice(at, at + size));
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (const c of chunks) controller.enqueue(c);
          controller.close();
        },
      });
      const read: SseMessage[] = [];
      for await (const m of sseMessages(stream.getReader())) read.push(m);
      expect(read).toEqual([
        { id: "s:1", event: "log", data: '{"t":"héllo 👋"}' },
        { id: undefined, event: undefined, data: "[DONE]" },
      ]);
    }
  });

  it("drops an unfinished last message (the stream broke off mid-message)", async () => {
    const read: SseMessage[] = [];
    for await (const m of sseMessages(streamOf(["data: 1\n\n", "data: 2\n"]).getReader())) read.push(m);
    expect(read.map((m) => m.data)).toEqual(["1"]);
  });
});

describe("sseReader", () => {
  it("on end, counts a last message without its blank line", () => {
    const read: string[] = [];
    const reader = sseReader((m) => read.push(m.data));
    reader.push(encoder.encode("data: a\n\ndata: b"));
    expect(read).toEqual(["a"]);
    reader.end();
    expect(read).toEqual(["a", "b"]);
  });

  it("drops a line that outgrows its buffer and reads on from the next chunk", () => {
    const read: string[] = [];
    const reader = sseReader((m) => read.push(m.data), { maxBufferChars: 100 });
    reader.push(encoder.encode(`data: ${"x".repeat(80)}`));
    reader.push(encoder.encode("x".repeat(80)));
    reader.push(encoder.encode(`${"x".repeat(80)}\n\n`));
    reader.push(encoder.encode("data: after\n\n"));
    reader.end();
    expect(read).toEqual(["after"]);
  });
});
