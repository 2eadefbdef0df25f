/**
 * Pending tool approvals held by the session object across an eviction (workerd, no runtime:
 * the OpenClaw side is in test/runtime/permissions-quotas.test.ts). A parked turn waits for
 * the user's answer, whoever constructs the object next.
 */
import { evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { callJson } from "../helpers/api";
import { sessionObject } from "../helpers/session-object";
import { waitFor } from "../helpers/wait";
import { plantWaitingTurn, sessionWithTools } from "../helpers/waiting-call";

const newSession = () =>
  sessionWithTools([
    {
      type: "agent_toolset_20260401",
      configs: [{ name: "bash", permission_policy: { type: "always_ask" } }],
    },
  ]);

/** A turn parked on an always_ask call, as the object leaves it when the run is gone. */
async function plantParkedTurn(sessionId: string) {
  const { messageId, useId } = await plantWaitingTurn(
    sessionId,
    "go",
    { type: "agent.tool_use", name: "bash", input: { command: "ls" }, evaluated_permission: "ask" },
    {
      toolName: "exec",
      inputKey: '{"command":"ls"}',
      approvalId: "plugin:gone",
      toolCallId: "call_gone",
      expiresAt: Date.now() + 600_000,
    },
  );
  return { messageId, toolUseId: useId };
}

const events = async (sessionId: string) =>
  (await callJson(`/v1/sessions/${sessionId}/events?limit=1000`)).body.data as Array<Record<string, any>>;

describe("pending tool approvals", () => {
  it("survive an eviction: the turn waits for the answer, then runs again", async () => {
    const sessionId = await newSession();
    const { messageId, toolUseId } = await plantParkedTurn(sessionId);
    await evictDurableObject(sessionObject(sessionId));
    // The watchdog alarm finds the parked turn and leaves it waiting (no runtime is started).
    await runDurableObjectAlarm(sessionObject(sessionId));
    const before = await events(sessionId);
    expect(before.find((e) => e.id === messageId)?.processed_at).toBeNull();
    expect(before.some((e) => e.type === "session.error")).toBe(false);

    const answer = await callJson(`/v1/sessions/${sessionId}/events`, {
      body: { events: [{ type: "user.tool_confirmation", tool_use_id: toolUseId, result: "allow" }] },
    });
    expect(answer.status).toBe(200);
    expect(answer.body.data[0]).toMatchObject({
      type: "user.tool_confirmation",
      tool_use_id: toolUseId,
      result: "allow",
    });
    // Answered: the turn runs again (here it ends in a runtime error, as every turn without a runtime does).
    await waitFor(
      async () => (await events(sessionId)).find((e) => e.id === messageId)?.processed_at != null,
      {
        what: "the parked turn to run again",
      },
    );
    // Nothing is pending any more: the same answer twice is refused.
    const again = await callJson(`/v1/sessions/${sessionId}/events`, {
      body: { events: [{ type: "user.tool_confirmation", tool_use_id: toolUseId, result: "allow" }] },
    });
    expect(again.status).toBe(400);
    expect(again.body.error.details.errors[0].path).toBe("events.0");
  });

  it("ends a parked turn on interrupt, leaving nothing to answer", async () => {
    const sessionId = await newSession();
    const { toolUseId } = await plantParkedTurn(sessionId);
    const interrupt = await callJson(`/v1/sessions/${sessionId}/events`, {
      body: { events: [{ type: "user.interrupt" }] },
    });
    expect(interrupt.status).toBe(200);
    await waitFor(async () => (await events(sessionId)).at(-1)?.type === "session.status_idle", {
      what: "the parked turn to end",
    });
    expect((await events(sessionId)).at(-1)).toMatchObject({ stop_reason: { type: "end_turn" } });
    const late = await callJson(`/v1/sessions/${sessionId}/events`, {
      body: { events: [{ type: "user.tool_confirmation", tool_use_id: toolUseId, result: "deny" }] },
    });
    expect(late.status).toBe(400);
  });

  it("refuses a batch answering the same call twice, changing nothing", async () => {
    const sessionId = await newSession();
    const { toolUseId } = await plantParkedTurn(sessionId);
    const twice = await callJson(`/v1/sessions/${sessionId}/events`, {
      body: {
        events: [
          { type: "user.tool_confirmation", tool_use_id: toolUseId, result: "allow" },
          { type: "user.tool_confirmation", tool_use_id: toolUseId, result: "deny" },
        ],
      },
    });
    expect(twice.status).toBe(400);
    expect(twice.body.error.details.errors[0].path).toBe("events.1");
    expect((await events(sessionId)).some((e) => e.type === "user.tool_confirmation")).toBe(false);
  });
});
