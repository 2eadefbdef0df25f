/**
 * Sessions end to end with real parts: the Worker under `wrangler dev` (workerd, local D1,
 * real Durable Objects), one real OpenClaw gateway per session run by the local runtime
 * supervisor, the Worker's LLM proxy in between, and the deterministic model server as the
 * provider. Driven with the official `@anthropic-ai/sdk`, unchanged.
 */
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../support/local-stack.mjs";
import type { ModelServer } from "../support/model-server.mjs";
import { processEnvironment } from "../support/proc.mjs";
import {
  expectCompletedTurn,
  expectPreviewsBeforeMessages,
  lastAgentText,
  type SessionEvent,
  sendAndWait as send,
} from "../support/session-driver";

const ADMIN_KEY = "runtime-test-admin-key";
const PROVIDER_KEY = "provider-secret-for-tests";
const TURN_LIMIT_S = 45;

let stack: LocalStack;
let model: ModelServer;
let supervisor: LocalStack["supervisor"];
let worker: LocalStack["worker"];
let client: Anthropic;
let agentId: string;
let environmentId: string;

type Event = SessionEvent;
const sendAndWait = (sessionId: string, text: string, opts?: { timeoutMs?: number; deltas?: boolean }) =>
  send(client, sessionId, text, opts);

/** The model requests made for turns whose last real user text contains `marker`. */
function requestsMentioning(marker: string) {
  return model.requests.filter((r) => JSON.stringify(r.body.messages).includes(marker));
}

beforeAll(async () => {
  stack = await startLocalStack({
    adminKey: ADMIN_KEY,
    providerKey: PROVIDER_KEY,
    // Short enough for the turn-limit test; the slowest other turn (a first turn after boot
    // on a loaded machine) takes well under it.
    vars: { TURN_TIMEOUT_SECONDS: String(TURN_LIMIT_S) },
  });
  ({ model, supervisor, worker } = stack);
  client = new Anthropic({ apiKey: ADMIN_KEY, baseURL: worker.origin, maxRetries: 0 });
  agentId = (
    await client.beta.agents.create({
      name: "Echo",
      model: "claude-sonnet-4-6",
      system: "Be brief.",
      tools: [{ type: "agent_toolset_20260401" }],
    })
  ).id;
  environmentId = (await client.beta.environments.create({ name: `runtime-${Date.now()}` })).id;
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

describe("a session with a real OpenClaw gateway", () => {
  let sessionId: string;

  it("runs a conversation through the Anthropic SDK, with memory, usage and no provider key in the runtime", async () => {
    const session = await client.beta.sessions.create({ agent: agentId, environment_id: environmentId });
    sessionId = session.id;
    expect(session.status).toBe("idle");

    const started = Date.now();
    const first = await sendAndWait(sessionId, "hello clawplane");
    console.log(`session create → first reply (cold runtime): ${Date.now() - started} ms`);
    expectCompletedTurn(first);
    expect(lastAgentText(first)).toBe("echo: hello clawplane");

    const spanEnd = first.find((e) => e.type === "span.model_request_end")!;
    expect(spanEnd.model_usage.input_tokens).toBeGreaterThan(1000);
    expect(spanEnd.model_usage.output_tokens).toBeGreaterThan(0);
    const usage = first.find((e) => e.type === "session.usage")!.usage;
    expect(usage.input_tokens).toBeGreaterThan(1000);
    expect(Number(usage.list_cost.amount)).toBeGreaterThanOrEqual(0);

    // The proxy sent the provider key and the agent's model; the runtime only ever had its session token.
    const upstream = requestsMentioning("hello clawplane");
    expect(upstream.length).toBeGreaterThan(0);
    for (const r of upstream) {
      expect(r.authorization).toBe(`Bearer ${PROVIDER_KEY}`);
      expect(r.body.model).toBe("claude-sonnet-4-6");
    }

    // The runtime's environment holds its session token and the proxy URL, never a provider key.
    const runtime = (await (await fetch(`${supervisor.origin}/runtimes/${sessionId}`)).json()) as {
      pid: number;
    };
    const environ = processEnvironment(runtime.pid).join("\n");
    expect(environ).toContain("CLAWPLANE_SESSION_TOKEN=cpst_");
    expect(environ).not.toContain(PROVIDER_KEY);
    expect(environ).not.toContain(ADMIN_KEY);

    const warmStarted = Date.now();
    const second = await sendAndWait(sessionId, "RECALL what I said", { deltas: true });
    console.log(`warm turn: ${Date.now() - warmStarted} ms`);
    expect(lastAgentText(second)).toContain("hello clawplane");
    // With event_deltas the reply streams as previews that the buffered message then concludes.
    const start = second.find((e) => e.type === "event_start")!;
    const deltas = second.filter((e) => e.type === "event_delta").map((e) => e.delta.content.text);
    const message = second.find((e) => e.type === "agent.message")!;
    expect(start.event).toEqual({ id: message.id, type: "agent.message" });
    expect(deltas.join("")).toBe(lastAgentText(second));

    const history = await client.beta.sessions.events.list(sessionId, { limit: 1000 });
    const ids = history.data.map((e) => e.id);
    // Stored events (not the stream-only previews) are the same in history as on the stream.
    for (const e of [...first, ...second].filter((e) => e.id)) expect(ids).toContain(e.id);
    expect(history.data.find((e) => e.type === "user.message")?.processed_at).toBeTruthy();

    const after = await client.beta.sessions.retrieve(sessionId);
    expect(after.status).toBe("idle");
    expect(after.usage.input_tokens).toBeGreaterThan(usage.input_tokens!);
  });

  it("streams every message's previews before it, under its id, whether the model answers in one burst or token by token", async () => {
    // A fast upstream is where OpenClaw's paced live text and the whole message race.
    for (const mode of [{ kind: "burst" }, { kind: "tokens", tokenDelayMs: 150 }] as const) {
      model.setMode(mode);
      try {
        const text = `stream in ${mode.kind} mode`;
        const events = await sendAndWait(sessionId, text, { deltas: true });
        expect(events.at(-1)?.stop_reason).toEqual({ type: "end_turn" });
        expect(expectPreviewsBeforeMessages(events)).toEqual([`echo: ${text}`]);
        const deltas = events.filter((e) => e.type === "event_delta");
        console.log(`${mode.kind}: ${deltas.length} previews`);
        // Token by token, the reply really streams (it is not replayed at the end).
        if (mode.kind === "tokens") expect(deltas.length).toBeGreaterThan(2);
      } finally {
        model.setMode("normal");
      }
    }
  });

  it("reports the agent's tool calls as agent.tool_use / agent.tool_result", async () => {
    model.setMode({ kind: "tool_call", name: "exec", arguments: { command: "echo hi-from-tool" } });
    try {
      const events = await sendAndWait(sessionId, "run a command");
      const use = events.find((e) => e.type === "agent.tool_use")!;
      expect(use).toMatchObject({ name: "bash", input: { command: "echo hi-from-tool" } });
      const result = events.find((e) => e.type === "agent.tool_result")!;
      expect(result.tool_use_id).toBe(use.id);
      expect(result.is_error).toBe(false);
      expect(result.content[0].text).toContain("hi-from-tool");
      // The model saw the tool's output and answered with it.
      expect(lastAgentText(events)).toContain("hi-from-tool");
      const types = events.map((e) => e.type);
      expect(types.indexOf("agent.tool_use")).toBeLessThan(types.indexOf("agent.tool_result"));
      expect(types.indexOf("agent.tool_result")).toBeLessThan(types.lastIndexOf("agent.message"));
      expect(types.filter((t) => t === "span.model_request_start")).toHaveLength(2);
    } finally {
      model.setMode("normal");
    }
  });

  it("keeps the conversation across a runtime that was killed between turns", async () => {
    // The supervisor deletes the gateway and its state dir: like a container restart, nothing survives.
    const killed = await fetch(`${supervisor.origin}/runtimes/${sessionId}`, { method: "DELETE" });
    expect(killed.status, await killed.text()).toBe(200);
    const third = await sendAndWait(sessionId, "RECALL after restart", { timeoutMs: 180_000 });
    expect(third.at(-1)!.type).toBe("session.status_idle");
    // The model request of turn 3 carried turns 1 and 2.
    const turn3 = requestsMentioning("RECALL after restart").at(-1)!;
    const prompt = JSON.stringify(turn3.body.messages);
    expect(prompt).toContain("hello clawplane");
    expect(prompt).toContain("RECALL what I said");
  });

  it("loses no accepted message when the runtime dies mid-turn: the turn is rescheduled and the queue still runs", async () => {
    model.setMode({ kind: "slow", chunkDelayMs: 500, chunks: 40 });
    const stream = await client.beta.sessions.events.stream(sessionId);
    try {
      await client.beta.sessions.events.send(sessionId, {
        events: [
          { type: "user.message", content: [{ type: "text", text: "doomed turn" }] },
          { type: "user.message", content: [{ type: "text", text: "queued behind it" }] },
        ],
      });
      const seen: Event[] = [];
      let killed = false;
      let answered = false;
      for await (const ev of stream as AsyncIterable<Event>) {
        seen.push(ev);
        if (ev.type === "span.model_request_start" && !killed) {
          killed = true;
          model.setMode("normal");
          const res = await fetch(`${supervisor.origin}/runtimes/${sessionId}`, { method: "DELETE" });
          expect(res.status, await res.text()).toBe(200);
        }
        // After the restart the runtime is re-seeded with the conversation so far, which the
        // model double repeats back: match on the message each reply answers.
        if (ev.type === "agent.message" && lastAgentText([ev]).includes("queued behind it")) answered = true;
        // Read to the end of that turn, so the next test starts on an idle session.
        if (answered && ev.type === "session.status_idle") break;
      }
      const types = seen.map((e) => e.type);
      expect(types).toContain("session.status_rescheduled");
      const error = seen.find((e) => e.type === "session.error")!;
      expect(error.error.retry_status).toEqual({ type: "retrying" });
      const replies = seen.filter((e) => e.type === "agent.message").map((e) => lastAgentText([e]));
      expect(replies, JSON.stringify(seen.map((e) => e.error?.message ?? e.type))).toHaveLength(2);
      expect(replies[0]).toContain("doomed turn");
      expect(replies[0]).not.toContain("queued behind it");
      expect(replies[1]).toContain("queued behind it");
      expect(types).not.toContain("session.status_terminated");
    } finally {
      stream.controller.abort();
      model.setMode("normal");
    }
  });

  it("stops a turn that runs past the wall-clock limit with session.error, and the session goes on", async () => {
    // 1.5 s between chunks × 60 chunks = 90 s: twice the limit.
    model.setMode({ kind: "slow", chunkDelayMs: 1_500, chunks: 60 });
    let events: Event[];
    const started = Date.now();
    try {
      events = await sendAndWait(sessionId, "this will take too long", {
        timeoutMs: (TURN_LIMIT_S + 60) * 1000,
      });
    } finally {
      model.setMode("normal");
    }
    const elapsedS = (Date.now() - started) / 1000;
    expect(elapsedS).toBeGreaterThanOrEqual(TURN_LIMIT_S);
    expect(elapsedS).toBeLessThan(TURN_LIMIT_S + 30);
    const error = events.find((e) => e.type === "session.error")!;
    expect(error.error.message).toContain("time limit");
    expect(error.error.retry_status).toEqual({ type: "exhausted" });
    expect(events.at(-1)!.stop_reason).toEqual({ type: "retries_exhausted" });

    const next = await sendAndWait(sessionId, "still there?");
    expect(next.at(-1)!.stop_reason).toEqual({ type: "end_turn" });
  });

  it("stops an in-flight turn promptly on user.interrupt, and runs queued messages in order", async () => {
    model.setMode({ kind: "slow", chunkDelayMs: 500, chunks: 40 });
    try {
      const stream = await client.beta.sessions.events.stream(sessionId);
      await client.beta.sessions.events.send(sessionId, {
        events: [{ type: "user.message", content: [{ type: "text", text: "take your time" }] }],
      });
      // The stream is live-only: everything below belongs to this turn.
      const seen: Event[] = [];
      let interruptedAt = 0;
      for await (const ev of stream as AsyncIterable<Event>) {
        seen.push(ev);
        if (ev.type === "span.model_request_start" && !interruptedAt) {
          interruptedAt = Date.now();
          await client.beta.sessions.events.send(sessionId, { events: [{ type: "user.interrupt" }] });
        }
        if (interruptedAt && ev.type === "session.status_idle") break;
      }
      stream.controller.abort();
      const latency = Date.now() - interruptedAt;
      console.log(`interrupt → idle: ${latency} ms`);
      expect(latency).toBeLessThan(10_000); // the slow reply alone would take 20 s
      expect(seen.map((e) => e.type)).toContain("user.interrupt");
    } finally {
      model.setMode("normal");
    }

    // Two messages sent back to back: the second waits for the first and both are answered in order.
    const stream = await client.beta.sessions.events.stream(sessionId);
    await client.beta.sessions.events.send(sessionId, {
      events: [
        { type: "user.message", content: [{ type: "text", text: "first in line" }] },
        { type: "user.message", content: [{ type: "text", text: "second in line" }] },
      ],
    });
    const replies: string[] = [];
    for await (const ev of stream as AsyncIterable<Event>) {
      if (ev.type === "agent.message") replies.push(lastAgentText([ev]));
      if (replies.includes("echo: second in line") && ev.type === "session.status_idle") break;
    }
    stream.controller.abort();
    expect(replies.slice(-2)).toEqual(["echo: first in line", "echo: second in line"]);
  });
});
