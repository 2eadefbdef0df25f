/**
 * Tool permissions and quotas with real parts: `wrangler dev`, real OpenClaw gateways (with
 * Clawplane's tool-policy plugin), the LLM proxy and the model double, driven with the official
 * Anthropic SDK. Each command the model asks for writes a marker file, so "never ran" is
 * checked on disk, not inferred from events.
 */
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../support/local-stack.mjs";
import { markerExists as existsSync, markerPath } from "../support/markers.mjs";
import { trailingToolResults } from "../support/model-prompt.mjs";
import type { ModelServer } from "../support/model-server.mjs";
import { type SessionEvent, sendAndWait, sendEventsAndWait } from "../support/session-driver";

const ADMIN_KEY = "permissions-test-admin-key";

let stack: LocalStack;
let model: ModelServer;
let client: Anthropic;
let environmentId: string;

/** Makes the model ask for a command that leaves a marker file behind when it runs. */
function askToRun(label: string) {
  const path = markerPath(label);
  model.setMode({ kind: "tool_call", name: "exec", arguments: { command: `echo ran > ${path}` } });
  return path;
}

async function sessionWith(tools: Anthropic.Beta.Agents.AgentCreateParams["tools"], extra: object = {}) {
  const agent = await client.beta.agents.create({
    name: "Guarded",
    model: "claude-sonnet-4-6",
    tools,
    ...extra,
  } as Anthropic.Beta.Agents.AgentCreateParams);
  return (await client.beta.sessions.create({ agent: agent.id, environment_id: environmentId })).id;
}

const bashAsks = [
  {
    type: "agent_toolset_20260401" as const,
    configs: [{ name: "bash" as const, permission_policy: { type: "always_ask" as const } }],
  },
];

const confirm = (sessionId: string, toolUseId: string, result: "allow" | "deny", deny_message?: string) =>
  sendEventsAndWait(client, sessionId, [
    {
      type: "user.tool_confirmation",
      tool_use_id: toolUseId,
      result,
      ...(deny_message ? { deny_message } : {}),
    },
  ]);

function expectRequiresAction(events: SessionEvent[]): SessionEvent {
  const use = events.find((e) => e.type === "agent.tool_use")!;
  expect(use).toMatchObject({ name: "bash", evaluated_permission: "ask" });
  expect(events.at(-1)).toMatchObject({
    type: "session.status_idle",
    stop_reason: { type: "requires_action", event_ids: [use.id] },
  });
  expect(events.some((e) => e.type === "agent.tool_result")).toBe(false);
  return use;
}

beforeAll(async () => {
  stack = await startLocalStack({ adminKey: ADMIN_KEY, providerKey: "provider-key-permissions" });
  model = stack.model;
  client = new Anthropic({ apiKey: ADMIN_KEY, baseURL: stack.worker.origin, maxRetries: 0 });
  environmentId = (await client.beta.environments.create({ name: `permissions-${Date.now()}` })).id;
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

// Each test boots its own gateway (one per session); on a busy 2-core machine that alone can take a minute.
describe("tool permissions inside OpenClaw", { timeout: 300_000 }, () => {
  it("asks before an always_ask tool runs, and runs it once allowed", async () => {
    const sessionId = await sessionWith(bashAsks);
    const marker = askToRun("allow");
    const asked = await sendAndWait(client, sessionId, "run the command", { timeoutMs: 180_000 });
    const use = expectRequiresAction(asked);
    expect(existsSync(marker)).toBe(false);
    expect((await client.beta.sessions.retrieve(sessionId)).status).toBe("idle");

    const resumed = await confirm(sessionId, use.id, "allow");
    model.setMode("normal");
    const types = resumed.map((e) => e.type);
    expect(types[0]).toBe("user.tool_confirmation");
    expect(types).toContain("session.status_running");
    const result = resumed.find((e) => e.type === "agent.tool_result")!;
    expect(result).toMatchObject({ tool_use_id: use.id, is_error: false });
    expect(resumed.at(-1)).toMatchObject({ type: "session.status_idle", stop_reason: { type: "end_turn" } });
    expect(existsSync(marker)).toBe(true);
    // Figures: how fast the question reaches the user, and the answer the tool.
    const at = (e: SessionEvent | undefined) => Date.parse(e?.processed_at ?? "");
    console.log(
      `[approval figures] tool_use → requires_action ${at(asked.at(-1)) - at(use)} ms; ` +
        `confirmation → tool_result ${at(result) - at(resumed[0])} ms`,
    );
  });

  it("never runs a call the user denied, and hands the agent the user's reason", async () => {
    const sessionId = await sessionWith(bashAsks);
    const marker = askToRun("deny");
    const use = expectRequiresAction(await sendAndWait(client, sessionId, "run it", { timeoutMs: 180_000 }));
    const asked = model.requests.length;
    const reason = "not on my machine, use the staging box";
    const resumed = await confirm(sessionId, use.id, "deny", reason);
    model.setMode("normal");
    const result = resumed.find((e) => e.type === "agent.tool_result");
    expect(result).toMatchObject({ tool_use_id: use.id, is_error: true });
    expect(result?.content[0].text).toContain(reason);
    // The model's next request carries the user's words as the denied call's result.
    const next = model.requests[asked];
    expect(next, "no model request after the denial").toBeDefined();
    expect(
      trailingToolResults(next!.body)
        .map((r) => r.text)
        .join("\n"),
    ).toContain(reason);
    expect(resumed.at(-1)).toMatchObject({ type: "session.status_idle", stop_reason: { type: "end_turn" } });
    expect(existsSync(marker)).toBe(false);
  });

  it("blocks a disabled tool without asking", async () => {
    const sessionId = await sessionWith([
      { type: "agent_toolset_20260401", configs: [{ name: "bash", enabled: false }] },
    ]);
    const marker = askToRun("disabled");
    const events = await sendAndWait(client, sessionId, "run it anyway", { timeoutMs: 180_000 });
    model.setMode("normal");
    const use = events.find((e) => e.type === "agent.tool_use")!;
    expect(use).toMatchObject({ name: "bash", evaluated_permission: "deny" });
    expect(events.find((e) => e.type === "agent.tool_result")).toMatchObject({
      tool_use_id: use.id,
      is_error: true,
    });
    expect(events.at(-1)).toMatchObject({ stop_reason: { type: "end_turn" } });
    expect(existsSync(marker)).toBe(false);
  });

  it("keeps a pending approval across a runtime restart and runs the call once allowed", async () => {
    const sessionId = await sessionWith(bashAsks);
    const marker = askToRun("restart");
    const use = expectRequiresAction(
      await sendAndWait(client, sessionId, "run it later", { timeoutMs: 180_000 }),
    );
    // Like a container restart: the gateway and its state are gone, the question is not.
    const killed = await fetch(`${stack.supervisor.origin}/runtimes/${sessionId}`, { method: "DELETE" });
    expect(killed.status).toBe(200);
    expect((await client.beta.sessions.retrieve(sessionId)).status).toBe("idle");

    const resumed = await confirm(sessionId, use.id, "allow");
    model.setMode("normal");
    expect(resumed.some((e) => e.type === "agent.tool_result" && e.is_error === false)).toBe(true);
    expect(resumed.at(-1)).toMatchObject({ type: "session.status_idle", stop_reason: { type: "end_turn" } });
    expect(existsSync(marker)).toBe(true);
    // Nothing was asked twice: the repeated call was answered with the user's decision.
    expect(resumed.filter((e) => e.type === "session.status_idle")).toHaveLength(1);
  });
});

describe("quotas with a real turn", { timeout: 300_000 }, () => {
  it("stops a turn at its next model call once the token limit is reached, then refuses messages", async () => {
    // One model call of the double costs ~10k input tokens (OpenClaw's system prompt).
    const sessionId = await sessionWith([{ type: "agent_toolset_20260401" }], {
      session_limits: { max_tokens: 5_000 },
    });
    askToRun("quota");
    const events = await sendAndWait(client, sessionId, "use a tool", { timeoutMs: 180_000 });
    model.setMode("normal");
    const error = events.find((e) => e.type === "session.error")!;
    expect(error.error).toMatchObject({
      type: "billing_error",
      error_code: "quota_exceeded",
      limit: "max_tokens",
    });
    expect(events.at(-1)).toMatchObject({
      type: "session.status_idle",
      stop_reason: { type: "budget_reached" },
    });
    // Exactly one model call went through: the second was refused by the LLM proxy.
    expect(events.filter((e) => e.type === "span.model_request_start").length).toBeLessThanOrEqual(2);

    const refused = await client.beta.sessions.events
      .send(sessionId, { events: [{ type: "user.message", content: [{ type: "text", text: "more" }] }] })
      .then(
        () => null,
        (err: InstanceType<typeof Anthropic.APIError>) => err,
      );
    expect(refused?.status).toBe(429);
    expect(
      (refused?.error as { error?: { details?: { error_code?: string } } })?.error?.details?.error_code,
    ).toBe("quota_exceeded");
  });
});
