/**
 * The OpenAI Chat Completions drop-in end to end: the Worker under `wrangler dev`, one real
 * OpenClaw gateway (all tests share one sticky conversation, so one gateway boots), the LLM
 * proxy, and the deterministic model server. Driven with the official `openai` SDK, unchanged.
 */
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../support/local-stack.mjs";
import type { ModelServer } from "../support/model-server.mjs";

const ADMIN_KEY = "runtime-test-admin-key";
const AGENT_NAME = "OpenAI Echo";
const USER = "runtime-user";
/** How long a session may take to go idle after its client aborted (the slow reply runs 20 s). */
const ABORT_TO_IDLE_MS = 10_000;
/** Slow mode for streaming: filler chunks after the reply, spaced so the stream spans ~2 s. */
const STREAM_CHUNKS = 8;
const STREAM_CHUNK_DELAY_MS = 250;

let stack: LocalStack;
let model: ModelServer;
let worker: LocalStack["worker"];
let client: OpenAI;
let sessionId: string;

async function api(path: string): Promise<any> {
  const res = await fetch(worker.origin + path, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  return res.json();
}

/** The text of the session's latest agent.message. */
async function lastAgentMessage(): Promise<string> {
  const page = await api(`/v1/sessions/${sessionId}/events?types[]=agent.message&order=desc&limit=1`);
  return page.data[0].content.map((b: { text: string }) => b.text).join("");
}

/** Polls `check` until it returns true or `timeoutMs` passes. */
async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  stack = await startLocalStack({ adminKey: ADMIN_KEY, providerKey: "provider-secret-for-tests" });
  ({ model, worker } = stack);
  const res = await fetch(`${worker.origin}/v1/agents`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ name: AGENT_NAME, model: "claude-sonnet-4-6", system: "Be brief." }),
  });
  expect(res.status).toBe(200);
  client = new OpenAI({ apiKey: ADMIN_KEY, baseURL: `${worker.origin}/v1`, maxRetries: 0 });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

describe("OpenAI chat completions with a real OpenClaw gateway", () => {
  it("answers a completion with real usage, and remembers the conversation by user", async () => {
    const started = Date.now();
    const { data, response } = await client.chat.completions
      .create({ model: AGENT_NAME, user: USER, messages: [{ role: "user", content: "hello openai" }] })
      .withResponse();
    console.log(`first completion (cold runtime): ${Date.now() - started} ms`);
    sessionId = response.headers.get("x-clawplane-session-id") ?? "";
    expect(sessionId).toMatch(/^sesn_/);
    expect(data.object).toBe("chat.completion");
    expect(data.model).toBe(AGENT_NAME);
    expect(data.choices[0]?.message.content).toBe("echo: hello openai");
    expect(data.choices[0]?.finish_reason).toBe("stop");
    expect(data.usage?.prompt_tokens).toBeGreaterThan(1000);
    expect(data.usage?.completion_tokens).toBeGreaterThan(0);
    expect(data.usage?.total_tokens).toBe(
      (data.usage?.prompt_tokens ?? 0) + (data.usage?.completion_tokens ?? 0),
    );

    // Only the last message drives the turn; the earlier ones (and the system one) are OpenClaw's business.
    const { data: recall, response: again } = await client.chat.completions
      .create({
        model: AGENT_NAME,
        user: USER,
        messages: [
          { role: "system", content: "ignored" },
          { role: "user", content: "hello openai" },
          { role: "assistant", content: "echo: hello openai" },
          { role: "user", content: "RECALL please" },
        ],
      })
      .withResponse();
    expect(again.headers.get("x-clawplane-session-id")).toBe(sessionId);
    expect(recall.choices[0]?.message.content).toMatch(/^recall: .*hello openai.*RECALL please/);
  });

  it("streams real token deltas as they are generated, then the usage chunk", async () => {
    model.setMode({ kind: "slow", chunkDelayMs: STREAM_CHUNK_DELAY_MS, chunks: STREAM_CHUNKS });
    try {
      const stream = await client.chat.completions.create({
        model: AGENT_NAME,
        user: USER,
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: "user", content: "stream to me" }],
      });
      const deltas: Array<{ text: string; at: number }> = [];
      const chunks: OpenAI.ChatCompletionChunk[] = [];
      let finishedAt = 0;
      for await (const chunk of stream) {
        chunks.push(chunk);
        const choice = chunk.choices[0];
        if (choice?.delta.content) deltas.push({ text: choice.delta.content, at: Date.now() });
        if (choice?.finish_reason) finishedAt = Date.now();
      }
      const reply = deltas.map((d) => d.text).join("");
      expect(reply.startsWith("echo: stream to me")).toBe(true);
      expect(reply).toBe(await lastAgentMessage());
      expect(deltas.length).toBeGreaterThan(3);
      // Live, not replayed: the first delta came while the filler was still being generated.
      const lead = finishedAt - (deltas[0]?.at ?? finishedAt);
      console.log(`streaming: ${deltas.length} deltas, first delta ${lead} ms before the finish`);
      expect(lead).toBeGreaterThan((STREAM_CHUNKS * STREAM_CHUNK_DELAY_MS) / 2);

      expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
      const usage = chunks.at(-1);
      expect(usage?.choices).toEqual([]);
      expect(usage?.usage?.prompt_tokens).toBeGreaterThan(1000);
      expect(usage?.usage?.completion_tokens).toBeGreaterThan(0);
    } finally {
      model.setMode("normal");
    }
  });

  it("streams deltas that add up to the final reply, whether the model answers in one burst or token by token", async () => {
    for (const mode of [{ kind: "burst" }, { kind: "tokens", tokenDelayMs: 150 }] as const) {
      model.setMode(mode);
      try {
        const stream = await client.chat.completions.create({
          model: AGENT_NAME,
          user: USER,
          stream: true,
          messages: [{ role: "user", content: `deltas in ${mode.kind} mode` }],
        });
        let reply = "";
        for await (const chunk of stream) reply += chunk.choices[0]?.delta.content ?? "";
        expect(reply).toBe(`echo: deltas in ${mode.kind} mode`);
        expect(reply).toBe(await lastAgentMessage());
      } finally {
        model.setMode("normal");
      }
    }
  });

  it("refuses a second request while the session is mid-turn (409), and a client abort interrupts the turn", async () => {
    model.setMode({ kind: "slow", chunkDelayMs: 500, chunks: 40 });
    try {
      const stream = await client.chat.completions.create({
        model: AGENT_NAME,
        user: USER,
        stream: true,
        messages: [{ role: "user", content: "long answer please" }],
      });
      const iterator = stream[Symbol.asyncIterator]();
      // Wait for real content: the turn is under way in the model.
      for (;;) {
        const { value, done } = await iterator.next();
        expect(done).toBe(false);
        if (value?.choices[0]?.delta.content) break;
      }

      const busy = client.chat.completions.create({
        model: AGENT_NAME,
        user: USER,
        messages: [{ role: "user", content: "me too" }],
      });
      await expect(busy).rejects.toBeInstanceOf(OpenAI.ConflictError);
      await expect(busy).rejects.toMatchObject({ status: 409, code: "session_busy" });

      const abortedAt = Date.now();
      stream.controller.abort();
      await until(
        async () => (await api(`/v1/sessions/${sessionId}`)).status === "idle",
        ABORT_TO_IDLE_MS,
        "idle",
      );
      console.log(`client abort → session idle: ${Date.now() - abortedAt} ms`);
      const upstream = model.requests.filter((r) =>
        JSON.stringify(r.body.messages).includes("long answer please"),
      );
      await until(
        () => upstream.at(-1)?.outcome === "aborted",
        ABORT_TO_IDLE_MS,
        "the model request to abort",
      );
      const history = await api(`/v1/sessions/${sessionId}/events?types[]=user.interrupt&order=desc&limit=1`);
      expect(history.data).toHaveLength(1);
    } finally {
      model.setMode("normal");
    }

    // The session takes the next request normally.
    const next = await client.chat.completions.create({
      model: AGENT_NAME,
      user: USER,
      messages: [{ role: "user", content: "after the abort" }],
    });
    expect(next.choices[0]?.message.content).toBe("echo: after the abort");
  });
});
