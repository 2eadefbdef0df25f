/**
 * The isolation matrix: every endpoint that can name a member's things (agents, environments,
 * sessions, events, vaults and credentials, the OpenAI surface, audit, API keys, planes) called
 * by everyone who must not reach alice's — another member of her plane, another plane's admin,
 * a removed member's (revoked) token, no credential — answers 401/403/404 (or, for lists, a
 * list without her things), and nothing of hers is in any response. A 404 must also be
 * indistinguishable from the answer for an id that does not exist at all, so not even
 * existence leaks. Afterwards, alice's things are unchanged.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { call, callJson } from "../helpers/api";
import { addMember, createPlane, memberSession, message } from "../helpers/planes";

interface Fixture {
  planeA: Awaited<ReturnType<typeof createPlane>>;
  planeB: Awaited<ReturnType<typeof createPlane>>;
  alice: Awaited<ReturnType<typeof addMember>>;
  bob: Awaited<ReturnType<typeof addMember>>;
  carolToken: string;
  session: string;
  credential: string;
  secret: string;
}

let f: Fixture;

beforeAll(async () => {
  const planeA = await createPlane();
  const planeB = await createPlane();
  const alice = await addMember(planeA.id, "alice");
  const bob = await addMember(planeA.id, "bob");
  const carol = await addMember(planeA.id, "carol");
  await callJson(`/v1/planes/${planeA.id}/members/carol`, { method: "DELETE" });
  const session = (await memberSession(alice)).id;
  const secret = "alice-only-secret-value-77";
  const credential = await callJson(`/v1/vaults/${alice.vault_id}/credentials`, {
    key: alice.token,
    body: {
      display_name: "alice cred",
      auth: {
        type: "environment_variable",
        secret_name: "ALICE_TOKEN",
        secret_value: secret,
        networking: { type: "unrestricted" },
      },
    },
  });
  expect(credential.status).toBe(200);
  f = {
    planeA,
    planeB,
    alice,
    bob,
    carolToken: carol.token,
    session,
    credential: credential.body.id,
    secret,
  };
});

interface Probe {
  method: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Lists a caller may read (its own things only). */
  list?: true;
}

/** Every endpoint, aimed at alice's things. */
function probes(): Probe[] {
  const { planeA, alice, session, credential } = f;
  const agent = alice.agent_id;
  const env = alice.environment_id;
  const vault = alice.vault_id;
  const plane = planeA.name;
  return [
    { method: "GET", path: "/v1/agents", list: true },
    { method: "GET", path: `/v1/agents/${agent}` },
    { method: "GET", path: `/v1/agents/${agent}/versions` },
    { method: "POST", path: `/v1/agents/${agent}`, body: { system: "pwned" } },
    { method: "POST", path: `/v1/agents/${agent}/archive` },
    { method: "POST", path: "/v1/agents", body: { name: "x", model: "m" } },
    { method: "GET", path: "/v1/environments", list: true },
    { method: "GET", path: `/v1/environments/${env}` },
    { method: "POST", path: `/v1/environments/${env}`, body: { description: "pwned" } },
    { method: "POST", path: `/v1/environments/${env}/archive` },
    { method: "DELETE", path: `/v1/environments/${env}` },
    { method: "GET", path: "/v1/sessions", list: true },
    { method: "GET", path: `/v1/sessions?agent_id=${agent}`, list: true },
    { method: "POST", path: "/v1/sessions", body: { agent, environment_id: env } },
    { method: "GET", path: `/v1/sessions/${session}` },
    { method: "POST", path: `/v1/sessions/${session}`, body: { title: "pwned" } },
    { method: "POST", path: `/v1/sessions/${session}/archive` },
    { method: "DELETE", path: `/v1/sessions/${session}` },
    { method: "POST", path: `/v1/sessions/${session}/events`, body: message("pwned") },
    { method: "GET", path: `/v1/sessions/${session}/events` },
    { method: "GET", path: `/v1/sessions/${session}/events/stream` },
    { method: "GET", path: "/v1/vaults", list: true },
    { method: "GET", path: `/v1/vaults/${vault}` },
    { method: "POST", path: `/v1/vaults/${vault}`, body: { display_name: "pwned" } },
    { method: "POST", path: `/v1/vaults/${vault}/archive` },
    { method: "DELETE", path: `/v1/vaults/${vault}` },
    { method: "POST", path: "/v1/vaults/rotate" },
    { method: "GET", path: `/v1/vaults/${vault}/credentials` },
    { method: "GET", path: `/v1/vaults/${vault}/credentials/${credential}` },
    {
      method: "POST",
      path: `/v1/vaults/${vault}/credentials`,
      body: { auth: { type: "static_bearer", mcp_server_url: "https://evil.test/mcp", token: "t0k3n-evil" } },
    },
    {
      method: "POST",
      path: `/v1/vaults/${vault}/credentials/${credential}`,
      body: { display_name: "pwned" },
    },
    { method: "POST", path: `/v1/vaults/${vault}/credentials/${credential}/archive` },
    { method: "DELETE", path: `/v1/vaults/${vault}/credentials/${credential}` },
    { method: "GET", path: "/v1/models", list: true },
    { method: "GET", path: `/v1/models/${agent}` },
    { method: "GET", path: `/v1/models/${planeA.name}-alice` },
    {
      method: "POST",
      path: "/v1/chat/completions",
      body: { model: agent, messages: [{ role: "user", content: "hi" }] },
    },
    {
      method: "POST",
      path: "/v1/chat/completions",
      body: { model: f.bob.agent_id, messages: [{ role: "user", content: "hi" }] },
      headers: { "x-clawplane-session-id": session },
    },
    { method: "GET", path: "/v1/audit", list: true },
    { method: "GET", path: `/v1/audit?target=${alice.id}`, list: true },
    { method: "GET", path: "/v1/api_keys" },
    { method: "POST", path: "/v1/api_keys", body: { name: "k", scopes: ["admin"] } },
    { method: "GET", path: "/v1/planes", list: true },
    { method: "POST", path: "/v1/planes", body: { name: "evil-plane", template: { model: "m" } } },
    { method: "GET", path: `/v1/planes/${plane}` },
    { method: "POST", path: `/v1/planes/${plane}`, body: { monthly_budget_usd: 0 } },
    { method: "DELETE", path: `/v1/planes/${plane}` },
    { method: "POST", path: `/v1/planes/${plane}/admin_tokens` },
    { method: "GET", path: `/v1/planes/${plane}/status` },
    { method: "GET", path: `/v1/planes/${plane}/members` },
    { method: "POST", path: `/v1/planes/${plane}/members`, body: { name: "mallory", owner: "m@evil.test" } },
    { method: "GET", path: `/v1/planes/${plane}/members/alice` },
    { method: "DELETE", path: `/v1/planes/${plane}/members/alice` },
    { method: "POST", path: `/v1/planes/${plane}/members/alice/token` },
    { method: "GET", path: `/v1/planes/${plane}/members/alice/logs` },
    { method: "GET", path: `/v1/planes/${plane}/members/alice/logs?follow=true` },
    { method: "POST", path: `/v1/planes/${plane}/upgrades`, body: { template: { system: "pwned" } } },
    { method: "GET", path: `/v1/planes/${plane}/upgrades` },
  ];
}

/**
 * Alice's identifiers and secrets: none may appear in an answer to someone else. Her plane's id
 * is no secret to her plane-mates (their own resources carry it), only to outsiders.
 */
function aliceMarks(insider = false): string[] {
  const { planeA, alice, session, credential, secret } = f;
  return [
    alice.id,
    alice.agent_id,
    alice.environment_id,
    alice.vault_id,
    alice.token,
    session,
    credential,
    secret,
    "alice@acme.test",
    `${planeA.name}-alice`,
    planeA.admin_token,
    ...(insider ? [] : [planeA.id]),
  ];
}

/** The same probe aimed at things that do not exist (same id shapes). */
function ghostOf(probe: Probe): Probe {
  const swaps: Array<[string, string]> = [
    [f.alice.agent_id, "agent_ghostghostghostghostghost0"],
    [f.alice.environment_id, "env_ghostghostghostghostghost0"],
    [f.alice.vault_id, "vlt_ghostghostghostghostghost0"],
    [f.session, "sesn_ghostghostghostghostghost0"],
    [f.credential, "vcrd_ghostghostghostghostghost0"],
    [`${f.planeA.name}-alice`, "ghost-model-name"],
    [f.planeA.name, "ghost-plane"],
    ["/members/alice", "/members/ghostmember"],
    [f.alice.id, "pmem_ghostghostghostghostghost0"],
  ];
  let text = JSON.stringify(probe);
  const back: Array<[string, string]> = [];
  for (const [real, ghost] of swaps) {
    if (text.includes(real)) back.push([ghost, real]);
    text = text.split(real).join(ghost);
  }
  return { ...(JSON.parse(text) as Probe), unghost: back } as Probe & { unghost: Array<[string, string]> };
}

async function send(probe: Probe, key: string | null): Promise<{ status: number; body: unknown }> {
  const res = await call(probe.path, {
    method: probe.method,
    key,
    body: probe.body ?? (probe.method === "POST" ? {} : undefined),
    headers: probe.headers,
  });
  // A stream that opened is a failure in itself; do not wait for it to end.
  if (res.headers.get("content-type")?.includes("text/event-stream")) {
    await res.body?.cancel();
    return { status: res.status, body: "<event stream>" };
  }
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}

/** The answer with request-specific noise removed and ghost ids mapped back, for comparison. */
function normalised(body: unknown, unghost: Array<[string, string]> = []): string {
  let text = JSON.stringify(body, (k, v) => (k === "request_id" ? undefined : v));
  for (const [ghost, real] of unghost) text = text.split(ghost).join(real);
  return text;
}

const callers = () =>
  [
    { who: "another member of the same plane", key: f.bob.token, allowed: [403, 404] },
    { who: "another plane's admin", key: f.planeB.admin_token, allowed: [403, 404] },
    { who: "a removed member's revoked token", key: f.carolToken, allowed: [401] },
    { who: "no credential", key: null, allowed: [401] },
  ] as const;

describe("plane isolation matrix", () => {
  it("nobody else reaches alice's things, and nothing of hers leaks", { timeout: 60_000 }, async () => {
    const failures: string[] = [];
    let checked = 0;
    for (const caller of callers()) {
      for (const probe of probes()) {
        const res = await send(probe, caller.key);
        const label = `${caller.who}: ${probe.method} ${probe.path} → ${res.status}`;
        checked++;
        const listOk = probe.list && res.status === 200 && caller.key !== null && caller.key !== f.carolToken;
        if (!listOk && !(caller.allowed as readonly number[]).includes(res.status)) {
          failures.push(
            `${label}: expected one of ${caller.allowed.join("/")} ${JSON.stringify(res.body).slice(0, 200)}`,
          );
          continue;
        }
        // Nothing of alice's in the answer, beyond what the caller itself sent.
        const sent = JSON.stringify(probe);
        const text = JSON.stringify(res.body);
        for (const mark of aliceMarks(caller.key === f.bob.token)) {
          if (!sent.includes(mark) && text.includes(mark)) failures.push(`${label}: leaked ${mark}`);
        }
        // A refusal looks exactly like the answer about something that does not exist.
        if (!listOk) {
          const ghost = ghostOf(probe) as Probe & { unghost: Array<[string, string]> };
          if (JSON.stringify(ghost) !== JSON.stringify({ ...probe, unghost: [] })) {
            const other = await send(ghost, caller.key);
            if (
              other.status !== res.status ||
              normalised(other.body, ghost.unghost) !== normalised(res.body)
            ) {
              failures.push(
                `${label}: differs from a non-existent target (${other.status} ${normalised(other.body, ghost.unghost).slice(0, 160)} vs ${normalised(res.body).slice(0, 160)})`,
              );
            }
          }
        }
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBe(callers().length * probes().length);
  });

  it("left alice's things untouched, and her own token still reaches them", async () => {
    const { alice } = f;
    const agent = await callJson(`/v1/agents/${alice.agent_id}`, { key: alice.token });
    expect(agent.body).toMatchObject({ version: 1, archived_at: null, system: "You help the team." });
    const session = await callJson(`/v1/sessions/${f.session}`, { key: alice.token });
    expect(session.body).toMatchObject({ status: "idle", title: null, archived_at: null });
    const events = await callJson(`/v1/sessions/${f.session}/events`, { key: alice.token });
    expect(events.body.data).toEqual([]);
    const creds = await callJson(`/v1/vaults/${alice.vault_id}/credentials`, { key: alice.token });
    expect(creds.body.data.map((c: { id: string }) => c.id)).toEqual([f.credential]);
    expect(JSON.stringify(creds.body)).not.toContain(f.secret);
    const member = await callJson(`/v1/planes/${f.planeA.id}/members/alice`);
    expect(member.body.status).toBe("active");
    const planes = await callJson("/v1/planes?limit=1000");
    expect(planes.body.data.map((p: { name: string }) => p.name)).not.toContain("evil-plane");
    const members = await callJson(`/v1/planes/${f.planeA.id}/members`);
    expect(members.body.data.map((m: { name: string }) => m.name)).toEqual(["alice", "bob"]);
  });

  it("a plane admin oversees its plane without reaching secrets or the ordinary API", async () => {
    const key = f.planeA.admin_token;
    for (const path of [
      `/v1/vaults/${f.alice.vault_id}`,
      `/v1/vaults/${f.alice.vault_id}/credentials`,
      `/v1/vaults/${f.alice.vault_id}/credentials/${f.credential}`,
      `/v1/sessions/${f.session}`,
      `/v1/sessions/${f.session}/events`,
      `/v1/agents/${f.alice.agent_id}`,
      "/v1/api_keys",
    ]) {
      const res = await callJson(path, { key });
      expect(res.status, path).toBe(403);
    }
    const logs = await callJson(`/v1/planes/${f.planeA.id}/members/alice/logs`, { key });
    expect(logs.status).toBe(200);
    const status = await callJson(`/v1/planes/${f.planeA.id}/status`, { key });
    expect(status.status).toBe(200);
    expect(JSON.stringify([logs.body, status.body])).not.toContain(f.secret);

    // Its audit view is its own plane's rows only.
    const mine = await callJson("/v1/audit?limit=1000", { key });
    expect(mine.status).toBe(200);
    expect(mine.body.data.length).toBeGreaterThan(0);
    const otherPlane = await callJson("/v1/audit?limit=1000", { key: f.planeB.admin_token });
    const otherText = JSON.stringify(otherPlane.body);
    for (const mark of aliceMarks()) expect(otherText).not.toContain(mark);
    const all = await callJson("/v1/audit?limit=1000");
    expect(all.body.data.length).toBeGreaterThan(mine.body.data.length);
  });

  it("a member reaches its own things with its token", async () => {
    const { bob } = f;
    const s = await memberSession(bob);
    expect(
      (await callJson(`/v1/sessions/${s.id}/events`, { key: bob.token, body: message("hi") })).status,
    ).toBe(200);
    expect((await callJson(`/v1/models/${bob.agent_id}`, { key: bob.token })).status).toBe(200);
    expect((await callJson(`/v1/vaults/${bob.vault_id}/credentials`, { key: bob.token })).status).toBe(200);
    expect((await callJson(`/v1/sessions/${s.id}/archive`, { method: "POST", key: bob.token })).status).toBe(
      200,
    );
  });
});
