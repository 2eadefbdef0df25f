/**
 * What a user sees around the model call of a turn, with real parts (the Worker under
 * `wrangler dev`, real OpenClaw gateways, the model server as the provider), driven with the
 * official `@anthropic-ai/sdk`:
 *
 * - a cold start is reported (`span.runtime_start` → `span.runtime_ready`), a warm turn is not;
 * - a model no provider serves fails the turn at once, naming the model and the setting;
 * - an unreachable provider ends the turn within seconds of the model call, naming its host,
 *   instead of the runtime retrying it for minutes.
 *
 * The Worker has no default upstream here: gpt-* models go to "OpenAI" (the model server),
 * claude-* models to "Anthropic" at a port that drops every connection, and any other model has no provider.
 */
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DroppingServer, startDroppingServer } from "../support/dropping-server.mjs";
import { type LocalStack, startLocalStack } from "../support/local-stack.mjs";
import { type SessionEvent, sendAndWait } from "../support/session-driver";

const ADMIN_KEY = "runtime-test-admin-key";
const PROVIDER_KEY = "provider-secret-for-tests";

let stack: LocalStack;
let client: Anthropic;
let environmentId: string;
/** "Anthropic": accepts connections and drops them without an answer. */
let unreachable: DroppingServer;

async function sessionWithModel(model: string): Promise<string> {
  const agent = await client.beta.agents.create({ name: `setup-${model}`, model, system: "Be brief." });
  return (await client.beta.sessions.create({ agent: agent.id, environment_id: environmentId })).id;
}

const typesOf = (events: SessionEvent[]) => events.map((e) => e.type);

beforeAll(async () => {
  unreachable = await startDroppingServer();
  stack = await startLocalStack({
    adminKey: ADMIN_KEY,
    providerKey: PROVIDER_KEY,
    vars: (modelUrl) => ({
      LLM_UPSTREAM_BASE_URL: "",
      OPENAI_API_KEY: PROVIDER_KEY,
      OPENAI_BASE_URL: modelUrl,
      ANTHROPIC_API_KEY: PROVIDER_KEY,
      ANTHROPIC_BASE_URL: `http://127.0.0.1:${unreachable.port}/v1`,
    }),
  });
  client = new Anthropic({ apiKey: ADMIN_KEY, baseURL: stack.worker.origin, maxRetries: 0 });
  environmentId = (await client.beta.environments.create({ name: `setup-${Date.now()}` })).id;
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await unreachable?.close();
});

// A cold gateway boot takes 20-60 s, and minutes on a loaded machine.
const COLD_TURN_MS = 240_000;

describe("around a turn's model call, with a real gateway", { timeout: 2 * COLD_TURN_MS }, () => {
  it("reports a cold start as span.runtime_start → span.runtime_warm_pool → span.runtime_ready before the first model call, and a warm turn not at all", async () => {
    const sessionId = await sessionWithModel("gpt-4o");
    const cold = await sendAndWait(client, sessionId, "hello cold start", { timeoutMs: COLD_TURN_MS });
    const types = typesOf(cold);
    expect(types.at(-1), JSON.stringify(types)).toBe("session.status_idle");
    expect(cold.at(-1)?.stop_reason).toEqual({ type: "end_turn" });
    const order = [
      "session.status_running",
      "span.runtime_start",
      "span.runtime_ready",
      "span.model_request_start",
      "agent.message",
    ].map((type) => types.indexOf(type));
    expect(order.every((index) => index >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    // The start says how the warm pool served it: this stack runs no pool, so a cold boot.
    expect(types.filter((t) => t.startsWith("span.runtime_"))).toEqual([
      "span.runtime_start",
      "span.runtime_warm_pool",
      "span.runtime_ready",
    ]);
    expect(cold.find((e) => e.type === "span.runtime_warm_pool")).toMatchObject({
      outcome: "missed",
      code: "pool_off",
    });

    const start = cold.find((e) => e.type === "span.runtime_start")!;
    const ready = cold.find((e) => e.type === "span.runtime_ready")!;
    expect(ready).toMatchObject({ runtime_start_id: start.id, started_at: start.processed_at });
    const wallMs = Date.parse(ready.processed_at) - Date.parse(start.processed_at);
    expect(ready.ready_ms).toBeGreaterThan(1_000); // a gateway boot, not a no-op
    expect(Math.abs(ready.ready_ms - wallMs)).toBeLessThan(50);
    console.log(`cold start: runtime ready in ${ready.ready_ms} ms`);

    const warm = await sendAndWait(client, sessionId, "hello warm runtime");
    expect(warm.at(-1)?.stop_reason).toEqual({ type: "end_turn" });
    expect(typesOf(warm).filter((t) => t.startsWith("span.runtime_"))).toEqual([]);

    // The official SDK lists them like any other event.
    const listed = [];
    for await (const event of client.beta.sessions.events.list(sessionId)) listed.push(event.type as string);
    expect(listed.filter((t) => t.startsWith("span.runtime_"))).toEqual([
      "span.runtime_start",
      "span.runtime_warm_pool",
      "span.runtime_ready",
    ]);
  });

  it("fails a turn at once when no provider serves the agent's model, naming the model and the setting", async () => {
    const sessionId = await sessionWithModel("mistral-large-2");
    const started = Date.now();
    const events = await sendAndWait(client, sessionId, "hello", { timeoutMs: 30_000 });
    const elapsed = Date.now() - started;
    console.log(`model without a provider: turn ended after ${elapsed} ms`);
    expect(elapsed).toBeLessThan(5_000);
    const error = events.find((e) => e.type === "session.error");
    expect(error?.error).toMatchObject({
      type: "model_request_failed_error",
      retry_status: { type: "exhausted" },
    });
    expect(error?.error.message).toContain('model "mistral-large-2"');
    expect(error?.error.message).toContain("LLM_UPSTREAM_BASE_URL");
    // Said before a runtime was started for nothing.
    expect(typesOf(events)).not.toContain("span.runtime_start");
    expect(events.at(-1)?.stop_reason).toEqual({ type: "retries_exhausted" });
  });

  it("ends a turn within seconds of its model call when the provider is unreachable, naming the provider's host", async () => {
    const sessionId = await sessionWithModel("claude-sonnet-4-6");
    const events = await sendAndWait(client, sessionId, "hello", { timeoutMs: COLD_TURN_MS });
    const idle = events.at(-1)!;
    expect(idle.type, JSON.stringify(typesOf(events))).toBe("session.status_idle");
    expect(idle.stop_reason).toEqual({ type: "retries_exhausted" });
    // One model call, tried 3 times by the proxy; the runtime did not retry it (each of its
    // retries would be 3 more attempts), and the turn ended seconds after the first attempt.
    expect(unreachable.attempts).toHaveLength(3);
    const callToEndMs = Date.parse(idle.processed_at) - (unreachable.attempts[0] ?? 0);
    console.log(`unreachable provider: turn ended ${callToEndMs} ms after the model call's first attempt`);
    expect(callToEndMs).toBeLessThan(10_000);
    const errors = events.filter((e) => e.type === "session.error");
    expect(errors).toHaveLength(1);
    expect(errors[0]?.error).toMatchObject({
      type: "model_request_failed_error",
      retry_status: { type: "exhausted" },
    });
    expect(errors[0]?.error.message).toMatch(
      new RegExp(
        `^the model provider at 127\\.0\\.0\\.1:${unreachable.port} could not be reached \\(3 attempts`,
      ),
    );
    expect(JSON.stringify(events)).not.toContain(PROVIDER_KEY);
  });
});
