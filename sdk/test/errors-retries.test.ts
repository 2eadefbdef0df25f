/**
 * Typed errors, retries and idempotency against the real Worker. Failures are injected by
 * wrapping the Worker's fetch; rate limiting is real (the app with lowered limits).
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import {
  AuthenticationError,
  BadRequestError,
  Clawplane,
  ConflictError,
  ConnectionError,
  ConnectionTimeoutError,
  collect,
  type FetchLike,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
} from "../src/index";
import { BASE_URL, client, recordingFetch, workerFetch } from "./helpers";

/** The real app with a small token bucket: `perMinute` refill, `burst` size. */
function limitedFetch(perMinute: number, burst: number): FetchLike {
  return async (input, init) => {
    const ctx = createExecutionContext();
    const limited = { ...env, RATE_LIMIT_PER_MINUTE: String(perMinute), RATE_LIMIT_BURST: String(burst) };
    const res = await createApp().fetch(new Request(input as RequestInfo, init as RequestInit), limited, ctx);
    await waitOnExecutionContext(ctx);
    return res;
  };
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail("expected the call to fail"),
    (err: unknown) => err,
  );
}

describe("typed errors", () => {
  const c = client({ maxRetries: 0 });

  it("maps 404 to NotFoundError with the machine code and request id", async () => {
    const err = await caught(c.agents.retrieve("agent_missing"));
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err).toMatchObject({ status: 404, type: "not_found_error", code: "agent_not_found" });
    expect((err as NotFoundError).requestId).toMatch(/^req_/);
  });

  it("maps a stale update to ConflictError version_conflict, without retrying it", async () => {
    const agent = await c.agents.create({ name: "v", model: "claude-sonnet-4-6" });
    await c.agents.update(agent.id, { version: 1, system: "one" });
    const { fetch, seen } = recordingFetch(workerFetch);
    const retrying = client({ fetch, maxRetries: 2 });
    const err = await caught(retrying.agents.update(agent.id, { version: 1, system: "lost" }));
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).code).toBe("version_conflict");
    expect(seen).toHaveLength(1); // x-should-retry: false
  });

  it("reports each invalid field of a 400 by path", async () => {
    const err = await caught(c.agents.create({ name: "", model: "claude-sonnet-4-6" }));
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as BadRequestError).code).toBe("invalid_request");
    expect((err as BadRequestError).fieldErrors).toEqual([{ path: "name", message: expect.any(String) }]);
  });

  it("maps 401 and 403", async () => {
    const bad = new Clawplane({ baseURL: BASE_URL, apiKey: "cpk_nope", fetch: workerFetch, maxRetries: 0 });
    expect(await caught(bad.agents.list())).toBeInstanceOf(AuthenticationError);
    const reader = await c.apiKeys.create({ name: "reader", scopes: ["read"] });
    const readOnly = new Clawplane({ baseURL: BASE_URL, apiKey: reader.key, fetch: workerFetch });
    const err = await caught(readOnly.agents.create({ name: "x", model: "claude-sonnet-4-6" }));
    expect(err).toBeInstanceOf(PermissionDeniedError);
    expect((err as PermissionDeniedError).code).toBe("permission_denied");
  });
});

describe("retries", () => {
  it("waits out a real 429 as retry-after-ms asks, then succeeds", async () => {
    // 60/min refills one token a second; a fresh key has its own bucket of one. (At 600/min the
    // "impatient" pair below could straddle a refill on a loaded machine and both succeed.)
    const key = await client().apiKeys.create({ name: "limited" });
    const { fetch, seen } = recordingFetch(limitedFetch(60, 1));
    const times: number[] = [];
    const timed: FetchLike = async (input, init) => {
      times.push(Date.now());
      return fetch(input, init);
    };
    const c = new Clawplane({ baseURL: BASE_URL, apiKey: key.key, fetch: timed, maxRetries: 2 });
    await c.agents.list({ limit: 1 });
    const page = await c.agents.list({ limit: 1 });
    expect(Array.isArray(page.data)).toBe(true);
    expect(seen.map((s) => s.status)).toEqual([200, 429, 200]);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(50);

    const impatient = new Clawplane({ baseURL: BASE_URL, apiKey: key.key, fetch, maxRetries: 0 });
    await impatient.agents.list({ limit: 1 }).catch(() => undefined);
    const err = await caught(impatient.agents.list({ limit: 1 }));
    expect(err).toBeInstanceOf(RateLimitError);
    expect((err as RateLimitError).code).toBe("rate_limited");
  });

  it("retries a 409 marked x-should-retry: true", async () => {
    let answered = false;
    const fetch: FetchLike = async (input, init) => {
      if (answered) return workerFetch(input, init);
      answered = true;
      const body = {
        type: "error",
        error: {
          type: "conflict_error",
          message: "busy",
          details: { error_code: "idempotency_request_in_progress" },
        },
        request_id: "req_x",
      };
      return new Response(JSON.stringify(body), {
        status: 409,
        headers: { "x-should-retry": "true", "retry-after-ms": "1" },
      });
    };
    const agent = await client({ fetch }).agents.create({ name: "after 409", model: "claude-sonnet-4-6" });
    expect(agent.name).toBe("after 409");
  });

  it("retries a lost answer with the same Idempotency-Key, creating one agent", async () => {
    const tag = crypto.randomUUID();
    const { fetch, seen } = recordingFetch(workerFetch, (n) => (n === 0 ? { after: true } : undefined));
    const agent = await client({ fetch }).agents.create({
      name: "once",
      model: "claude-sonnet-4-6",
      metadata: { tag },
    });
    expect(seen).toHaveLength(2);
    const keys = seen.map((s) => s.headers.get("idempotency-key"));
    expect(keys[0]).toBeTruthy();
    expect(keys[1]).toBe(keys[0]);
    const all = await collect(await client().agents.list({ limit: 1000 }));
    expect(all.filter((a) => a.metadata.tag === tag).map((a) => a.id)).toEqual([agent.id]);
  });

  it("uses a fresh key for each logical call", async () => {
    const { fetch, seen } = recordingFetch(workerFetch);
    const c = client({ fetch });
    await c.environments.create({ name: `k1-${crypto.randomUUID()}` });
    await c.environments.create({ name: `k2-${crypto.randomUUID()}` });
    const keys = seen.map((s) => s.headers.get("idempotency-key"));
    expect(new Set(keys).size).toBe(2);
  });

  it("gives up after maxRetries network failures with ConnectionError", async () => {
    const { fetch, seen } = recordingFetch(workerFetch, () => ({ after: false }));
    const err = await caught(client({ fetch, maxRetries: 1 }).agents.list());
    expect(err).toBeInstanceOf(ConnectionError);
    expect(seen).toHaveLength(2);
  });

  it("times out an attempt that never answers", async () => {
    const hang: FetchLike = (_input, init) =>
      new Promise((_resolve, reject) =>
        init?.signal?.addEventListener("abort", () => reject(new Error("aborted"))),
      );
    const err = await caught(client({ fetch: hang, maxRetries: 0, timeoutMs: 20 }).agents.list());
    expect(err).toBeInstanceOf(ConnectionTimeoutError);
  });
});
