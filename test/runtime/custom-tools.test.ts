/**
 * Custom tools with real parts: `wrangler dev`, real OpenClaw gateways (with Clawplane's
 * custom-tools plugin), the LLM proxy and the model double, driven with the official Anthropic
 * SDK the way an app answers its agent's custom tool calls.
 */
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../support/local-stack.mjs";
import { trailingToolResults } from "../support/model-prompt.mjs";
import type { ModelServer } from "../support/model-server.mjs";
import { lastAgentText, type SessionEvent, sendAndWait, sendEventsAndWait } from "../support/session-driver";
import { waitFor } from "../helpers/wait";

const ADMIN_KEY = "custom-tools-test-admin-key";

const WEATHER = {
  type: "custom" as const,
  name: "get_weather",
  description: "The current weather in a city.",
  input_schema: {
    type: "object" as const,
    properties: { city: { type: "string", description: "City name" } },
    required: ["city"],
  },
};

let stack: LocalStack;
let model: ModelServer;
let client: Anthropic;
let environmentId: string;

async function weatherSession(): Promise<string> {
  const agent = await client.beta.agents.create({
    name: "Forecaster",
    model: "claude-sonnet-4-6",
    tools: [WEATHER],
  });
  return (await client.beta.sessions.create({ agent: agent.id, environment_id: environmentId })).id;
}

const answer = (
  useId: string,
  text: string,
  isError = false,
): Anthropic.Beta.Sessions.BetaManagedAgentsEventParams => ({
  type: "user.custom_tool_result",
  custom_tool_use_id: useId,
  content: [{ type: "text", text }],
  is_error: isError,
});

/** The custom tool calls the turn waits for: the `agent.custom_tool_use` events, idle last. */
function expectWaiting(events: SessionEvent[]): SessionEvent[] {
  const uses = events.filter((e) => e.type === "agent.custom_tool_use");
  expect(uses.length).toBeGreaterThan(0);
  expect(events.at(-1)).toMatchObject({
    type: "session.status_idle",
    stop_reason: { type: "requires_action", event_ids: uses.map((u) => u.id) },
  });
  return uses;
}

beforeAll(async () => {
  stack = await startLocalStack({ adminKey: ADMIN_KEY, providerKey: "provider-key-custom-tools" });
  model = stack.model;
  client = new Anthropic({ apiKey: ADMIN_KEY, baseURL: stack.worker.origin, maxRetries: 0 });
  environmentId = (await client.beta.environments.create({ name: `custom-tools-${Date.now()}` })).id;
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

// Each test boots its own gateway (one per session); on a busy 2-core machine that alone can take a minute.
describe("custom tools", { timeout: 300_000 }, () => {
  it("offers the tool as defined, waits for the client's result, and continues with it", async () => {
    const sessionId = await weatherSession();
    model.setMode({ kind: "tool_call", name: "get_weather", arguments: { city: "Paris" } });
    const before = model.requests.length;
    const asked = await sendAndWait(client, sessionId, "what is the weather in Paris?", {
      timeoutMs: 180_000,
    });
    const [use] = expectWaiting(asked);
    expect(use).toMatchObject({
      type: "agent.custom_tool_use",
      name: "get_weather",
      input: { city: "Paris" },
    });
    expect((await client.beta.sessions.retrieve(sessionId)).status).toBe("idle");
    // The model was offered the tool under its own name, with its description and schema.
    const offered = (model.requests[before]?.body.tools ?? []).find(
      (t: { function?: { name?: string } }) => t.function?.name === "get_weather",
    );
    expect(offered?.function).toMatchObject({
      description: WEATHER.description,
      parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
    });

    const asking = model.requests.length;
    const resumed = await sendEventsAndWait(client, sessionId, [answer(use!.id, "18 C and sunny")], {
      timeoutMs: 180_000,
    });
    model.setMode("normal");
    expect(resumed[0]).toMatchObject({
      type: "user.custom_tool_result",
      custom_tool_use_id: use!.id,
      content: [{ type: "text", text: "18 C and sunny" }],
      is_error: false,
    });
    expect(resumed.map((e) => e.type)).toContain("session.status_running");
    // The run went on with the client's result: the model's next request carries it, and the reply uses it.
    expect(trailingToolResults(model.requests[asking]!.body).map((r) => r.text)).toEqual(["18 C and sunny"]);
    expect(lastAgentText(resumed)).toBe("tool result: 18 C and sunny");
    expect(resumed.at(-1)).toMatchObject({ type: "session.status_idle", stop_reason: { type: "end_turn" } });
    // Answered once: a second answer is refused.
    const again = await client.beta.sessions.events
      .send(sessionId, { events: [answer(use!.id, "19 C")] })
      .then(
        () => null,
        (err: InstanceType<typeof Anthropic.APIError>) => err,
      );
    expect(again?.status).toBe(400);
  });

  it("waits for every call of a reply before the run goes on", async () => {
    const sessionId = await weatherSession();
    model.setMode({
      kind: "tool_call",
      name: "get_weather",
      arguments: { city: "Paris" },
      also: [{ name: "get_weather", arguments: { city: "Oslo" } }],
    });
    await sendAndWait(client, sessionId, "weather in Paris and Oslo?", { timeoutMs: 180_000 });
    // Both calls are reported, and the session waits for both (one idle per call as it arrives).
    let waiting: SessionEvent[] = [];
    await waitFor(
      async () => {
        const events = (await client.beta.sessions.events.list(sessionId, { limit: 1000 }))
          .data as SessionEvent[];
        waiting = events.filter((e) => e.type === "agent.custom_tool_use");
        const idle = events.filter((e) => e.type === "session.status_idle").at(-1);
        return waiting.length === 2 && idle?.stop_reason?.event_ids?.length === 2;
      },
      { what: "both custom tool calls to wait for an answer", timeoutMs: 60_000 },
    );
    const [paris, oslo] = waiting;
    expect([paris!.input, oslo!.input]).toEqual([{ city: "Paris" }, { city: "Oslo" }]);
    const asking = model.requests.length;
    const resumed = await sendEventsAndWait(
      client,
      sessionId,
      [answer(paris!.id, "18 C"), answer(oslo!.id, "unknown city", true)],
      { timeoutMs: 180_000 },
    );
    model.setMode("normal");
    const next = model.requests[asking]!;
    expect(trailingToolResults(next.body).map((r) => r.text)).toEqual(["18 C", "unknown city"]);
    expect(resumed.at(-1)).toMatchObject({ type: "session.status_idle", stop_reason: { type: "end_turn" } });
  });

  it("keeps a waiting call across a runtime restart, and the answer completes the turn", async () => {
    const sessionId = await weatherSession();
    model.setMode({ kind: "tool_call", name: "get_weather", arguments: { city: "Lima" } });
    const [use] = expectWaiting(
      await sendAndWait(client, sessionId, "weather in Lima?", { timeoutMs: 180_000 }),
    );
    // Like a container restart: the gateway and its state are gone, the call is not.
    const killed = await fetch(`${stack.supervisor.origin}/runtimes/${sessionId}`, { method: "DELETE" });
    expect(killed.status).toBe(200);
    expect((await client.beta.sessions.retrieve(sessionId)).status).toBe("idle");

    const resumed = await sendEventsAndWait(client, sessionId, [answer(use!.id, "22 C, humid")], {
      timeoutMs: 240_000,
    });
    model.setMode("normal");
    // A new runtime runs the turn again; the agent repeats the call and gets the client's answer
    // without asking twice.
    expect(lastAgentText(resumed)).toBe("tool result: 22 C, humid");
    expect(resumed.at(-1)).toMatchObject({ type: "session.status_idle", stop_reason: { type: "end_turn" } });
    expect(resumed.filter((e) => e.type === "session.status_idle")).toHaveLength(1);
  });
});
