/**
 * The deterministic model server's OpenAI wire contract, without a gateway: SSE chunk
 * objects, usage chunk, [DONE], tool_call deltas, errors, non-streaming, slow-mode cancel,
 * request capture, and unwrapping of OpenClaw's prompt decorations.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { realUserMessages } from "../support/model-prompt.mjs";
import { type ModelServer, startModelServer } from "../support/model-server.mjs";
import { waitUntil } from "./support";

let server: ModelServer;
beforeAll(async () => {
  server = await startModelServer();
});
afterAll(() => server.close());
beforeEach(() => server.setMode("normal"));

const wrapped = (text: string) =>
  `[Sun 2026-11-22 10:23 UTC] ${text}\n\nRuntime: agent=main | session=agent:main:x`;
const internal = {
  role: "user",
  content: [{ type: "text", text: "<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>\nctx" }],
};
const body = (text: string, extra: Record<string, unknown> = {}) => ({
  model: "default",
  stream: true,
  stream_options: { include_usage: true },
  messages: [{ role: "system", content: "sys" }, { role: "user", content: wrapped(text) }, internal],
  ...extra,
});

async function post(payload: unknown, signal?: AbortSignal): Promise<Response> {
  return fetch(`${server.url}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer session-token" },
    body: JSON.stringify(payload),
    signal,
  });
}

/** Parsed JSON body; responses here are OpenAI-shaped objects, so keep the access loose. */
type Json = any;
const json = (response: Response): Promise<Json> => response.json();

/** Reads an SSE body into parsed chunk objects; `done` tells whether `[DONE]` arrived. */
async function readSse(response: Response) {
  const text = await response.text();
  const data = text
    .split("\n\n")
    .filter(Boolean)
    .map((block) => block.replace(/^data: /, ""));
  const done = data.at(-1) === "[DONE]";
  return { done, chunks: data.filter((d) => d !== "[DONE]").map((d) => JSON.parse(d)) };
}

describe("model server", () => {
  it("streams the echo of the last real user message with finish_reason and a usage chunk", async () => {
    const response = await post(body("hello"));
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const { done, chunks } = await readSse(response);
    expect(done).toBe(true);
    expect(chunks.every((c) => c.object === "chat.completion.chunk" && c.id === chunks[0].id)).toBe(true);
    expect(chunks[0].choices[0].delta.role).toBe("assistant");
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("");
    expect(text).toBe("echo: hello");
    expect(chunks.at(-2).choices[0].finish_reason).toBe("stop");
    const usage = chunks.at(-1);
    expect(usage.choices).toEqual([]);
    expect(usage.usage.completion_tokens).toBe(3);
    expect(usage.usage.total_tokens).toBe(usage.usage.prompt_tokens + 3);
    expect(server.requests.at(-1)).toMatchObject({
      authorization: "Bearer session-token",
      outcome: "completed",
    });
  });

  it("streams a whole reply in one network read in burst mode, and token by token in tokens mode", async () => {
    server.setMode("burst");
    const burst = await post(body("fast reply please"));
    const reader = burst.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    // The first read holds the entire stream: every chunk, the usage chunk and [DONE].
    expect(first.endsWith("data: [DONE]\n\n")).toBe(true);
    expect((await reader.read()).done).toBe(true);
    const burstText = first
      .split("\n\n")
      .filter((b) => b && b !== "data: [DONE]")
      .map((b) => JSON.parse(b.slice("data: ".length)).choices[0]?.delta?.content ?? "")
      .join("");
    expect(burstText).toBe("echo: fast reply please");

    server.setMode({ kind: "tokens", tokenDelayMs: 40 });
    const started = Date.now();
    const { done, chunks } = await readSse(await post(body("one token at a time")));
    expect(done).toBe(true);
    const tokens = chunks.map((c) => c.choices[0]?.delta?.content).filter((t) => t);
    expect(tokens).toEqual(["echo:", " one", " token", " at", " a", " time"]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(tokens.length * 40);
    expect(chunks.at(-1).usage.completion_tokens).toBeGreaterThan(0);
  });

  it("omits usage without include_usage and answers non-streaming requests", async () => {
    const streamed = await readSse(await post(body("a", { stream_options: undefined })));
    expect(streamed.chunks.some((c) => "usage" in c)).toBe(false);
    const plain = await json(await post(body("b", { stream: false })));
    expect(plain).toMatchObject({
      object: "chat.completion",
      choices: [{ message: { content: "echo: b" }, finish_reason: "stop" }],
    });
    expect(plain.usage.prompt_tokens).toBeGreaterThan(0);
  });

  it("lists every real user message when asked to RECALL", async () => {
    const messages = [
      { role: "user", content: wrapped("first") },
      { role: "assistant", content: "echo: first" },
      {
        role: "user",
        content: [
          { type: "text", text: "[Sun 2026-11-22 10:24 UTC] second" },
          { type: "text", text: "third" },
        ],
      },
      { role: "user", content: "[Sun 2026-11-22 10:25 UTC] RECALL now" },
      internal,
    ];
    expect(realUserMessages({ messages })).toEqual(["first", "second\nthird", "RECALL now"]);
    const plain = await json(await post({ messages, stream: false }));
    expect(plain.choices[0].message.content).toBe('recall: ["first","second\\nthird","RECALL now"]');
  });

  it("asks for a tool call, then answers with the tool result", async () => {
    server.setMode({ kind: "tool_call", name: "exec", arguments: { command: "ls" } });
    const { chunks } = await readSse(await post(body("run")));
    const first = chunks[0].choices[0].delta.tool_calls[0];
    expect(first).toMatchObject({ index: 0, type: "function", function: { name: "exec", arguments: "" } });
    const args = chunks.map((c) => c.choices[0]?.delta?.tool_calls?.[0]?.function?.arguments ?? "").join("");
    expect(JSON.parse(args)).toEqual({ command: "ls" });
    expect(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0].finish_reason).toBe("tool_calls");
    const followUp = body("run");
    followUp.messages.push(
      { role: "assistant", content: null, tool_calls: [first] } as never,
      { role: "tool", tool_call_id: first.id, content: "a.txt" } as never,
    );
    const reply = await readSse(await post(followUp));
    expect(reply.chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("")).toBe("tool result: a.txt");
  });

  it("fails with OpenAI error bodies in error mode", async () => {
    server.setMode({ kind: "error", status: 429, retryAfterSeconds: 3 });
    const limited = await post(body("x"));
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("3");
    expect((await json(limited)).error).toMatchObject({ code: "rate_limit_exceeded" });
    server.setMode({ kind: "error" });
    expect((await post(body("x"))).status).toBe(500);
  });

  it("stops a slow stream when the client disconnects", async () => {
    server.setMode({ kind: "slow", chunkDelayMs: 50, chunks: 1000 });
    const controller = new AbortController();
    const response = await post(body("slow"), controller.signal);
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    const record = server.requests.at(-1)!;
    await waitUntil(() => record.outcome === "aborted", { what: "aborted outcome" });
  });

  it("serves and clears captured requests over HTTP", async () => {
    const listed = await json(await fetch(`${server.origin}/__requests`));
    expect(listed.length).toBe(server.requests.length);
    await fetch(`${server.origin}/__requests`, { method: "DELETE" });
    expect(server.requests).toHaveLength(0);
    await fetch(`${server.origin}/__mode`, { method: "POST", body: JSON.stringify({ kind: "slow" }) });
    expect(server.mode()).toEqual({ kind: "slow" });
  });
});
