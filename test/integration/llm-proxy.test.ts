/**
 * The LLM proxy core inside workerd against the real model-server double (started in Node
 * by test/global-setup.ts). Needs `vitest.llm.config.ts` (or its lines merged into
 * vitest.config.ts) for the MODEL_SERVER_URL binding.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { Hono } from "hono";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { LlmProxyEntrypoint } from "../../src/entrypoints/llm-proxy";
import type { MeterSource, ModelCallGrant, ModelCallUsage, SessionMeter } from "../../src/llm/metering";
import { costUsd, LIST_PRICES } from "../../src/llm/pricing";
import {
  type LlmProxyEnv,
  type ProxyOptions,
  proxyChatCompletion,
  routeLlmRequest,
} from "../../src/llm/proxy";
import { mintSessionToken } from "../../src/llm/session-token";
import { createLlmProxyRoutes } from "../../src/routes/llm-proxy";
import { waitFor } from "../helpers/wait";
import type { ModelMode, RecordedRequest } from "../support/model-server.mjs";

const MODEL_SERVER_URL = (env as unknown as { MODEL_SERVER_URL?: string }).MODEL_SERVER_URL ?? "";
if (!MODEL_SERVER_URL) {
  throw new Error(
    "MODEL_SERVER_URL binding missing: the config needs test/global-setup.ts (see vitest.llm.config.ts)",
  );
}
const MODEL_SERVER_ORIGIN = new URL(MODEL_SERVER_URL).origin;
const PROVIDER_KEY = "sk-test-provider-secret-9f8e7d";
const SESSION_ID = "sesn_llmproxytest0000000001";
const MODEL = "claude-sonnet-4-6";
const TOKEN = mintSessionToken(SESSION_ID);
const PROXY_ENV: LlmProxyEnv = {
  LLM_UPSTREAM_BASE_URL: MODEL_SERVER_URL,
  LLM_UPSTREAM_API_KEY: PROVIDER_KEY,
};

/** The session's meter as the DO would be: one valid token, usage kept in memory. */
class MemoryMeter implements SessionMeter {
  readonly records: ModelCallUsage[] = [];
  constructor(
    private readonly token: string,
    private readonly grant: ModelCallGrant,
  ) {}
  /** The model ids the gateway asked for, as the meter was told them. */
  readonly requested: Array<string | undefined> = [];
  /** What the session would grant a child thread's slot (src/session/thread-model.ts). */
  slots: Record<string, string> = {};
  async authorize(token: string, requestedModel?: string): Promise<ModelCallGrant | null> {
    this.requested.push(requestedModel);
    if (token !== this.token) return null;
    const slotModel = requestedModel === undefined ? undefined : this.slots[requestedModel];
    return slotModel ? { ...this.grant, model: slotModel } : this.grant;
  }
  async record(usage: ModelCallUsage): Promise<void> {
    this.records.push(usage);
  }
}

let meter: MemoryMeter;
const resolveMeter = (sessionId: string): SessionMeter =>
  sessionId === SESSION_ID ? meter : new MemoryMeter("", { sessionId, model: MODEL });
// Every body and header value the proxy answered with, checked for secrets at the end.
const seen: string[] = [];
const consoleLines: string[] = [];

async function modelServer(path: string, init?: RequestInit): Promise<Response> {
  return fetch(`${MODEL_SERVER_ORIGIN}${path}`, init);
}
async function setMode(mode: ModelMode): Promise<void> {
  await modelServer("/__mode", { method: "POST", body: JSON.stringify(mode) });
}
async function upstreamRequests(): Promise<RecordedRequest[]> {
  return (await modelServer("/__requests")).json();
}

function chatRequest(
  body: Record<string, unknown>,
  token: string | null = TOKEN,
  url = "http://llm.test/v1/chat/completions",
): Request {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const messages = [{ role: "user", content: "hello proxy" }];
  return new Request(url, {
    method: "POST",
    headers,
    body: JSON.stringify({ model: "default", messages, ...body }),
  });
}

function call(request: Request, options: Partial<ProxyOptions> = {}): Promise<Response> {
  return proxyChatCompletion(request, { env: PROXY_ENV, resolveMeter, ...options });
}

async function text(res: Response): Promise<string> {
  const body = await res.text();
  seen.push(body, ...[...res.headers].map(([k, v]) => `${k}: ${v}`));
  return body;
}

function expectOpenAiError(body: string, code: string | null): void {
  const parsed = JSON.parse(body);
  expect(Object.keys(parsed)).toEqual(["error"]);
  expect(Object.keys(parsed.error).sort()).toEqual(["code", "message", "param", "type"]);
  expect(parsed.error.code).toBe(code);
}

/** The usage chunk of an SSE body, as the provider sent it. */
function streamUsage(sse: string): { prompt_tokens: number; completion_tokens: number } {
  const usageLine = sse.split("\n").find((line) => line.startsWith("data: {") && line.includes('"usage":{'));
  if (!usageLine) throw new Error("no usage chunk in stream");
  return JSON.parse(usageLine.slice(6)).usage;
}

beforeAll(() => {
  for (const method of ["log", "warn", "error"] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      consoleLines.push(args.map(String).join(" "));
    });
  }
});

beforeEach(async () => {
  meter = new MemoryMeter(TOKEN, { sessionId: SESSION_ID, model: MODEL });
  await setMode({ kind: "normal" });
  await modelServer("/__requests", { method: "DELETE" });
});

afterAll(async () => {
  await setMode({ kind: "normal" });
  vi.restoreAllMocks();
});

describe("LLM proxy against the model server", () => {
  it("streams chunks through before the upstream has finished, and meters real usage", async () => {
    await setMode({ kind: "slow", chunkDelayMs: 50, chunks: 6 });
    const res = await call(chatRequest({ stream: true }));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");

    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    // The first bytes are here while the model server is still writing the reply.
    const [pending] = await upstreamRequests();
    expect(pending?.outcome).toBe("pending");

    const decoder = new TextDecoder();
    let sse = decoder.decode(first.value, { stream: true });
    for (let r = await reader.read(); !r.done; r = await reader.read())
      sse += decoder.decode(r.value, { stream: true });
    seen.push(sse);
    expect(sse).toContain("data: [DONE]");
    expect(sse).toContain(" tick");

    await waitFor(() => meter.records.length === 1, { what: "usage record" });
    const usage = streamUsage(sse);
    const record = meter.records[0]!;
    expect(record).toMatchObject({
      model: MODEL,
      status: "ok",
      inputTokens: usage.prompt_tokens,
      outputTokens: usage.completion_tokens,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
    });
    expect(record.inputTokens).toBeGreaterThan(0);
    expect(record.outputTokens).toBeGreaterThan(0);
    expect(record.costUsd).toBeGreaterThan(0);
    expect(record.costUsd).toBe(costUsd(MODEL, record, LIST_PRICES));
    expect(record.durationMs).toBeGreaterThanOrEqual(6 * 50);

    const [sent] = await upstreamRequests();
    expect(sent?.outcome).toBe("completed");
    expect(sent?.body.model).toBe(MODEL);
    expect(sent?.body.stream).toBe(true);
    expect(sent?.body.stream_options).toEqual({ include_usage: true });
    expect(sent?.authorization).toBe(`Bearer ${PROVIDER_KEY}`);
    expect(JSON.stringify(sent)).not.toContain(TOKEN);
  });

  it("asks the session about the model id the gateway sent, and sends the model it grants", async () => {
    meter.slots = { "thread-2": "claude-haiku-4-5" };
    const child = await call(chatRequest({ stream: false, model: "thread-2" }));
    expect(child.status).toBe(200);
    expect(JSON.parse(await text(child)).model).toBe("claude-haiku-4-5");
    const own = await call(chatRequest({ stream: false }));
    expect(JSON.parse(await text(own)).model).toBe(MODEL);
    expect(meter.requested).toEqual(["thread-2", "default"]);
    const sent = await upstreamRequests();
    expect(sent.map((r) => r.body.model)).toEqual(["claude-haiku-4-5", MODEL]);
    await waitFor(() => meter.records.length === 2, { what: "usage records" });
    expect(meter.records.map((r) => r.model)).toEqual(["claude-haiku-4-5", MODEL]);
  });

  it("passes a non-streaming reply through and meters its usage", async () => {
    const res = await call(chatRequest({ stream: false }));
    expect(res.status).toBe(200);
    const body = JSON.parse(await text(res));
    expect(body.model).toBe(MODEL);
    expect(body.choices[0].message.content).toBe("echo: hello proxy");
    await waitFor(() => meter.records.length === 1, { what: "usage record" });
    expect(meter.records[0]).toMatchObject({
      status: "ok",
      inputTokens: body.usage.prompt_tokens,
      outputTokens: body.usage.completion_tokens,
    });
    const [sent] = await upstreamRequests();
    expect(sent?.body.stream_options).toBeUndefined();
  });

  it("aborts the upstream when the caller cancels the stream, and records the call as aborted", async () => {
    await setMode({ kind: "slow", chunkDelayMs: 50, chunks: 400 });
    const res = await call(chatRequest({ stream: true }));
    const reader = res.body!.getReader();
    await reader.read();
    await reader.read();
    await reader.cancel("caller went away");

    await waitFor(async () => (await upstreamRequests())[0]?.outcome === "aborted", {
      what: "upstream abort",
    });
    await waitFor(() => meter.records.length === 1, { what: "usage record" });
    expect(meter.records[0]).toMatchObject({ status: "aborted", model: MODEL, outputTokens: 0, costUsd: 0 });
  });

  it("aborts the upstream when the caller's signal fires", async () => {
    await setMode({ kind: "slow", chunkDelayMs: 50, chunks: 400 });
    const caller = new AbortController();
    const res = await call(chatRequest({ stream: true }), { signal: caller.signal });
    const reader = res.body!.getReader();
    await reader.read();
    caller.abort();
    await expect(reader.read()).rejects.toThrow();
    await waitFor(async () => (await upstreamRequests())[0]?.outcome === "aborted", {
      what: "upstream abort",
    });
    await waitFor(() => meter.records.length === 1, { what: "usage record" });
    expect(meter.records[0]?.status).toBe("aborted");
  });

  it("answers 401 in the OpenAI shape for missing, malformed, unknown and foreign tokens", async () => {
    const foreign = mintSessionToken("sesn_someoneelse");
    const cases: Array<[Request, Partial<ProxyOptions>]> = [
      [chatRequest({}, null), {}],
      [chatRequest({}, "sk-not-a-session-token"), {}],
      [chatRequest({}, mintSessionToken(SESSION_ID)), {}], // right session, wrong secret
      [chatRequest({}, foreign), {}],
      [chatRequest({}, TOKEN), { expectedSessionId: "sesn_anothercontainer" }],
    ];
    for (const [request, options] of cases) {
      const res = await routeLlmRequest(request, { env: PROXY_ENV, resolveMeter, ...options });
      expect(res.status).toBe(401);
      expectOpenAiError(await text(res), "invalid_api_key");
    }
    expect(await upstreamRequests()).toEqual([]);
    expect(meter.records).toEqual([]);
  });

  it("passes an upstream 429 through with its retry-after and body", async () => {
    await setMode({ kind: "error", status: 429, retryAfterSeconds: 7, message: "slow down" });
    const res = await call(chatRequest({ stream: true }));
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("7");
    const body = JSON.parse(await text(res));
    expect(body.error).toMatchObject({ message: "slow down", code: "rate_limit_exceeded" });
    await waitFor(() => meter.records.length === 1, { what: "usage record" });
    expect(meter.records[0]).toMatchObject({ status: "error", inputTokens: 0, costUsd: 0 });
  });

  it("turns a provider's rejection of the proxy's key into a 502 that does not echo it", async () => {
    await setMode({ kind: "error", status: 401, message: `Incorrect API key provided: ${PROVIDER_KEY}` });
    const res = await call(chatRequest({}));
    expect(res.status).toBe(502);
    const body = await text(res);
    expectOpenAiError(body, "upstream_error");
    expect(body).not.toContain(PROVIDER_KEY);
  });

  it("redacts the provider key from passed-through error bodies", async () => {
    await setMode({ kind: "error", status: 500, message: `boom ${PROVIDER_KEY}` });
    const res = await call(chatRequest({}));
    expect(res.status).toBe(500);
    expect(JSON.parse(await text(res)).error.message).toBe("boom [redacted]");
  });

  it("retries an unreachable provider a few times within seconds, then answers 424 naming its host", async () => {
    // Port 1 on loopback: nothing listens there. The path stands in for an account id.
    const started = Date.now();
    const res = await call(chatRequest({ stream: true }), {
      env: { LLM_UPSTREAM_BASE_URL: "http://127.0.0.1:1/v1/acct-secret-path" },
    });
    const elapsed = Date.now() - started;
    // Not a 5xx: OpenClaw retries those for minutes; this one it takes as final.
    expect(res.status).toBe(424);
    expect(res.headers.get("x-should-retry")).toBe("false");
    const body = await text(res);
    expectOpenAiError(body, "upstream_unreachable");
    const message: string = JSON.parse(body).error.message;
    expect(message).toMatch(
      /^the model provider at 127\.0\.0\.1:1 could not be reached \(3 attempts in \d+\.\d s\)$/,
    );
    expect(body).not.toContain("acct-secret-path");
    // Backed off between the tries (250 ms + 1 s), and done within the budget.
    expect(elapsed).toBeGreaterThanOrEqual(1_250);
    expect(elapsed).toBeLessThan(5_000);
    // The session learns the reason before the caller does (it ends the turn with it).
    expect(meter.records).toEqual([expect.objectContaining({ status: "error", failure: message })]);
  });

  it("answers a model no provider serves with a final 404 naming the model and the setting, and tells the session", async () => {
    meter = new MemoryMeter(TOKEN, { sessionId: SESSION_ID, model: "mistral-large-2" });
    const started = Date.now();
    const res = await call(chatRequest({ stream: true }), { env: {} });
    expect(res.status).toBe(404);
    const body = await text(res);
    expectOpenAiError(body, "model_not_configured");
    const message: string = JSON.parse(body).error.message;
    expect(message).toContain('model "mistral-large-2"');
    expect(message).toContain("LLM_UPSTREAM_BASE_URL");
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(meter.records).toEqual([
      expect.objectContaining({ model: "mistral-large-2", status: "error", failure: message, costUsd: 0 }),
    ]);
    expect(await upstreamRequests()).toEqual([]);
  });

  it("routes claude-* to Anthropic with ANTHROPIC_API_KEY when it is set", async () => {
    const anthropicEnv = {
      ...PROXY_ENV,
      ANTHROPIC_API_KEY: "anthropic-test-key",
      ANTHROPIC_BASE_URL: MODEL_SERVER_URL,
    };
    const res = await call(chatRequest({}), { env: anthropicEnv });
    expect(res.status).toBe(200);
    await text(res);
    expect((await upstreamRequests())[0]?.authorization).toBe("Bearer anthropic-test-key");
  });

  it("serves the HTTP route mounted at /llm/v1: models list, chat completion, OpenAI-shape 404", async () => {
    // Mounted the way app.ts mounts it.
    const app = new Hono().route(
      "/llm/v1",
      createLlmProxyRoutes(() => resolveMeter),
    );
    const ctx = createExecutionContext();
    const auth = { authorization: `Bearer ${TOKEN}` };
    const models = await app.fetch(new Request("http://w/llm/v1/models", { headers: auth }), PROXY_ENV, ctx);
    expect(JSON.parse(await text(models)).data.map((m: { id: string }) => m.id)).toEqual(["default"]);
    const unauthorised = await app.fetch(new Request("http://w/llm/v1/models"), PROXY_ENV, ctx);
    expect(unauthorised.status).toBe(401);
    await text(unauthorised);

    const chatUrl = "http://w/llm/v1/chat/completions";
    const chat = await app.fetch(chatRequest({ stream: true }, TOKEN, chatUrl), PROXY_ENV, ctx);
    expect(chat.status).toBe(200);
    expect(await text(chat)).toContain("data: [DONE]");
    const missing = await app.fetch(
      new Request("http://w/llm/v1/embeddings", { method: "POST" }),
      PROXY_ENV,
      ctx,
    );
    expect(missing.status).toBe(404);
    expectOpenAiError(await text(missing), "not_found");
    await waitOnExecutionContext(ctx);
    expect(meter.records.map((r) => r.status)).toEqual(["ok"]);
  });

  it("serves the container entrypoint with the session from props", async () => {
    /** The production entrypoint with this file's meters in place of the session objects'. */
    class TestEntrypoint extends LlmProxyEntrypoint {
      protected override meters: MeterSource = () => resolveMeter;
    }
    const ctx = Object.assign(createExecutionContext(), { props: { sessionId: SESSION_ID } });
    const entrypoint = new TestEntrypoint(ctx, { ...env, ...PROXY_ENV } as Env);
    const res = await entrypoint.fetch(chatRequest({ stream: true }));
    expect(res.status).toBe(200);
    expect(await text(res)).toContain("data: [DONE]");
    await waitOnExecutionContext(ctx);
    expect(meter.records.map((r) => r.status)).toEqual(["ok"]);

    const otherCtx = Object.assign(createExecutionContext(), { props: { sessionId: "sesn_other" } });
    const other = new TestEntrypoint(otherCtx, { ...env, ...PROXY_ENV } as Env);
    const denied = await other.fetch(chatRequest({ stream: true }));
    expect(denied.status).toBe(401);
    await text(denied);
  });

  it("is mounted by the Worker at /llm/v1, outside the API-key layers", async () => {
    // A syntactically invalid token is refused before any session is consulted, so this needs no DO.
    const res = await exports.default.fetch(
      chatRequest({}, "not-a-session-token", "http://w/llm/v1/chat/completions"),
    );
    expect(res.status).toBe(401);
    expectOpenAiError(await text(res), "invalid_api_key");
    // The admin API key is not a session token either.
    const admin = await exports.default.fetch(
      chatRequest({}, "test-admin-key", "http://w/llm/v1/chat/completions"),
    );
    expect(admin.status).toBe(401);
    expectOpenAiError(await text(admin), "invalid_api_key");
  });

  it("never put the provider key or a session token in a response or a log line", () => {
    expect(seen.length).toBeGreaterThan(10);
    for (const value of [...seen, ...consoleLines]) {
      expect(value).not.toContain(PROVIDER_KEY);
      expect(value).not.toContain("anthropic-test-key");
      expect(value).not.toContain(TOKEN);
    }
    expect(consoleLines.some((line) => line.includes('"msg":"llm call"'))).toBe(true);
  });
});
