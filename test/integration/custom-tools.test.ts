/**
 * Custom tool calls held by the session object (workerd, no runtime: the OpenClaw side is in
 * test/runtime/custom-tools.test.ts): which `user.custom_tool_result` events are accepted, and
 * a waiting call that outlives an eviction.
 */
import { evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sessionClient } from "../../src/session/stub";
import { callJson } from "../helpers/api";
import { sessionObject } from "../helpers/session-object";
import { waitFor } from "../helpers/wait";
import { plantWaitingTurn, sessionWithTools } from "../helpers/waiting-call";

const WEATHER = {
  type: "custom",
  name: "get_weather",
  description: "The weather in a city",
  input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};

const newSession = (agentExtra: Record<string, unknown> = {}) => sessionWithTools([WEATHER], agentExtra);

/** A turn waiting for the client's answer to a custom tool call whose run is gone. */
const plantWaitingCall = (sessionId: string) =>
  plantWaitingTurn(
    sessionId,
    "weather?",
    { type: "agent.custom_tool_use", name: "get_weather", input: { city: "Paris" } },
    {
      toolName: "get_weather",
      inputKey: '{"city":"Paris"}',
      approvalId: "",
      toolCallId: "call_gone",
      expiresAt: Date.now() + 600_000,
      custom: true,
    },
  );

const events = async (sessionId: string) =>
  (await callJson(`/v1/sessions/${sessionId}/events?limit=1000`)).body.data as Array<Record<string, any>>;

const send = (sessionId: string, sent: object[]) =>
  callJson(`/v1/sessions/${sessionId}/events`, { body: { events: sent } });

const result = (id: string, text = "18 C", extra: object = {}) => ({
  type: "user.custom_tool_result",
  custom_tool_use_id: id,
  content: [{ type: "text", text }],
  ...extra,
});

describe("custom tool results", () => {
  it("answer a waiting call after an eviction: echoed as sent, and the turn runs again", async () => {
    const sessionId = await newSession();
    const { messageId, useId } = await plantWaitingCall(sessionId);
    await evictDurableObject(sessionObject(sessionId));
    // The watchdog alarm finds the waiting turn and leaves it waiting (no runtime is started).
    await runDurableObjectAlarm(sessionObject(sessionId));
    expect((await events(sessionId)).find((e) => e.id === messageId)?.processed_at).toBeNull();

    const answer = await send(sessionId, [result(useId, "18 C", { is_error: false })]);
    expect(answer.status).toBe(200);
    expect(answer.body.data[0]).toMatchObject({
      type: "user.custom_tool_result",
      custom_tool_use_id: useId,
      content: [{ type: "text", text: "18 C" }],
      is_error: false,
    });
    expect((await events(sessionId)).filter((e) => e.type === "user.custom_tool_result")).toHaveLength(1);
    // Answered: the turn runs again (here it ends in a runtime error, as every turn without a runtime does).
    await waitFor(
      async () => (await events(sessionId)).find((e) => e.id === messageId)?.processed_at != null,
      { what: "the waiting turn to run again" },
    );
    // Nothing waits any more: a second answer is refused, and not stored.
    const again = await send(sessionId, [result(useId, "19 C")]);
    expect(again.status).toBe(400);
    expect(again.body.error.details.errors[0].path).toBe("events.0");
    expect((await events(sessionId)).filter((e) => e.type === "user.custom_tool_result")).toHaveLength(1);
  });

  it("refuses an answer to an unknown call, or to an approval, storing nothing", async () => {
    const sessionId = await newSession();
    const { useId } = await plantWaitingCall(sessionId);
    const unknown = await send(sessionId, [result("sevt_nope")]);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details.errors[0].path).toBe("events.0");
    // A custom tool call is not answered with a tool confirmation.
    const confirmation = await send(sessionId, [
      { type: "user.message", content: [{ type: "text", text: "hi" }] },
      { type: "user.tool_confirmation", tool_use_id: useId, result: "allow" },
    ]);
    expect(confirmation.status).toBe(400);
    expect(confirmation.body.error.details.errors[0].path).toBe("events.1");
    const stored = await events(sessionId);
    expect(
      stored.some((e) => e.type === "user.custom_tool_result" || e.type === "user.tool_confirmation"),
    ).toBe(false);
    expect(stored.filter((e) => e.type === "user.message")).toHaveLength(1); // the planted one only
  });

  it("takes the answer past a quota, but the turn it would resume stops at the quota", async () => {
    const sessionId = await newSession({ session_limits: { max_tokens: 100 } });
    const { messageId, useId } = await plantWaitingCall(sessionId);
    await sessionClient(env, sessionId).recordModelUsage({
      model: "claude-sonnet-4-6",
      inputTokens: 90,
      outputTokens: 10,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      costUsd: 0,
      durationMs: 10,
      status: "ok",
    });
    expect((await send(sessionId, [result(useId)])).status).toBe(200);
    await waitFor(async () => (await events(sessionId)).at(-1)?.type === "session.status_idle", {
      what: "the resumed turn to end",
    });
    const log = await events(sessionId);
    expect(log.find((e) => e.id === messageId)?.processed_at).not.toBeNull();
    expect(log.find((e) => e.type === "session.error")?.error).toMatchObject({
      error_code: "quota_exceeded",
    });
    expect(log.at(-1)).toMatchObject({ stop_reason: { type: "budget_reached" } });
  });

  it("refuses a batch answering the same call twice, changing nothing", async () => {
    const sessionId = await newSession();
    const { useId } = await plantWaitingCall(sessionId);
    const twice = await send(sessionId, [result(useId, "18 C"), result(useId, "19 C")]);
    expect(twice.status).toBe(400);
    expect(twice.body.error.details.errors[0].path).toBe("events.1");
    expect((await events(sessionId)).some((e) => e.type === "user.custom_tool_result")).toBe(false);
    // Still waiting: the call can be answered once.
    expect((await send(sessionId, [result(useId)])).status).toBe(200);
  });
});
