/**
 * `client.planes` against a scripted API (test/fake-api.ts): the request every method sends,
 * typed answers and errors, paging, and `followLogs` over a recorded SSE body.
 */
import { describe, expect, it } from "vitest";
import { Clawplane, ConflictError, collect, RateLimitError } from "../src/index";
import { FAKE_BASE_URL, fakeApi, sseFrames } from "./fake-api";
import {
  LOGS,
  MEMBER,
  MEMBER_CREATED,
  PLANE,
  PLANE_CREATED,
  ROLLED_BACK,
  ROLLOUT,
  STATUS,
} from "./plane-fixtures";

function clientOn(fetch: ReturnType<typeof fakeApi>["fetch"]) {
  return new Clawplane({ baseURL: FAKE_BASE_URL, apiKey: "test-admin-key", fetch, maxRetries: 0 });
}

const page = (data: unknown[], next_page: string | null = null) => ({ json: { data, next_page } });

describe("client.planes", () => {
  it("sends each call to its route with its body and query", async () => {
    const removed = { type: "plane_member_removed", id: MEMBER.id, sessions_ended: 0 };
    const token = {
      type: "plane_token",
      id: "ptok_1",
      plane_id: PLANE.id,
      member_id: MEMBER.id,
      token: "cpm_new",
      created_at: PLANE.created_at,
    };
    const api = fakeApi({
      "POST /v1/planes": { json: PLANE_CREATED, status: 201 },
      "GET /v1/planes": page([PLANE]),
      "GET /v1/planes/acme-agents": { json: PLANE },
      "POST /v1/planes/acme-agents": { json: { ...PLANE, monthly_budget_usd: 80 } },
      "DELETE /v1/planes/acme-agents": { json: { type: "plane_deleted", id: PLANE.id } },
      "POST /v1/planes/acme-agents/admin_tokens": {
        json: { ...token, member_id: null, token: "cpa_new" },
        status: 201,
      },
      "GET /v1/planes/acme-agents/status": { json: STATUS },
      "POST /v1/planes/acme-agents/members": { json: MEMBER_CREATED, status: 201 },
      "GET /v1/planes/acme-agents/members": page([MEMBER]),
      "GET /v1/planes/acme-agents/members/alice": { json: MEMBER },
      "DELETE /v1/planes/acme-agents/members/alice": { json: removed },
      "POST /v1/planes/acme-agents/members/alice/token": { json: token, status: 201 },
      "GET /v1/planes/acme-agents/members/alice/logs": page(LOGS),
      "POST /v1/planes/acme-agents/upgrades": { json: ROLLOUT, status: 201 },
      "GET /v1/planes/acme-agents/upgrades": page([ROLLOUT]),
      "GET /v1/planes/acme-agents/upgrades/prol_01up": { json: ROLLOUT },
      "POST /v1/planes/acme-agents/upgrades/prol_01up/rollback": { json: ROLLED_BACK },
    });
    const planes = clientOn(api.fetch).planes;
    const p = "acme-agents";

    const created = await planes.create({
      name: p,
      template: { model: "claude-sonnet-4-6" },
      monthly_budget_usd: 50,
    });
    expect(created.admin_token).toBe("cpa_secretadmin0123456789");
    expect((await planes.list({ limit: 5 })).data).toEqual([PLANE]);
    expect(await planes.retrieve(p)).toEqual(PLANE);
    expect((await planes.update(p, { monthly_budget_usd: 80 })).monthly_budget_usd).toBe(80);
    expect((await planes.createAdminToken(p)).token).toBe("cpa_new");
    expect(await planes.status(p, { member: "alice" })).toEqual(STATUS);
    expect((await planes.members.add(p, { name: "alice", owner: "alice@acme.com" })).token).toBe(
      "cpm_secretmember0123456789",
    );
    expect((await planes.members.list(p, { include_removed: true })).data).toEqual([MEMBER]);
    expect(await planes.members.retrieve(p, "alice")).toEqual(MEMBER);
    expect((await planes.members.rotateToken(p, "alice")).token).toBe("cpm_new");
    expect((await planes.logs(p, "alice", { limit: 10 })).data).toEqual(LOGS);
    expect(await planes.upgrades.create(p, { runtime_version: "2026.10.1" })).toEqual(ROLLOUT);
    expect((await planes.upgrades.list(p)).data).toEqual([ROLLOUT]);
    expect(await planes.upgrades.retrieve(p, "prol_01up")).toEqual(ROLLOUT);
    expect((await planes.upgrades.rollback(p, "prol_01up")).status).toBe("rolled_back");
    expect(await planes.members.remove(p, "alice")).toEqual(removed);
    expect(await planes.delete(p)).toEqual({ type: "plane_deleted", id: PLANE.id });

    expect(
      api.requests.map((r) => [r.method, `${r.path}${r.query.size ? `?${r.query}` : ""}`, r.body]),
    ).toEqual([
      ["POST", "/v1/planes", { name: p, template: { model: "claude-sonnet-4-6" }, monthly_budget_usd: 50 }],
      ["GET", "/v1/planes?limit=5", undefined],
      ["GET", "/v1/planes/acme-agents", undefined],
      ["POST", "/v1/planes/acme-agents", { monthly_budget_usd: 80 }],
      ["POST", "/v1/planes/acme-agents/admin_tokens", undefined],
      ["GET", "/v1/planes/acme-agents/status?member=alice", undefined],
      ["POST", "/v1/planes/acme-agents/members", { name: "alice", owner: "alice@acme.com" }],
      ["GET", "/v1/planes/acme-agents/members?include_removed=true", undefined],
      ["GET", "/v1/planes/acme-agents/members/alice", undefined],
      ["POST", "/v1/planes/acme-agents/members/alice/token", undefined],
      ["GET", "/v1/planes/acme-agents/members/alice/logs?limit=10", undefined],
      ["POST", "/v1/planes/acme-agents/upgrades", { runtime_version: "2026.10.1" }],
      ["GET", "/v1/planes/acme-agents/upgrades", undefined],
      ["GET", "/v1/planes/acme-agents/upgrades/prol_01up", undefined],
      ["POST", "/v1/planes/acme-agents/upgrades/prol_01up/rollback", undefined],
      ["DELETE", "/v1/planes/acme-agents/members/alice", undefined],
      ["DELETE", "/v1/planes/acme-agents", undefined],
    ]);
    // Every POST carries an idempotency key, so a retried create provisions nothing twice.
    for (const r of api.requests.filter((r) => r.method === "POST")) {
      expect(r.headers.get("idempotency-key")).toMatch(/^sdk-/);
    }
  });

  it("encodes names and ids as single path segments", async () => {
    const api = fakeApi({});
    await clientOn(api.fetch)
      .planes.members.retrieve("a/b", "c?d")
      .catch(() => undefined);
    expect(api.requests[0]!.path).toBe("/v1/planes/a%2Fb/members/c%3Fd");
  });

  it("walks every page of members", async () => {
    const bob = { ...MEMBER, id: "pmem_02bob", name: "bob" };
    const api = fakeApi({
      "GET /v1/planes/p/members": (req) =>
        req.query.get("page") === "c2" ? page([bob]) : page([MEMBER], "c2"),
    });
    const all = await collect(await clientOn(api.fetch).planes.members.list("p", { limit: 1 }));
    expect(all.map((m) => m.name)).toEqual(["alice", "bob"]);
    expect(api.requests.map((r) => r.query.toString())).toEqual(["limit=1", "limit=1&page=c2"]);
  });

  it("raises typed errors with the server's code", async () => {
    const api = fakeApi({
      "DELETE /v1/planes/p": {
        error: {
          status: 409,
          type: "conflict_error",
          code: "plane_not_empty",
          message: "plane p still has members; remove them first",
        },
      },
      "POST /v1/sessions": {
        error: {
          status: 429,
          type: "rate_limit_error",
          code: "budget_exceeded",
          message: "the monthly budget of $50.00 is spent ($50.25 this month)",
        },
      },
    });
    const client = clientOn(api.fetch);
    const err = await client.planes.delete("p").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect(err).toMatchObject({ code: "plane_not_empty", status: 409, requestId: "req_fake409" });

    // A member over budget: 429 with x-should-retry: false is not retried even with retries on.
    const member = new Clawplane({
      baseURL: FAKE_BASE_URL,
      apiKey: "cpm_x",
      fetch: api.fetch,
      maxRetries: 2,
    });
    const over = await member.sessions
      .create({ agent: "agent_x", environment_id: "env_x" })
      .catch((e: unknown) => e);
    expect(over).toBeInstanceOf(RateLimitError);
    expect(over).toMatchObject({ code: "budget_exceeded" });
    expect(api.requests.filter((r) => r.path === "/v1/sessions")).toHaveLength(1);
  });
});

describe("client.planes.followLogs", () => {
  it("yields log items as they arrive, skipping comments and other events, tracking the last id", async () => {
    const sse =
      ": connected\n\n" +
      sseFrames([
        { event: "ping", data: { type: "not a log item" } },
        ...LOGS.map((data) => ({ id: `${data.session_id}:${data.event.id}`, event: "log", data })),
      ]);
    const api = fakeApi({ "GET /v1/planes/acme-agents/members/bob/logs": { sse } });
    const stream = await clientOn(api.fetch).planes.followLogs("acme-agents", "bob");
    const seen = [];
    for await (const item of stream) {
      seen.push(item);
      if (seen.length === LOGS.length) break;
    }
    expect(seen).toEqual(LOGS);
    expect(stream.lastEventId).toBe("sesn_01bob:sevt_04");
    expect(stream.closed).toBe(true);
    expect(api.requests[0]!.query.get("follow")).toBe("true");
  });

  it("ends quietly when the caller's signal aborts, and resumes from lastEventId when asked", async () => {
    const api = fakeApi({
      "GET /v1/planes/p/members/bob/logs": {
        sse: sseFrames([{ id: "s:e1", event: "log", data: LOGS[0] }]),
      },
    });
    const controller = new AbortController();
    const stream = await clientOn(api.fetch).planes.followLogs("p", "bob", {
      signal: controller.signal,
      lastEventId: "s:e0",
    });
    const seen: unknown[] = [];
    for await (const item of stream) {
      seen.push(item);
      controller.abort();
    }
    expect(seen).toEqual([LOGS[0]]);
    expect(api.requests[0]!.headers.get("last-event-id")).toBe("s:e0");
  });
});
