/**
 * `clawplane planes …` against a scripted API (test/fake-api.ts) with recorded answers: what
 * each command sends (method, path, body), what it prints for humans and with `--json`, exit
 * codes with the server's errors, confirmation, TTY-only progress, and `logs --follow`
 * streaming a recorded SSE body until Ctrl-C.
 */
import { describe, expect, it } from "vitest";
import { type Answer, cliOn, FAKE_BASE_URL, fakeApi, sseFrames } from "./fake-api";
import {
  LOGS,
  MEMBER,
  MEMBER_CREATED,
  OTHER_PLANE,
  OTHER_STATUS,
  PLANE_POOL,
  PLANE,
  PLANE_CREATED,
  ROLLED_BACK,
  ROLLOUT,
  STATUS,
} from "./plane-fixtures";

const planeNotFound: Answer = {
  error: { status: 404, type: "not_found_error", code: "plane_not_found", message: "plane nope not found" },
};

describe("clawplane planes create", () => {
  it("sends the template with --model/--system on top, and prints the admin token once, labelled", async () => {
    const api = fakeApi({ "POST /v1/planes": { json: PLANE_CREATED, status: 201 } });
    const template = {
      model: "claude-haiku-4-5",
      system: "old",
      tools: [{ type: "agent_toolset_20260401" }],
    };
    const net = { networking: { type: "limited", allowed_hosts: ["api.github.com"] } };
    const cli = cliOn({
      fetch: api.fetch,
      files: { "tpl.json": JSON.stringify(template), "net.json": JSON.stringify(net) },
    });
    const res = await cli.run(
      "planes",
      "create",
      "--name",
      "acme-agents",
      "--template",
      "tpl.json",
      "--model",
      "claude-sonnet-4-6",
      "--system",
      "You help Acme engineers.",
      "--region",
      "weur",
      "--instance-type",
      "standard-2",
      "--budget",
      "50",
      "--environment",
      "net.json",
    );
    expect(res).toMatchObject({ code: 0, err: "" });
    expect(api.requests).toHaveLength(1);
    const [req] = api.requests;
    expect(req).toMatchObject({ method: "POST", path: "/v1/planes" });
    expect(req!.headers.get("idempotency-key")).toBeTruthy();
    expect(req!.body).toEqual({
      name: "acme-agents",
      template: {
        model: "claude-sonnet-4-6",
        system: "You help Acme engineers.",
        tools: [{ type: "agent_toolset_20260401" }],
      },
      environment: net,
      region: "weur",
      instance_type: "standard-2",
      monthly_budget_usd: 50,
    });
    expect(res.out).toMatch(/^id: +plane_01acme\n/);
    expect(res.out).toMatch(/^model: +claude-sonnet-4-6$/m);
    expect(res.out).toMatch(/^budget: +\$50\.00 per member per month$/m);
    expect(res.out).toContain(
      "Plane admin token (shown once; store it now, it cannot be retrieved again):\n\n  cpa_secretadmin0123456789\n",
    );
    expect(res.out).toContain(
      "CLAWPLANE_API_KEY=cpa_secretadmin0123456789 clawplane planes status --plane acme-agents",
    );
    // The token appears in the labelled block and the hint, nowhere else.
    expect(res.out.split("cpa_secretadmin0123456789")).toHaveLength(3);
  });

  it("prints the created plane, token included, with --json", async () => {
    const api = fakeApi({ "POST /v1/planes": { json: PLANE_CREATED, status: 201 } });
    const res = await cliOn({ fetch: api.fetch }).run(
      "--json",
      "planes",
      "create",
      "--name",
      "a",
      "--model",
      "m",
    );
    expect(res.code).toBe(0);
    expect(JSON.parse(res.out)).toEqual(PLANE_CREATED);
    expect(api.requests[0]!.body).toEqual({ name: "a", template: { model: "m" } });
  });

  it("rejects bad usage with exit 2 before sending anything", async () => {
    const api = fakeApi({ "POST /v1/planes": { json: PLANE_CREATED, status: 201 } });
    const cli = cliOn({ fetch: api.fetch, files: { "bad.json": "{not json", "list.json": "[1]" } });
    const noModel = await cli.run("planes", "create", "--name", "a");
    expect(noModel).toMatchObject({ code: 2, out: "" });
    expect(noModel.err).toContain("--model");
    expect((await cli.run("planes", "create", "--name", "a", "--model", "m", "--budget", "lots")).code).toBe(
      2,
    );
    expect((await cli.run("planes", "create", "--name", "a", "--model", "m", "--budget", "-5")).code).toBe(2);
    const size = await cli.run("planes", "create", "--name", "a", "--model", "m", "--instance-type", "huge");
    expect(size.code).toBe(2);
    expect(size.err).toContain("standard-1");
    const missing = await cli.run("planes", "create", "--name", "a", "--template", "nope.json");
    expect(missing).toMatchObject({
      code: 2,
      err: expect.stringContaining("cannot read --template nope.json"),
    });
    const malformed = await cli.run("planes", "create", "--name", "a", "--template", "bad.json");
    expect(malformed).toMatchObject({ code: 2, err: expect.stringContaining("bad.json is not JSON") });
    const array = await cli.run("planes", "create", "--name", "a", "--template", "list.json");
    expect(array).toMatchObject({ code: 2, err: expect.stringContaining("JSON object") });
    expect((await cli.run("planes", "create", "--model", "m")).code).toBe(2);
    expect(api.requests).toHaveLength(0);
  });

  it("exits 1 with the server's message, field errors, code and request id", async () => {
    const api = fakeApi({
      "POST /v1/planes": {
        error: {
          status: 409,
          type: "conflict_error",
          code: "name_conflict",
          message: "a plane named 'acme-agents' already exists",
        },
      },
    });
    const res = await cliOn({ fetch: api.fetch }).run(
      "planes",
      "create",
      "--name",
      "acme-agents",
      "--model",
      "m",
    );
    expect(res).toEqual({
      code: 1,
      out: "",
      err: "error: a plane named 'acme-agents' already exists (name_conflict, 409)\n  request id: req_fake409\n",
    });
  });
});

describe("clawplane planes ls", () => {
  it("lists planes as a table and as JSON", async () => {
    const api = fakeApi({ "GET /v1/planes": { json: { data: [PLANE, OTHER_PLANE], next_page: null } } });
    const cli = cliOn({ fetch: api.fetch });
    const res = await cli.run("planes", "ls");
    expect(res.code).toBe(0);
    expect(api.requests[0]).toMatchObject({ method: "GET", path: "/v1/planes" });
    expect(api.requests[0]!.query.get("limit")).toBe("20");
    const [header, first, second] = res.out.trimEnd().split("\n");
    expect(header).toMatch(/^NAME\s+ID\s+MODEL\s+INSTANCE\s+REGION\s+BUDGET\s+RUNTIME\s+TEMPLATE\s+CREATED$/);
    expect(first).toMatch(
      /^acme-agents\s+plane_01acme\s+claude-sonnet-4-6\s+standard-1\s+auto\s+\$50\.00\s+2026\.9\.6\s+v1\s+2026-11-02T10:00:00\.000Z$/,
    );
    expect(second).toMatch(/^beta-team\s+plane_02beta\s+\S+\s+basic\s+auto\s+none\s/);

    const json = await cli.run("planes", "ls", "--json", "--limit", "5");
    expect(JSON.parse(json.out)).toEqual([PLANE, OTHER_PLANE]);
    expect(api.requests[1]!.query.get("limit")).toBe("5");
  });

  it("says so when there are none", async () => {
    const api = fakeApi({ "GET /v1/planes": { json: { data: [], next_page: null } } });
    expect((await cliOn({ fetch: api.fetch }).run("planes", "ls")).out).toBe("(none)\n");
  });
});

describe("clawplane planes add-agent", () => {
  it("adds a member and prints their token once, labelled, with copy-paste usage", async () => {
    const api = fakeApi({ "POST /v1/planes/acme-agents/members": { json: MEMBER_CREATED, status: 201 } });
    const cli = cliOn({ fetch: api.fetch, files: { "alice.json": '{"system":"You help Alice."}' } });
    const res = await cli.run(
      "planes",
      "add-agent",
      "--plane",
      "acme-agents",
      "--name",
      "alice",
      "--owner",
      "alice@acme.com",
      "--template",
      "alice.json",
    );
    expect(res).toMatchObject({ code: 0, err: "" });
    expect(api.requests[0]).toMatchObject({
      method: "POST",
      path: "/v1/planes/acme-agents/members",
      body: { name: "alice", owner: "alice@acme.com", template: { system: "You help Alice." } },
    });
    expect(res.out).toMatch(/^agent: +agent_01alice$/m);
    expect(res.out).toMatch(/^vault: +vlt_01alice$/m);
    expect(res.out).toContain(
      "Member token for alice (shown once; store it now, it cannot be retrieved again):\n\n  cpm_secretmember0123456789\n",
    );
    expect(res.out).toContain("Give it to alice@acme.com.");
    expect(res.out).toContain(
      `curl -s ${FAKE_BASE_URL}/v1/chat/completions -H "authorization: Bearer cpm_secretmember0123456789"`,
    );
    expect(res.out).toContain('"model":"agent_01alice"');
    expect(res.out).toContain('agent: "agent_01alice", environment_id: "env_01alice"');
  });

  it("prints the member with its token as JSON, and shows progress only on a terminal", async () => {
    const api = fakeApi({ "POST /v1/planes/p/members": { json: MEMBER_CREATED, status: 201 } });
    const args = ["planes", "add-agent", "--plane", "p", "--name", "alice", "--owner", "a@b.c"];
    const plain = await cliOn({ fetch: api.fetch }).run("--json", ...args);
    expect(JSON.parse(plain.out)).toEqual(MEMBER_CREATED);
    expect(plain.err).toBe("");
    expect(api.requests[0]!.body).toEqual({ name: "alice", owner: "a@b.c" });
    const tty = await cliOn({ fetch: api.fetch, ttyStderr: true }).run("--json", ...args);
    expect(tty.err).toContain("provisioning alice's agent");
    expect(JSON.parse(tty.out)).toEqual(MEMBER_CREATED);
  });

  it("requires --plane, --name and --owner (exit 2); server errors exit 1", async () => {
    const api = fakeApi({ "POST /v1/planes/nope/members": planeNotFound });
    const cli = cliOn({ fetch: api.fetch });
    const usage = await cli.run("planes", "add-agent", "--plane", "p", "--name", "x");
    expect(usage.code).toBe(2);
    expect(usage.err).toContain("--owner <email>");
    const missing = await cli.run(
      "planes",
      "add-agent",
      "--plane",
      "nope",
      "--name",
      "x",
      "--owner",
      "x@y.z",
    );
    expect(missing).toMatchObject({ code: 1, out: "" });
    expect(missing.err).toMatch(
      /^error: plane nope not found \(plane_not_found, 404\)\n {2}request id: req_fake404\n$/,
    );
  });
});

describe("clawplane planes status", () => {
  it("shows one plane: a row per member, totals and the rollout's progress", async () => {
    const api = fakeApi({ "GET /v1/planes/acme-agents/status": { json: STATUS } });
    const res = await cliOn({ fetch: api.fetch }).run("planes", "status", "--plane", "acme-agents");
    expect(res.code).toBe(0);
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /v1/planes/acme-agents/status"]);
    const lines = res.out.trimEnd().split("\n");
    expect(lines[0]).toBe("plane acme-agents (plane_01acme): runtime 2026.10.1, template v2");
    expect(lines[1]).toMatch(
      /^MEMBER\s+OWNER\s+HEALTH\s+SESSIONS\s+RUNTIME\s+LAST ACTIVITY\s+VERSION\s+COST \/ BUDGET$/,
    );
    expect(lines[2]).toMatch(
      /^alice\s+alice@acme\.com\s+healthy\s+1\/3\s+running\s+2026-11-02T10:05:00\.000Z\s+2026\.10\.1 t2\s+\$1\.20 \/ \$50\.00$/,
    );
    expect(lines[3]).toMatch(
      /^bob\s+bob@acme\.com\s+over_budget\s+0\/9\s+stopped\s+-\s+2026\.9\.6 t1\s+\$50\.25 \/ \$50\.00$/,
    );
    expect(lines[4]).toBe("totals: 2 members, sessions 1 active / 12 total, cost this month $51.45");
    expect(lines[5]).toBe(
      "rollout prol_01up in_progress to runtime 2026.10.1, template v2: 1/2 members upgraded, 1 session pending",
    );
  });

  it("shows the plane's own warm pool: its month's cost, why it is stopped, its last error", async () => {
    const status = {
      ...STATUS,
      totals: { ...STATUS.totals, warm_pool_cost_this_month_usd: 0.1998 },
      runtime_pool: PLANE_POOL,
    };
    const api = fakeApi({ "GET /v1/planes/acme-agents/status": { json: status } });
    const res = await cliOn({ fetch: api.fetch }).run("planes", "status", "--plane", "acme-agents");
    expect(res.code).toBe(0);
    const lines = res.out.trimEnd().split("\n");
    expect(lines[4]).toBe(
      "totals: 2 members, sessions 1 active / 12 total, cost this month $51.45 + warm pool $0.20",
    );
    expect(lines.slice(6)).toEqual([
      "warm pool plane:plane_01acme@2026.10.1+standard-1: 0 idle, 0 warming (min 0, max 0); claims 4, misses 1, refills 5, expired 1; 9720 runtime-s waiting",
      "  stopped: plane plane_01acme's budget for 2026-11 is spent ($100.19 of $100.00: 2 member(s) × $50.00, warm pool included)",
      "  last error (2026-11-02T09:00:00.000Z): pool:plane:plane_01acme@2026.10.1+standard-1:5: did not warm up within 19 min",
      "warm pool cost 2026-11: 2.7 runtime-h waiting, $0.20 (estimated, at $0.074/h)",
    ]);
  });

  it("filters by member, and prints the status object with --json", async () => {
    const api = fakeApi({ "GET /v1/planes/acme-agents/status": { json: STATUS } });
    const res = await cliOn({ fetch: api.fetch }).run(
      "planes",
      "status",
      "--plane",
      "acme-agents",
      "--member",
      "alice",
      "--json",
    );
    expect(JSON.parse(res.out)).toEqual(STATUS);
    expect(api.requests[0]!.query.get("member")).toBe("alice");
  });

  it("shows every plane when --plane is omitted", async () => {
    const api = fakeApi({
      "GET /v1/planes": { json: { data: [PLANE, OTHER_PLANE], next_page: null } },
      "GET /v1/planes/plane_01acme/status": { json: STATUS },
      "GET /v1/planes/plane_02beta/status": { json: OTHER_STATUS },
    });
    const cli = cliOn({ fetch: api.fetch });
    const res = await cli.run("planes", "status");
    expect(res.code).toBe(0);
    expect(res.out).toContain("plane acme-agents (plane_01acme)");
    expect(res.out).toContain(
      "\n\nplane beta-team (plane_02beta): runtime 2026.9.6, template v1\n(none)\ntotals: 0 members, sessions 0 active / 0 total, cost this month $0.00\nrollout: none in progress\n",
    );
    const json = await cli.run("planes", "status", "--json");
    expect(JSON.parse(json.out)).toEqual([STATUS, OTHER_STATUS]);
    expect((await cli.run("planes", "status", "--member", "alice")).code).toBe(2);
  });

  it("exits 1 when the plane is unknown", async () => {
    const api = fakeApi({ "GET /v1/planes/nope/status": planeNotFound });
    const res = await cliOn({ fetch: api.fetch }).run("planes", "status", "--plane", "nope");
    expect(res).toMatchObject({ code: 1, out: "", err: expect.stringContaining("plane_not_found, 404") });
  });
});

describe("clawplane planes upgrade", () => {
  it("rolls out a runtime version or a template change", async () => {
    const api = fakeApi({ "POST /v1/planes/acme-agents/upgrades": { json: ROLLOUT, status: 201 } });
    const cli = cliOn({ fetch: api.fetch, files: { "t.json": '{"model":"claude-opus-4-8"}' } });
    const runtime = await cli.run("planes", "upgrade", "--plane", "acme-agents", "--runtime", "2026.10.1");
    expect(runtime.code).toBe(0);
    expect(api.requests[0]).toMatchObject({
      method: "POST",
      path: "/v1/planes/acme-agents/upgrades",
      body: { runtime_version: "2026.10.1" },
    });
    expect(runtime.out).toMatch(/^id: +prol_01up$/m);
    expect(runtime.out).toMatch(/^from: +runtime 2026\.9\.6, template v1$/m);
    expect(runtime.out).toMatch(/^to: +runtime 2026\.10\.1, template v1$/m);
    expect(runtime.out).toMatch(/^progress: +0\/2 members upgraded, 1 session pending$/m);
    expect(runtime.out).toContain("idle sessions switch on their next turn");

    const template = await cli.run(
      "--json",
      "planes",
      "upgrade",
      "--plane",
      "acme-agents",
      "--template",
      "t.json",
    );
    expect(JSON.parse(template.out)).toEqual(ROLLOUT);
    expect(api.requests[1]!.body).toEqual({ template: { model: "claude-opus-4-8" } });
  });

  it("shows why a rollout failed", async () => {
    const failed = { ...ROLLOUT, status: "failed", error: "member bob: agent agent_02bob is archived" };
    const api = fakeApi({ "POST /v1/planes/acme-agents/upgrades": { json: failed, status: 201 } });
    const ok = await cliOn({ fetch: api.fetch }).run(
      "planes",
      "upgrade",
      "--plane",
      "acme-agents",
      "--runtime",
      "x",
    );
    expect(ok.code).toBe(1);
    expect(ok.err).toBe(
      "error: rollout prol_01up failed: member bob: agent agent_02bob is archived\n  undo it: clawplane planes upgrade --plane acme-agents --rollback prol_01up\n",
    );
    expect(ok.out).toMatch(/^status: +failed$/m);
    expect(ok.out).toMatch(/^error: +member bob: agent agent_02bob is archived$/m);
  });

  it("rolls back a rollout", async () => {
    const api = fakeApi({ "POST /v1/planes/acme-agents/upgrades/prol_01up/rollback": { json: ROLLED_BACK } });
    const res = await cliOn({ fetch: api.fetch }).run(
      "planes",
      "upgrade",
      "--plane",
      "acme-agents",
      "--rollback",
      "prol_01up",
    );
    expect(res.code).toBe(0);
    expect(api.requests[0]).toMatchObject({ method: "POST", body: undefined });
    expect(res.out).toMatch(/^status: +rolled_back$/m);
    expect(res.out).toContain("Runtime 2026.9.6 and the template of v1 are current again");
  });

  it("needs exactly one of a target or --rollback (exit 2); a refused upgrade exits 1", async () => {
    const api = fakeApi({
      "POST /v1/planes/acme-agents/upgrades": {
        error: {
          status: 409,
          type: "conflict_error",
          code: "rollout_conflict",
          message: "plane acme-agents changed meanwhile; retry the upgrade",
        },
      },
    });
    const cli = cliOn({ fetch: api.fetch });
    const none = await cli.run("planes", "upgrade", "--plane", "acme-agents");
    expect(none).toMatchObject({ code: 2, err: expect.stringContaining("--runtime") });
    const both = await cli.run(
      "planes",
      "upgrade",
      "--plane",
      "acme-agents",
      "--runtime",
      "1",
      "--rollback",
      "prol_x",
    );
    expect(both.code).toBe(2);
    expect(api.requests).toHaveLength(0);
    const refused = await cli.run("planes", "upgrade", "--plane", "acme-agents", "--runtime", "2026.10.1");
    expect(refused).toMatchObject({ code: 1, err: expect.stringContaining("(rollout_conflict, 409)") });
  });
});

describe("clawplane planes remove-agent", () => {
  const removed = { json: { type: "plane_member_removed", id: MEMBER.id, sessions_ended: 2 } };
  const args = ["planes", "remove-agent", "--plane", "acme-agents", "--name", "alice"];

  it("asks on a terminal and removes nothing unless confirmed", async () => {
    const api = fakeApi({ "DELETE /v1/planes/acme-agents/members/alice": removed });
    const declined = cliOn({ fetch: api.fetch, interactive: true, answers: ["n"] });
    expect(await declined.run(...args)).toEqual({ code: 1, out: "", err: "not removed\n" });
    expect(declined.prompts[0]).toMatch(/^Remove alice from acme-agents\? .*\[y\/N\] $/);
    expect(api.requests).toHaveLength(0);

    const confirmed = cliOn({ fetch: api.fetch, interactive: true, answers: ["y"] });
    const res = await confirmed.run(...args);
    expect(res).toEqual({
      code: 0,
      out: "removed alice (pmem_01alice): 2 sessions ended, token revoked, secrets deleted\n",
      err: "",
    });
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "DELETE /v1/planes/acme-agents/members/alice",
    ]);
  });

  it("does not ask with --yes or off a terminal; --json prints the answer", async () => {
    const api = fakeApi({ "DELETE /v1/planes/acme-agents/members/alice": removed });
    const yes = cliOn({ fetch: api.fetch, interactive: true });
    expect((await yes.run(...args, "--yes")).code).toBe(0);
    expect(yes.prompts).toEqual([]);
    const script = cliOn({ fetch: api.fetch });
    const res = await script.run("--json", ...args);
    expect(JSON.parse(res.out)).toEqual(removed.json);
    expect(script.prompts).toEqual([]);
    expect(api.requests).toHaveLength(2);
  });

  it("exits 1 when the member is unknown", async () => {
    const api = fakeApi({
      "DELETE /v1/planes/acme-agents/members/alice": {
        error: {
          status: 404,
          type: "not_found_error",
          code: "plane_member_not_found",
          message: "plane acme-agents has no member alice",
        },
      },
    });
    const res = await cliOn({ fetch: api.fetch }).run(...args, "--yes");
    expect(res.code).toBe(1);
    expect(res.err).toMatch(/^error: plane acme-agents has no member alice \(plane_member_not_found, 404\)/);
  });
});

describe("clawplane planes rotate-token", () => {
  it("prints the new token once, labelled", async () => {
    const token = {
      type: "plane_token",
      id: "ptok_02",
      plane_id: PLANE.id,
      member_id: MEMBER.id,
      token: "cpm_rotated0123456789",
      created_at: "2026-11-02T11:00:00.000Z",
    };
    const api = fakeApi({ "POST /v1/planes/acme-agents/members/alice/token": { json: token, status: 201 } });
    const res = await cliOn({ fetch: api.fetch }).run(
      "planes",
      "rotate-token",
      "--plane",
      "acme-agents",
      "--name",
      "alice",
    );
    expect(res.code).toBe(0);
    expect(res.out).toMatch(/^New member token for alice \(shown once; .*\):\n\n {2}cpm_rotated0123456789\n/);
    expect(res.out).toContain("previous token stopped working");
  });
});

describe("clawplane planes admin-token and rm", () => {
  it("mints another admin token, printed once", async () => {
    const minted = {
      type: "plane_token",
      id: "ptok_03",
      plane_id: PLANE.id,
      member_id: null,
      token: "cpa_another0123456789",
      created_at: "2026-11-02T11:00:00.000Z",
    };
    const api = fakeApi({ "POST /v1/planes/acme-agents/admin_tokens": { json: minted, status: 201 } });
    const res = await cliOn({ fetch: api.fetch }).run("planes", "admin-token", "--plane", "acme-agents");
    expect(res.code).toBe(0);
    expect(api.requests[0]).toMatchObject({ method: "POST", body: undefined });
    expect(res.out).toMatch(/^Plane admin token \(shown once; .*\):\n\n {2}cpa_another0123456789\n/);
  });

  it("lists admin tokens by prefix and revokes one", async () => {
    const token = {
      type: "plane_admin_token" as const,
      id: "ptok_03",
      plane_id: PLANE.id,
      token_prefix: "cpa_another0",
      created_by: "admin",
      created_at: "2026-11-02T11:00:00.000Z",
      revoked_at: null,
    };
    const api = fakeApi({
      "GET /v1/planes/acme-agents/admin_tokens": { json: { data: [token], next_page: null } },
      "POST /v1/planes/acme-agents/admin_tokens/ptok_03/revoke": {
        json: { ...token, revoked_at: "2026-11-02T12:00:00.000Z" },
      },
    });
    const listed = await cliOn({ fetch: api.fetch }).run("planes", "admin-tokens", "--plane", "acme-agents");
    expect(listed.code).toBe(0);
    expect(listed.out).toBe("ptok_03  cpa_another0…  created 2026-11-02T11:00:00.000Z by admin\n");
    const revoked = await cliOn({ fetch: api.fetch }).run(
      "planes",
      "admin-tokens",
      "--plane",
      "acme-agents",
      "--revoke",
      "ptok_03",
    );
    expect(revoked).toMatchObject({ code: 0, out: "revoked ptok_03 (cpa_another0…)\n" });
    expect(api.requests[1]).toMatchObject({
      method: "POST",
      path: "/v1/planes/acme-agents/admin_tokens/ptok_03/revoke",
    });
  });

  it("deletes a plane after confirmation; a plane with members is refused with exit 1", async () => {
    const api = fakeApi({
      "DELETE /v1/planes/empty": { json: { type: "plane_deleted", id: "plane_03" } },
      "DELETE /v1/planes/acme-agents": {
        error: {
          status: 409,
          type: "conflict_error",
          code: "plane_not_empty",
          message: "plane acme-agents still has members; remove them first",
        },
      },
    });
    const declined = cliOn({ fetch: api.fetch, interactive: true, answers: [""] });
    expect(await declined.run("planes", "rm", "--plane", "empty")).toEqual({
      code: 1,
      out: "",
      err: "not deleted\n",
    });
    expect(declined.prompts).toEqual(["Delete plane empty? [y/N] "]);
    expect(api.requests).toHaveLength(0);
    const yes = await cliOn({ fetch: api.fetch, interactive: true, answers: ["yes"] }).run(
      "planes",
      "rm",
      "--plane",
      "empty",
    );
    expect(yes).toEqual({ code: 0, out: "deleted empty (plane_03)\n", err: "" });
    const full = await cliOn({ fetch: api.fetch }).run("planes", "rm", "--plane", "acme-agents");
    expect(full).toMatchObject({ code: 1, err: expect.stringContaining("(plane_not_empty, 409)") });
  });
});

describe("clawplane planes logs", () => {
  it("prints a page of a member's logs, one line per item, and JSON", async () => {
    const api = fakeApi({
      "GET /v1/planes/acme-agents/members/bob/logs": { json: { data: LOGS, next_page: null } },
    });
    const cli = cliOn({ fetch: api.fetch });
    const res = await cli.run("planes", "logs", "--plane", "acme-agents", "--name", "bob");
    expect(res.code).toBe(0);
    expect(api.requests[0]!.query.get("limit")).toBe("100");
    expect(api.requests[0]!.query.get("follow")).toBeNull();
    expect(res.out.trimEnd().split("\n")).toEqual([
      "2026-11-02 10:00:01  sesn_01bob  user.message             deploy the docs with token [REDACTED]",
      "2026-11-02 10:00:02  sesn_01bob  session.status_running",
      "2026-11-02 10:00:03  sesn_01bob  session.error            upstream timed out",
      "2026-11-02 10:00:05  sesn_01bob  agent.message            Done: docs deployed.",
    ]);
    const json = await cli.run(
      "planes",
      "logs",
      "--plane",
      "acme-agents",
      "--name",
      "bob",
      "--json",
      "--limit",
      "2",
    );
    expect(JSON.parse(json.out)).toEqual(LOGS.slice(0, 2));
    expect(api.requests[1]!.query.get("limit")).toBe("2");
  });

  it("--follow streams items as they arrive until Ctrl-C, then exits 130", async () => {
    // As live, the first item is a queued message's echo: not processed yet, so no time of its own.
    const echo = {
      session_id: "sesn_01bob",
      event: { ...LOGS[0]!.event, id: "sevt_00", processed_at: null },
    };
    const frames = sseFrames(
      [echo, ...LOGS].map((data) => ({ id: `${data.session_id}:${data.event.id}`, event: "log", data })),
    );
    // A keepalive comment and a frame of another event name are not log items.
    const sse = `: connected\n\n: keepalive\n\n${sseFrames([{ event: "ping", data: {} }])}${frames}`;
    const api = fakeApi({ "GET /v1/planes/acme-agents/members/bob/logs": { sse } });
    const ctrlC = new AbortController();
    const cli = cliOn({
      fetch: api.fetch,
      signal: ctrlC.signal,
      onStdout: (out) => {
        if (out.includes("Done: docs deployed.")) ctrlC.abort();
      },
    });
    const res = await cli.run("planes", "logs", "--plane", "acme-agents", "--name", "bob", "--follow");
    expect(res.code).toBe(130);
    expect(res.err).toBe("interrupted\n");
    const lines = res.out.trimEnd().split("\n");
    expect(lines).toHaveLength(5);
    // The stored time when the event has one; an unprocessed echo shows when it was seen.
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}sesn_01bob {2}user\.message /);
    expect(lines[2]).toMatch(/^2026-11-02 10:00:02 {2}sesn_01bob {2}session\.status_running$/);
    expect(res.out).toContain("sesn_01bob  session.error            upstream timed out");
    const [req] = api.requests;
    expect(req!.query.get("follow")).toBe("true");
    expect(req!.headers.get("accept")).toBe("text/event-stream");
    expect(req!.headers.get("last-event-id")).toBeNull();
  });

  it("--follow --json prints NDJSON, and resumes after a drop with Last-Event-ID", async () => {
    let connection = 0;
    const api = fakeApi({
      "GET /v1/planes/acme-agents/members/bob/logs": () => {
        connection++;
        // First connection: two items, then the socket resets; the second serves the rest.
        return connection === 1
          ? {
              sse: sseFrames(
                LOGS.slice(0, 2).map((data) => ({
                  id: `${data.session_id}:${data.event.id}`,
                  event: "log",
                  data,
                })),
              ),
              cut: true,
            }
          : {
              sse: sseFrames(
                LOGS.slice(2).map((data) => ({
                  id: `${data.session_id}:${data.event.id}`,
                  event: "log",
                  data,
                })),
              ),
            };
      },
    });
    const ctrlC = new AbortController();
    const cli = cliOn({
      fetch: api.fetch,
      signal: ctrlC.signal,
      onStdout: (out) => {
        if (out.trimEnd().split("\n").length === LOGS.length) ctrlC.abort();
      },
    });
    const res = await cli.run("--json", "planes", "logs", "--plane", "acme-agents", "--name", "bob", "-f");
    expect(res.code).toBe(130);
    expect(
      res.out
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l)),
    ).toEqual(LOGS);
    expect(api.requests.map((r) => r.headers.get("last-event-id"))).toEqual([null, "sesn_01bob:sevt_02"]);
  });

  it("--follow exits 1 when the member does not exist", async () => {
    const api = fakeApi({
      "GET /v1/planes/acme-agents/members/zed/logs": {
        error: {
          status: 404,
          type: "not_found_error",
          code: "plane_member_not_found",
          message: "plane acme-agents has no member zed",
        },
      },
    });
    const res = await cliOn({ fetch: api.fetch, signal: new AbortController().signal }).run(
      "planes",
      "logs",
      "--plane",
      "acme-agents",
      "--name",
      "zed",
      "--follow",
    );
    expect(res).toMatchObject({
      code: 1,
      out: "",
      err: expect.stringContaining("(plane_member_not_found, 404)"),
    });
  });
});
