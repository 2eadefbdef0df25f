/**
 * The OpenAI-compatible surface in workerd, without an agent runtime (no LOCAL_AGENT_ORIGIN
 * here, so every turn ends in session.error): OpenAI error shapes, models, which session a
 * completion runs in, and the busy rule. Completions with real gateways: test/runtime/openai.test.ts.
 */
import { createExecutionContext, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import type { InputQueue } from "../../src/session/input-queue";
import type { SessionDO } from "../../src/session/session-do";
import { ADMIN_KEY, BASE_URL, call, callJson } from "../helpers/api";
import { sessionObject } from "../helpers/session-object";

const SESSION_HEADER = "x-clawplane-session-id";

async function newAgent(name = `oa-${crypto.randomUUID()}`) {
  return (await callJson("/v1/agents", { body: { name, model: "claude-sonnet-4-6" } })).body as {
    id: string;
    name: string;
  };
}

const ask = (model: string, extra: Record<string, unknown> = {}) => ({
  model,
  messages: [{ role: "user", content: "hello" }],
  ...extra,
});

function expectOpenAiError(body: any, fields: { type?: string; code?: string; param?: string | null }) {
  expect(Object.keys(body)).toEqual(["error"]);
  expect(body.error).toMatchObject({ message: expect.any(String), ...fields });
  expect(body.error).toHaveProperty("param");
  expect(body.error).toHaveProperty("code");
}

/** The official SDK, pointed at the Worker. */
const openai = new OpenAI({
  apiKey: ADMIN_KEY,
  baseURL: `${BASE_URL}/v1`,
  maxRetries: 0,
  fetch: (input, init) => exports.default.fetch(new Request(input as RequestInfo, init as RequestInit)),
});

describe("OpenAI errors", () => {
  it("answers validation failures with 400 invalid_request_error naming the field", async () => {
    const agent = await newAgent();
    const cases: Array<[unknown, string]> = [
      [{ model: agent.id }, "messages"],
      [{ messages: [{ role: "user", content: "hi" }] }, "model"],
      [
        ask(agent.id, {
          messages: [
            { role: "user", content: "hi" },
            { role: "assistant", content: "x" },
          ],
        }),
        "messages.1.role",
      ],
      [
        ask(agent.id, { messages: [{ role: "user", content: [{ type: "image_url", image_url: {} }] }] }),
        "messages.0.content.0.type",
      ],
      [ask(agent.id, { n: 2 }), "n"],
      [ask(agent.id, { stream: "yes" }), "stream"],
    ];
    for (const [body, param] of cases) {
      const res = await callJson("/v1/chat/completions", { body });
      expect(res.status, param).toBe(400);
      expectOpenAiError(res.body, { type: "invalid_request_error", param });
    }
    const malformed = await callJson("/v1/chat/completions", { rawBody: "{not json" });
    expect(malformed.status).toBe(400);
    expectOpenAiError(malformed.body, { type: "invalid_request_error", code: "invalid_json", param: null });
  });

  it("answers an unknown model with 404 model_not_found, also through the SDK", async () => {
    const res = await callJson("/v1/chat/completions", { body: ask("no-such-agent") });
    expect(res.status).toBe(404);
    expectOpenAiError(res.body, { type: "invalid_request_error", code: "model_not_found", param: "model" });
    await expect(openai.chat.completions.create(ask("agent_missing") as never)).rejects.toMatchObject({
      status: 404,
      code: "model_not_found",
    });
    expect((await callJson("/v1/models/no-such-agent")).body.error.code).toBe("model_not_found");
  });

  it("answers auth failures with 401 in the OpenAI shape, and leaves other routes' envelope alone", async () => {
    const missing = await callJson("/v1/chat/completions", { key: null, body: ask("x") });
    expect(missing.status).toBe(401);
    expectOpenAiError(missing.body, { type: "authentication_error", code: "authentication_required" });
    const wrong = await callJson("/v1/models", { key: "cpk_wrong" });
    expect(wrong.status).toBe(401);
    expectOpenAiError(wrong.body, { code: "invalid_api_key" });
    await expect(new OpenAI({ ...openai, apiKey: "cpk_wrong" }).models.list()).rejects.toBeInstanceOf(
      OpenAI.AuthenticationError,
    );
    const anthropic = await callJson("/v1/agents", { key: null });
    expect(anthropic.body).toMatchObject({ type: "error", error: { type: "authentication_error" } });
  });

  it("answers 429 in the OpenAI shape once the caller's burst is spent", async () => {
    const app = createApp();
    const headers = { authorization: `Bearer cpk_ratelimited_${crypto.randomUUID()}` };
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 4; i++) {
      const ctx = createExecutionContext();
      last = await app.fetch(
        new Request(`${BASE_URL}/v1/models`, { headers }),
        { ...env, RATE_LIMIT_PER_MINUTE: "60", RATE_LIMIT_BURST: "3" },
        ctx,
      );
      await waitOnExecutionContext(ctx);
      statuses.push(last.status);
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
    expect(last?.headers.get("retry-after")).toBe("1");
    expectOpenAiError(await last?.json(), { type: "rate_limit_error", code: "rate_limit_exceeded" });
  });
});

describe("OpenAI models", () => {
  it("lists live agents by id and by name (newest wins a shared name), and retrieves either", async () => {
    const name = `shared-${crypto.randomUUID()}`;
    const older = await newAgent(name);
    const newer = await newAgent(name);
    const archived = await newAgent();
    await callJson(`/v1/agents/${archived.id}/archive`, { method: "POST" });

    const { status, body } = await callJson("/v1/models");
    expect(status).toBe(200);
    expect(body.object).toBe("list");
    const ids = body.data.map((m: { id: string }) => m.id);
    expect(ids).toEqual(expect.arrayContaining([older.id, newer.id]));
    expect(ids).not.toContain(archived.id);
    expect(body.data.filter((m: { id: string }) => m.id === name)).toEqual([
      { id: name, object: "model", created: expect.any(Number), owned_by: "clawplane", agent_id: newer.id },
    ]);

    const byName = await openai.models.retrieve(name);
    expect(byName).toMatchObject({ id: name, agent_id: newer.id });
    expect((await callJson(`/v1/models/${older.id}`)).body).toMatchObject({
      id: older.id,
      agent_id: older.id,
    });
    expect((await callJson(`/v1/models/${archived.id}`)).status).toBe(404);
  });
});

describe("OpenAI chat completions without a runtime", () => {
  async function complete(body: unknown, headers: Record<string, string> = {}) {
    const res = await callJson("/v1/chat/completions", { body, headers });
    return { ...res, sessionId: res.res.headers.get(SESSION_HEADER) };
  }

  it("runs a turn in a session; the agent's failure is a 502 agent_error that is not retried", async () => {
    const agent = await newAgent();
    const { status, body, res, sessionId } = await complete(ask(agent.name));
    expect(status).toBe(502);
    expect(res.headers.get("x-should-retry")).toBe("false");
    expectOpenAiError(body, { type: "server_error", code: "agent_error" });
    expect(sessionId).toMatch(/^sesn_/);
    const session = (await callJson(`/v1/sessions/${sessionId}`)).body;
    expect(session).toMatchObject({
      status: "idle",
      agent: { id: agent.id },
      metadata: { source: "openai" },
    });
    const environment = (await callJson(`/v1/environments/${session.environment_id}`)).body;
    expect(environment).toMatchObject({
      name: "openai-default",
      config: { networking: { type: "unrestricted" } },
    });
  });

  it("answers at once, naming the model and the setting, when no provider serves the agent's model", async () => {
    // These tests configure a provider for claude-* models only (vitest.config.ts).
    const agent = (
      await callJson("/v1/agents", { body: { name: `oa-${crypto.randomUUID()}`, model: "mistral-large-2" } })
    ).body;
    const started = Date.now();
    const err = await openai.chat.completions.create(ask(agent.id) as never).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    const { status, message, code } = err as InstanceType<typeof OpenAI.APIError>;
    expect({ status, code }).toEqual({ status: 502, code: "agent_error" });
    expect(message).toContain('no model provider is configured for model "mistral-large-2"');
    expect(message).toContain("LLM_UPSTREAM_BASE_URL");
  });

  it("keeps one session per user (per agent), a fresh one without, and continues a named session", async () => {
    const agent = await newAgent();
    const alice1 = await complete(ask(agent.id, { user: "alice" }));
    const alice2 = await complete(ask(agent.id, { user: "alice" }));
    const bob = await complete(ask(agent.id, { user: "bob" }));
    const anon1 = await complete(ask(agent.id));
    const anon2 = await complete(ask(agent.id));
    expect(alice2.sessionId).toBe(alice1.sessionId);
    expect(new Set([alice1.sessionId, bob.sessionId, anon1.sessionId, anon2.sessionId]).size).toBe(4);

    const other = await newAgent();
    expect((await complete(ask(other.id, { user: "alice" }))).sessionId).not.toBe(alice1.sessionId);

    const named = await complete(ask(agent.id), { [SESSION_HEADER]: bob.sessionId! });
    expect(named.sessionId).toBe(bob.sessionId);
    const mismatch = await complete(ask(other.id), { [SESSION_HEADER]: bob.sessionId! });
    expect(mismatch.status).toBe(400);
    expectOpenAiError(mismatch.body, { param: "model" });
    const unknown = await complete(ask(agent.id), { [SESSION_HEADER]: "sesn_missing" });
    expect(unknown.status).toBe(404);

    // An archived conversation session is replaced by a new one for the same user.
    await callJson(`/v1/sessions/${alice1.sessionId}/archive`, { method: "POST" });
    const alice3 = await complete(ask(agent.id, { user: "alice" }));
    expect(alice3.sessionId).toMatch(/^sesn_/);
    expect(alice3.sessionId).not.toBe(alice1.sessionId);
    expect((await complete(ask(agent.id, { user: "alice" }))).sessionId).toBe(alice3.sessionId);
  });

  it("refuses a session that is mid-turn with 409 session_busy", async () => {
    const agent = await newAgent();
    const first = await complete(ask(agent.id, { user: "carol" }));
    const sessionId = first.sessionId!;
    // A message waiting in the queue, as one accepted moments ago would (the turn loop not started).
    await runInDurableObject(sessionObject(sessionId), (instance: SessionDO) => {
      (instance as unknown as { queue: InputQueue }).queue.enqueue(
        "sevt_waiting",
        "queued earlier",
        Date.now(),
      );
    });
    const busy = await complete(ask(agent.id, { user: "carol" }));
    expect(busy.status).toBe(409);
    expect(busy.sessionId).toBe(sessionId);
    expectOpenAiError(busy.body, { type: "invalid_request_error", code: "session_busy" });
    await expect(
      openai.chat.completions.create(ask(agent.id, { user: "carol" }) as never),
    ).rejects.toBeInstanceOf(OpenAI.ConflictError);
  });

  it("streams data-only frames, ending a failed turn with an error frame", async () => {
    const agent = await newAgent();
    const res = await call("/v1/chat/completions", { body: ask(agent.id, { stream: true }) });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    expect(res.headers.get(SESSION_HEADER)).toMatch(/^sesn_/);
    const text = await res.text();
    expect(text).not.toMatch(/^event:/m);
    const frames = text
      .split("\n\n")
      .filter(Boolean)
      .map((f) => JSON.parse(f.replace(/^data: /, "")));
    expect(frames[0]).toMatchObject({
      object: "chat.completion.chunk",
      choices: [{ index: 0, delta: { role: "assistant" } }],
    });
    expect(frames.at(-1)).toMatchObject({ error: { code: "agent_error", type: "server_error" } });
  });
});
