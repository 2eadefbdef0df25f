/**
 * Agents Plane through the Worker in workerd (real D1 and session objects, no agent runtime):
 * planes, members with their provisioned resources, budgets, status, logs, upgrades and
 * rollbacks, removal. The isolation matrix is in planes-isolation.test.ts.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BUNDLED_RUNTIME_VERSION } from "../../src/planes/runtime-versions";
import { BASE_URL, call, callJson } from "../helpers/api";
import {
  addMember,
  createPlane,
  memberSession,
  message,
  modelCall,
  runTurn,
  unique,
} from "../helpers/planes";
import { SseReader } from "../helpers/sse";
import { waitFor } from "../helpers/wait";

describe("planes", () => {
  it("creates a plane with a resolved template and an admin token shown once", async () => {
    const plane = await createPlane({
      description: "Acme's agents",
      environment: { networking: { type: "limited", allowed_hosts: ["api.github.com"] } },
      instance_type: "standard-2",
      region: "weur",
      monthly_budget_usd: 50,
      metadata: { team: "platform" },
    });
    expect(plane).toMatchObject({
      type: "plane",
      id: expect.stringMatching(/^plane_/),
      template: { model: { id: "claude-sonnet-4-6" }, system: "You help the team.", tools: [] },
      template_version: 1,
      runtime_version: BUNDLED_RUNTIME_VERSION,
      environment: { type: "cloud", networking: { type: "limited", allowed_hosts: ["api.github.com"] } },
      instance_type: "standard-2",
      region: "weur",
      monthly_budget_usd: 50,
      metadata: { team: "platform" },
      admin_token: expect.stringMatching(/^cpa_/),
    });
    expect(plane.template).not.toHaveProperty("name");

    const byName = await callJson(`/v1/planes/${plane.name}`);
    expect(byName.status).toBe(200);
    expect(byName.body.id).toBe(plane.id);
    expect(byName.body).not.toHaveProperty("admin_token");

    // The plane admin sees its plane, and only that one in the list.
    const asAdmin = await callJson(`/v1/planes/${plane.id}`, { key: plane.admin_token });
    expect(asAdmin.status).toBe(200);
    await createPlane();
    const list = await callJson("/v1/planes?limit=1000", { key: plane.admin_token });
    expect(list.body.data.map((p: { id: string }) => p.id)).toEqual([plane.id]);
    // Org-level operations are not a plane admin's.
    const create = await callJson("/v1/planes", {
      key: plane.admin_token,
      body: { name: unique("nope"), template: { model: "m" } },
    });
    expect(create.status).toBe(403);
    const update = await callJson(`/v1/planes/${plane.id}`, {
      key: plane.admin_token,
      body: { region: "x" },
    });
    expect(update.status).toBe(403);

    const dup = await callJson("/v1/planes", { body: { name: plane.name, template: { model: "m" } } });
    expect(dup.status).toBe(409);
    expect(dup.body.error.details.error_code).toBe("name_conflict");
  });

  it("answers bad plane input with 4xx and field paths", async () => {
    const cases: Array<[unknown, string]> = [
      [{ name: "Bad Name", template: { model: "m" } }, "name"],
      [{ name: unique("p") }, "template"],
      [{ name: unique("p"), template: { model: "m", tools: [{ type: "nope" }] } }, "template.tools.0.type"],
      [{ name: unique("p"), template: { model: "m", surprise: 1 } }, "template.surprise"],
      [{ name: unique("p"), template: { model: "m" }, monthly_budget_usd: -1 }, "monthly_budget_usd"],
      [{ name: unique("p"), template: { model: "m" }, runtime_version: "1999.1.1" }, "runtime_version"],
      [
        {
          name: unique("p"),
          template: { model: "m" },
          environment: { networking: { type: "limited", allowed_hosts: [1] } },
        },
        "environment.networking.allowed_hosts.0",
      ],
    ];
    for (const [body, path] of cases) {
      const res = await callJson("/v1/planes", { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      const paths = res.body.error.details.errors.map((e: { path: string }) => e.path);
      expect(paths, JSON.stringify(res.body)).toContain(path);
    }
    const runtime = await callJson("/v1/planes", {
      body: { name: unique("p"), template: { model: "m" }, runtime_version: "1999.1.1" },
    });
    expect(runtime.body.error.message).toContain(BUNDLED_RUNTIME_VERSION);
    expect(runtime.body.error.details.available_runtime_versions).toEqual([BUNDLED_RUNTIME_VERSION]);

    const plane = await createPlane();
    const member = await callJson(`/v1/planes/${plane.id}/members`, { body: { name: "alice" } });
    expect(member.status).toBe(400);
    expect(member.body.error.details.errors[0].path).toBe("owner");
    const unknown = await callJson(`/v1/planes/plane_missing/members`, { body: { name: "a", owner: "a@x" } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.details.error_code).toBe("plane_not_found");
  });

  it("adds an agent for a member: own agent, environment, vault and token", async () => {
    const plane = await createPlane({
      environment: { networking: { type: "limited", allowed_hosts: ["api.github.com"] } },
    });
    const alice = await addMember(plane.name, "alice", plane.admin_token, {
      template: { system: "Alice's helper." },
      metadata: { desk: "7" },
    });
    expect(alice).toMatchObject({
      type: "plane_member",
      id: expect.stringMatching(/^pmem_/),
      plane_id: plane.id,
      name: "alice",
      owner: "alice@acme.test",
      status: "active",
      template_version: 1,
      runtime_version: BUNDLED_RUNTIME_VERSION,
      token: expect.stringMatching(/^cpm_/),
    });
    const agent = await callJson(`/v1/agents/${alice.agent_id}`, { key: alice.token });
    expect(agent.status).toBe(200);
    expect(agent.body).toMatchObject({
      name: `${plane.name}-alice`,
      model: { id: "claude-sonnet-4-6" },
      system: "Alice's helper.",
    });
    const environment = await callJson(`/v1/environments/${alice.environment_id}`, { key: alice.token });
    expect(environment.body.config.networking).toMatchObject({
      type: "limited",
      allowed_hosts: ["api.github.com"],
    });
    expect((await callJson(`/v1/vaults/${alice.vault_id}`, { key: alice.token })).status).toBe(200);

    // The member's own lists hold exactly its own things.
    const agents = await callJson("/v1/agents?limit=1000", { key: alice.token });
    expect(agents.body.data.map((a: { id: string }) => a.id)).toEqual([alice.agent_id]);
    const models = await callJson("/v1/models", { key: alice.token });
    expect(models.body.data.map((m: { id: string }) => m.id)).toEqual([
      alice.agent_id,
      `${plane.name}-alice`,
    ]);

    const session = await memberSession(alice);
    expect(session.agent).toMatchObject({ id: alice.agent_id, version: 1 });
    const sessions = await callJson("/v1/sessions?limit=1000", { key: alice.token });
    expect(sessions.body.data.map((s: { id: string }) => s.id)).toEqual([session.id]);

    const again = await callJson(`/v1/planes/${plane.id}/members`, { body: { name: "alice", owner: "x@y" } });
    expect(again.status).toBe(409);

    const fetched = await callJson(`/v1/planes/${plane.name}/members/alice`, { key: plane.admin_token });
    expect(fetched.body).toMatchObject({ id: alice.id, agent_id: alice.agent_id });
    expect(fetched.body).not.toHaveProperty("token");

    // Rotating the token retires the old one.
    const rotated = await callJson(`/v1/planes/${plane.id}/members/alice/token`, {
      method: "POST",
      key: plane.admin_token,
    });
    expect(rotated.status).toBe(201);
    expect((await callJson("/v1/sessions", { key: alice.token })).status).toBe(401);
    expect((await callJson("/v1/sessions", { key: rotated.body.token })).status).toBe(200);
  });

  it("shows per-member status with sessions, cost against budget, and totals", async () => {
    const plane = await createPlane({ monthly_budget_usd: 10 });
    const alice = await addMember(plane.id, "alice");
    await addMember(plane.id, "bob");
    const s1 = await memberSession(alice);
    await memberSession(alice);
    await runTurn(s1.id, alice.token);
    const call1 = await modelCall(s1.id, unique("status-call"));
    expect(call1.status).toBe(200);

    const status = await callJson(`/v1/planes/${plane.name}/status`, { key: plane.admin_token });
    expect(status.status).toBe(200);
    const [a, b] = status.body.members;
    expect(a).toMatchObject({
      id: alice.id,
      name: "alice",
      agent_id: alice.agent_id,
      health: "idle",
      sessions: { active: 0, live: 2, total: 2 },
      runtime_state: "idle",
      runtime_version: BUNDLED_RUNTIME_VERSION,
      template_version: 1,
      budget_usd: 10,
    });
    expect(a.cost_this_month_usd).toBeGreaterThan(0);
    expect(a.tokens_this_month.input).toBeGreaterThan(0);
    expect(a.budget_remaining_usd).toBeCloseTo(10 - a.cost_this_month_usd, 6);
    expect(a.last_activity_at).toEqual(expect.any(String));
    expect(b).toMatchObject({
      name: "bob",
      sessions: { active: 0, live: 0, total: 0 },
      runtime_state: "stopped",
      cost_this_month_usd: 0,
      last_activity_at: null,
    });
    expect(status.body.totals).toMatchObject({ members: 2, sessions_active: 0, sessions_total: 2 });
    expect(status.body.totals.cost_this_month_usd).toBeCloseTo(a.cost_this_month_usd, 6);
    expect(status.body.rollout).toBeNull();

    const one = await callJson(`/v1/planes/${plane.id}/status?member=bob`);
    expect(one.body.members.map((m: { name: string }) => m.name)).toEqual(["bob"]);
  });

  it("refuses a member past the monthly budget with 429 budget_exceeded", async () => {
    const plane = await createPlane({ monthly_budget_usd: 0.000001 });
    const alice = await addMember(plane.id, "alice");
    const session = await memberSession(alice);
    await runTurn(session.id, alice.token);
    expect((await modelCall(session.id, unique("budget-call"))).status).toBe(200);

    const create = await callJson("/v1/sessions", {
      key: alice.token,
      body: { agent: alice.agent_id, environment_id: alice.environment_id },
    });
    expect(create.status).toBe(429);
    expect(create.res.headers.get("x-should-retry")).toBe("false");
    expect(create.body.error.details).toMatchObject({ error_code: "budget_exceeded", budget_usd: 0.000001 });
    expect(create.body.error.message).toMatch(/spent \$\d+\.\d\d of its \$0\.00 budget for \d{4}-\d{2}/);

    const send = await callJson(`/v1/sessions/${session.id}/events`, {
      key: alice.token,
      body: message("more"),
    });
    expect(send.status).toBe(429);
    // Stopping work is never refused.
    const interrupt = await callJson(`/v1/sessions/${session.id}/events`, {
      key: alice.token,
      body: { events: [{ type: "user.interrupt" }] },
    });
    expect(interrupt.status).toBe(200);

    const chat = await callJson("/v1/chat/completions", {
      key: alice.token,
      body: { model: alice.agent_id, messages: [{ role: "user", content: "hi" }] },
    });
    expect(chat.status).toBe(429);
    expect(chat.body.error.code).toBe("budget_exceeded");

    const status = await callJson(`/v1/planes/${plane.id}/status`);
    expect(status.body.members[0]).toMatchObject({ health: "over_budget", budget_remaining_usd: 0 });

    // Raising the budget lets the member work again.
    await callJson(`/v1/planes/${plane.id}`, { body: { monthly_budget_usd: 100 } });
    const after = await callJson("/v1/sessions", {
      key: alice.token,
      body: { agent: alice.agent_id, environment_id: alice.environment_id },
    });
    expect(after.status).toBe(200);
  });

  it("rolls out a template upgrade: new sessions at once, idle sessions at their next turn; rolls back", async () => {
    const plane = await createPlane();
    const alice = await addMember(plane.id, "alice");
    const bob = await addMember(plane.id, "bob", undefined, { template: { system: "Bob's own." } });
    const old = await memberSession(alice);
    await runTurn(old.id, alice.token);
    expect((await modelCall(old.id, unique("before"))).model).toBe("claude-sonnet-4-6");

    const upgrade = await callJson(`/v1/planes/${plane.name}/upgrades`, {
      key: plane.admin_token,
      body: { template: { model: "claude-opus-4-6" } },
    });
    expect(upgrade.status, JSON.stringify(upgrade.body)).toBe(201);
    expect(upgrade.body).toMatchObject({
      type: "plane_rollout",
      id: expect.stringMatching(/^prol_/),
      status: "in_progress",
      from: { template_version: 1, runtime_version: BUNDLED_RUNTIME_VERSION },
      to: { template_version: 2, runtime_version: BUNDLED_RUNTIME_VERSION },
      members_total: 2,
      members_upgraded: 2,
      sessions_pending: 1,
    });
    // Member overrides survive the upgrade.
    const bobAgent = await callJson(`/v1/agents/${bob.agent_id}`);
    expect(bobAgent.body).toMatchObject({
      version: 2,
      model: { id: "claude-opus-4-6" },
      system: "Bob's own.",
    });

    // A new session runs the new version at once.
    const fresh = await memberSession(alice);
    expect(fresh.agent).toMatchObject({ version: 2, model: { id: "claude-opus-4-6" } });
    // The idle session keeps its version until its next turn...
    expect((await callJson(`/v1/sessions/${old.id}`)).body.agent.version).toBe(1);
    const status = await callJson(`/v1/planes/${plane.id}/status`, { key: plane.admin_token });
    expect(status.body.rollout).toMatchObject({
      id: upgrade.body.id,
      status: "in_progress",
      sessions_pending: 1,
    });
    // ...where it switches: the session shows it, and the LLM proxy asks for the new model.
    await runTurn(old.id, alice.token);
    expect((await callJson(`/v1/sessions/${old.id}`)).body.agent).toMatchObject({
      version: 2,
      model: { id: "claude-opus-4-6" },
    });
    expect((await modelCall(old.id, unique("after"))).model).toBe("claude-opus-4-6");
    const done = await callJson(`/v1/planes/${plane.id}/upgrades/${upgrade.body.id}`);
    expect(done.body).toMatchObject({
      status: "completed",
      sessions_pending: 0,
      completed_at: expect.any(String),
    });

    // Rollback: the old content comes back as a new version, sessions switch the same way.
    const rolled = await callJson(`/v1/planes/${plane.id}/upgrades/${upgrade.body.id}/rollback`, {
      method: "POST",
      key: plane.admin_token,
    });
    expect(rolled.status, JSON.stringify(rolled.body)).toBe(200);
    expect(rolled.body).toMatchObject({ status: "rolled_back", rolled_back_at: expect.any(String) });
    const planeNow = await callJson(`/v1/planes/${plane.id}`);
    expect(planeNow.body).toMatchObject({
      template_version: 3,
      template: { model: { id: "claude-sonnet-4-6" } },
    });
    expect((await callJson(`/v1/agents/${bob.agent_id}`)).body).toMatchObject({
      version: 3,
      model: { id: "claude-sonnet-4-6" },
      system: "Bob's own.",
    });
    await runTurn(old.id, alice.token);
    expect((await modelCall(old.id, unique("rolled-back"))).model).toBe("claude-sonnet-4-6");
    const again = await callJson(`/v1/planes/${plane.id}/upgrades/${upgrade.body.id}/rollback`, {
      method: "POST",
    });
    expect(again.status).toBe(409);

    const list = await callJson(`/v1/planes/${plane.id}/upgrades`);
    expect(list.body.data.map((r: { id: string }) => r.id)).toEqual([upgrade.body.id]);
  });

  it("accepts only runtime versions the deployment has, and refuses upgrades that change nothing", async () => {
    const plane = await createPlane();
    const unknown = await callJson(`/v1/planes/${plane.id}/upgrades`, {
      body: { runtime_version: "2099.1.1" },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details.errors[0].path).toBe("runtime_version");
    expect(unknown.body.error.message).toContain(`available: ${BUNDLED_RUNTIME_VERSION}`);
    const same = await callJson(`/v1/planes/${plane.id}/upgrades`, {
      body: { runtime_version: BUNDLED_RUNTIME_VERSION },
    });
    expect(same.status).toBe(400);
    const empty = await callJson(`/v1/planes/${plane.id}/upgrades`, { body: {} });
    expect(empty.status).toBe(400);
    const badTemplate = await callJson(`/v1/planes/${plane.id}/upgrades`, {
      body: { template: { model: null } },
    });
    expect(badTemplate.status).toBe(400);
    expect(badTemplate.body.error.details.errors[0].path).toBe("template.model");
  });

  it("removes an agent: sessions ended, token revoked, secrets deleted, audit kept", async () => {
    const plane = await createPlane();
    const alice = await addMember(plane.id, "alice");
    const s1 = await memberSession(alice);
    const s2 = await memberSession(alice);
    await callJson(`/v1/sessions/${s2.id}/archive`, { method: "POST", key: alice.token });
    const s3 = await memberSession(alice);
    const cred = await callJson(`/v1/vaults/${alice.vault_id}/credentials`, {
      key: alice.token,
      body: {
        auth: {
          type: "environment_variable",
          secret_name: "GH_TOKEN",
          secret_value: "ghp_secretvalue123",
          networking: { type: "unrestricted" },
        },
      },
    });
    expect(cred.status, JSON.stringify(cred.body)).toBe(200);

    const removed = await callJson(`/v1/planes/${plane.id}/members/alice`, {
      method: "DELETE",
      key: plane.admin_token,
    });
    expect(removed.status).toBe(200);
    expect(removed.body).toEqual({ type: "plane_member_removed", id: alice.id, sessions_ended: 2 });

    for (const s of [s1, s3]) {
      expect((await callJson(`/v1/sessions/${s.id}`)).body).toMatchObject({
        status: "terminated",
        archived_at: expect.any(String),
      });
    }
    const denied = await callJson("/v1/sessions", { key: alice.token });
    expect(denied.status).toBe(401);
    expect((await callJson(`/v1/agents/${alice.agent_id}`)).body.archived_at).not.toBeNull();
    expect((await callJson(`/v1/environments/${alice.environment_id}`)).body.archived_at).not.toBeNull();
    const creds = await callJson(`/v1/vaults/${alice.vault_id}/credentials?include_archived=true`);
    expect(creds.body.data).toEqual([]);

    const members = await callJson(`/v1/planes/${plane.id}/members?include_removed=true`);
    expect(members.body.data[0]).toMatchObject({
      id: alice.id,
      status: "removed",
      removed_at: expect.any(String),
    });
    expect((await callJson(`/v1/planes/${plane.id}/members`)).body.data).toEqual([]);

    const audit = await callJson(`/v1/audit?limit=100`, { key: plane.admin_token });
    const actions = audit.body.data.map((r: { action: string; target: string }) => `${r.action} ${r.target}`);
    expect(actions).toEqual(
      expect.arrayContaining([
        `plane.member.remove ${alice.id}`,
        `plane.member.add ${alice.id}`,
        `sessions.create ${s1.id}`,
        `vaults.credentials.create ${cred.body.id}`,
      ]),
    );
    const again = await callJson(`/v1/planes/${plane.id}/members/alice`, { method: "DELETE" });
    expect(again.status).toBe(409);
    // The name is free again.
    await addMember(plane.id, "alice");
  });

  it("deletes only empty planes; their admin tokens stop working", async () => {
    const plane = await createPlane();
    await addMember(plane.id, "alice");
    const busy = await callJson(`/v1/planes/${plane.id}`, { method: "DELETE" });
    expect(busy.status).toBe(409);
    expect(busy.body.error.details.error_code).toBe("plane_not_empty");
    await callJson(`/v1/planes/${plane.id}/members/alice`, { method: "DELETE" });
    const deleted = await callJson(`/v1/planes/${plane.id}`, { method: "DELETE" });
    expect(deleted.body).toEqual({ type: "plane_deleted", id: plane.id });
    expect((await callJson(`/v1/planes/${plane.id}`)).status).toBe(404);
    expect((await callJson("/v1/planes", { key: plane.admin_token })).status).toBe(401);
  });

  it("lets plane admins read and follow a member's logs with secrets redacted", async () => {
    const plane = await createPlane();
    const alice = await addMember(plane.id, "alice");
    const secret = "s3cr3t-vault-value-XYZ";
    const cred = await callJson(`/v1/vaults/${alice.vault_id}/credentials`, {
      key: alice.token,
      body: {
        auth: {
          type: "environment_variable",
          secret_name: "API_TOKEN",
          secret_value: secret,
          networking: { type: "unrestricted" },
        },
      },
    });
    expect(cred.status).toBe(200);
    const s1 = await memberSession(alice);
    await runTurn(s1.id, alice.token, `use ${secret} and cpk_abcdefghijklmnop1234 please`);
    const s2 = await memberSession(alice);
    await runTurn(s2.id, alice.token, "second session");

    const logs = await callJson(`/v1/planes/${plane.id}/members/alice/logs?limit=1000`, {
      key: plane.admin_token,
    });
    expect(logs.status).toBe(200);
    const text = JSON.stringify(logs.body);
    expect(text).not.toContain(secret);
    expect(text).not.toContain("cpk_abcdefghijklmnop1234");
    expect(text).toContain("[REDACTED]");
    const sessionsSeen = [...new Set(logs.body.data.map((i: { session_id: string }) => i.session_id))];
    expect(sessionsSeen).toEqual([s1.id, s2.id]);
    const first = logs.body.data.find((i: { event: { type: string } }) => i.event.type === "user.message");
    expect(first.event.content[0].text).toBe("use [REDACTED] and [REDACTED] please");

    // Paging one item at a time walks the same items across both sessions.
    const paged: string[] = [];
    let page: string | null = null;
    do {
      const res: { body: { data: Array<{ event: { id: string } }>; next_page: string | null } } =
        await callJson(`/v1/planes/${plane.id}/members/alice/logs?limit=1${page ? `&page=${page}` : ""}`);
      paged.push(...res.body.data.map((i) => i.event.id));
      page = res.body.next_page;
    } while (page);
    expect(paged).toEqual(logs.body.data.map((i: { event: { id: string } }) => i.event.id));

    // Follow: live items as they happen, redacted too.
    const controller = new AbortController();
    const res = await exports.default.fetch(
      new Request(`${BASE_URL}/v1/planes/${plane.id}/members/alice/logs?follow=true`, {
        headers: { authorization: `Bearer ${plane.admin_token}` },
        signal: controller.signal,
      }),
    );
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reader = new SseReader(res);
    // Wait until the follower has subscribed to the session before sending.
    await waitFor(
      async () => {
        await call(`/v1/sessions/${s2.id}`, { method: "POST", body: { title: unique("ping") } });
        return reader
          .until((f) => f.event === "log" && f.data.event.type === "session.updated", 300)
          .then(() => true)
          .catch(() => false);
      },
      { timeoutMs: 10_000, what: "follow to subscribe" },
    );
    await callJson(`/v1/sessions/${s2.id}/events`, { key: alice.token, body: message(`live ${secret}`) });
    const live = await reader.until((f) => f.event === "log" && f.data.event.type === "user.message");
    expect(live.data).toMatchObject({ session_id: s2.id, event: { content: [{ text: "live [REDACTED]" }] } });
    controller.abort();
    await reader.close();

    // Members cannot read logs, not even their own.
    expect((await callJson(`/v1/planes/${plane.id}/members/alice/logs`, { key: alice.token })).status).toBe(
      403,
    );
    const audit = await callJson(`/v1/audit?action=plane.member.logs.*`, { key: plane.admin_token });
    expect(audit.body.data.length).toBeGreaterThan(0);
  });

  it("documents the plane routes in /openapi.json", async () => {
    const doc = (await callJson("/openapi.json", { key: null })).body;
    for (const path of [
      "/v1/planes",
      "/v1/planes/{plane}",
      "/v1/planes/{plane}/status",
      "/v1/planes/{plane}/members",
      "/v1/planes/{plane}/members/{member}",
      "/v1/planes/{plane}/members/{member}/logs",
      "/v1/planes/{plane}/members/{member}/token",
      "/v1/planes/{plane}/upgrades",
      "/v1/planes/{plane}/upgrades/{rollout}/rollback",
    ]) {
      expect(doc.paths[path], path).toBeDefined();
    }
  });
});
