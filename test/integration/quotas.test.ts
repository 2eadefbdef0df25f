/**
 * Per-session quotas (agent `session_limits`, session `budget`) through the Worker in workerd.
 * Usage is what the LLM proxy records on the session's object; here it is recorded directly
 * (these tests run no agent runtime). A turn stopped mid-way by a quota is in
 * test/runtime/permissions-quotas.test.ts with a real gateway.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sessionClient } from "../../src/session/stub";
import { callJson, MINIMAL_AGENT } from "../helpers/api";
import { duringTurn, mintSessionToken, modelCall } from "../helpers/session-token";
import { waitFor } from "../helpers/wait";

const message = (text: string) => ({ events: [{ type: "user.message", content: [{ type: "text", text }] }] });

async function sessionFor(agentExtra: Record<string, unknown>, sessionExtra: Record<string, unknown> = {}) {
  const agent = await callJson("/v1/agents", { body: { ...MINIMAL_AGENT, ...agentExtra } });
  expect(agent.status).toBe(200);
  const environment = (await callJson("/v1/environments", { body: { name: `quota-${crypto.randomUUID()}` } }))
    .body;
  const session = await callJson("/v1/sessions", {
    body: { agent: agent.body.id, environment_id: environment.id, ...sessionExtra },
  });
  expect(session.status).toBe(200);
  return { agent: agent.body, session: session.body };
}

async function recordUsage(
  sessionId: string,
  usage: { costUsd?: number; inputTokens?: number; outputTokens?: number },
) {
  await sessionClient(env, sessionId).recordModelUsage({
    model: "claude-sonnet-4-6",
    inputTokens: usage.inputTokens ?? 0,
    outputTokens: usage.outputTokens ?? 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    costUsd: usage.costUsd ?? 0,
    durationMs: 10,
    status: "ok",
  });
}

async function events(sessionId: string) {
  return (await callJson(`/v1/sessions/${sessionId}/events?limit=1000`)).body.data as Array<
    Record<string, any>
  >;
}

describe("session quotas", () => {
  it("stores limits on the agent, versions them and clears them with null", async () => {
    const { agent } = await sessionFor({ session_limits: { max_tokens: 1000 } });
    expect(agent.session_limits).toEqual({
      max_cost_usd: null,
      max_tokens: 1000,
      max_wall_time_seconds: null,
    });
    const updated = await callJson(`/v1/agents/${agent.id}`, {
      body: { session_limits: { max_cost_usd: 2.5, max_wall_time_seconds: 600 } },
    });
    expect(updated.body).toMatchObject({
      version: 2,
      session_limits: { max_cost_usd: 2.5, max_tokens: null, max_wall_time_seconds: 600 },
    });
    const cleared = await callJson(`/v1/agents/${agent.id}`, { body: { session_limits: null } });
    expect(cleared.body).toMatchObject({ version: 3, session_limits: null });
    const plain = await callJson("/v1/agents", { body: MINIMAL_AGENT });
    expect(plain.body.session_limits).toBeNull();
  });

  it("answers malformed limits and budgets with field paths", async () => {
    const bad = await callJson("/v1/agents", {
      body: { ...MINIMAL_AGENT, session_limits: { max_tokens: -5 } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.errors).toContainEqual(
      expect.objectContaining({ path: "session_limits.max_tokens" }),
    );
    const unknown = await callJson("/v1/agents", {
      body: { ...MINIMAL_AGENT, session_limits: { max_dollars: 5 } },
    });
    expect(unknown.status).toBe(400);

    const { agent } = await sessionFor({});
    const environment = (
      await callJson("/v1/environments", { body: { name: `quota-${crypto.randomUUID()}` } })
    ).body;
    for (const [budget, path] of [
      [{ type: "limit", max_list_cost: { amount: "-1", currency: "USD" } }, "budget.max_list_cost.amount"],
      [{ type: "limit", max_list_cost: { amount: "100", currency: "EUR" } }, "budget.max_list_cost.currency"],
      [{ type: "cap", max_list_cost: { amount: "100", currency: "USD" } }, "budget.type"],
    ] as const) {
      const res = await callJson("/v1/sessions", {
        body: { agent: agent.id, environment_id: environment.id, budget },
      });
      expect(res.status, JSON.stringify(budget)).toBe(400);
      expect(res.body.error.details.errors).toContainEqual(expect.objectContaining({ path }));
    }
  });

  it("refuses a message past the agent's token limit with 429 quota_exceeded and a session.error", async () => {
    const { session } = await sessionFor({ session_limits: { max_tokens: 100 } });
    await recordUsage(session.id, { inputTokens: 80, outputTokens: 19 });
    // Still under the limit: accepted (and, with no runtime here, ends in a runtime error).
    const first = await callJson(`/v1/sessions/${session.id}/events`, { body: message("one") });
    expect(first.status).toBe(200);
    await waitFor(async () => (await callJson(`/v1/sessions/${session.id}`)).body.status === "idle", {
      what: "the first turn to end",
    });

    await recordUsage(session.id, { outputTokens: 1 });
    const refused = await callJson(`/v1/sessions/${session.id}/events`, { body: message("two") });
    expect(refused.status).toBe(429);
    expect(refused.res.headers.get("x-should-retry")).toBe("false");
    expect(refused.body.error).toMatchObject({
      type: "rate_limit_error",
      details: { error_code: "quota_exceeded", limit: "max_tokens" },
    });
    expect(refused.body.error.message).toContain("100 token limit");

    const log = await events(session.id);
    expect(log.filter((e) => e.type === "user.message")).toHaveLength(1); // "two" was never accepted
    expect(log.at(-1)).toMatchObject({
      type: "session.error",
      error: { type: "billing_error", error_code: "quota_exceeded", limit: "max_tokens" },
    });
    // Interrupts are not turns: still accepted.
    const interrupt = await callJson(`/v1/sessions/${session.id}/events`, {
      body: { events: [{ type: "user.interrupt" }] },
    });
    expect(interrupt.status).toBe(200);
  });

  it("takes the stricter of the agent's cost limit and the session's CMA budget", async () => {
    const { session } = await sessionFor(
      { session_limits: { max_cost_usd: 5 } },
      { budget: { type: "limit", max_list_cost: { amount: "50", currency: "USD" } } },
    );
    expect(session.budget).toEqual({ type: "limit", max_list_cost: { amount: "50", currency: "USD" } });
    expect((await callJson(`/v1/sessions/${session.id}`)).body.budget).toEqual(session.budget);
    await recordUsage(session.id, { costUsd: 0.5 });
    const refused = await callJson(`/v1/sessions/${session.id}/events`, { body: message("over budget") });
    expect(refused.status).toBe(429);
    expect(refused.body.error.details).toMatchObject({ error_code: "quota_exceeded", limit: "max_cost_usd" });
    expect(refused.body.error.message).toContain("$0.5 cost limit");
  });

  it("makes the LLM proxy refuse the session's model calls once a quota is reached", async () => {
    const { session } = await sessionFor({ session_limits: { max_cost_usd: 1 } });
    const token = await mintSessionToken(session.id);
    expect(token).toMatch(/^cpst_/);
    const allowed = await duringTurn(session.id, () => modelCall(token));
    expect(allowed.status).toBe(200);
    await allowed.body?.cancel();

    await recordUsage(session.id, { costUsd: 1.25 });
    const refused = await duringTurn(session.id, () => modelCall(token));
    expect(refused.status).toBe(429);
    const body = (await refused.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("quota_exceeded");
    expect(body.error.message).toContain("cost limit");
  });
});
