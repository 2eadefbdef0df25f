/** The typed client against the real Worker: CRUD on every resource, and pagination. */
import { describe, expect, it } from "vitest";
import { Clawplane, collect, Page } from "../src/index";
import { BASE_URL, client, fixture, message, workerFetch } from "./helpers";

describe("Clawplane client", () => {
  const c = client();

  it("creates, reads, updates, versions and archives agents", async () => {
    const agent = await c.agents.create({
      name: "Support",
      model: "claude-sonnet-4-6",
      metadata: { team: "a" },
    });
    expect(agent).toMatchObject({ type: "agent", version: 1, model: { id: "claude-sonnet-4-6" } });
    const v2 = await c.agents.update(agent.id, { version: 1, system: "Be brief." });
    expect(v2.version).toBe(2);
    expect((await c.agents.retrieve(agent.id, { version: 1 })).system).toBeNull();
    expect((await c.agents.retrieve(agent.id)).system).toBe("Be brief.");
    const versions = await collect(await c.agents.versions.list(agent.id));
    expect(versions.map((v) => v.version)).toEqual([2, 1]);
    expect((await c.agents.archive(agent.id)).archived_at).not.toBeNull();
  });

  it("manages environments", async () => {
    const name = `env-${crypto.randomUUID()}`;
    const env = await c.environments.create({
      name,
      config: { type: "cloud", networking: { type: "unrestricted" } },
    });
    expect(env).toMatchObject({ type: "environment", name, config: { type: "cloud" } });
    expect((await c.environments.update(env.id, { description: "d" })).description).toBe("d");
    expect((await c.environments.retrieve(env.id)).id).toBe(env.id);
    const listed = await collect(await c.environments.list({ limit: 1000 }));
    expect(listed.map((e) => e.id)).toContain(env.id);
    expect((await c.environments.archive(env.id)).archived_at).not.toBeNull();
    expect(await c.environments.delete(env.id)).toEqual({ id: env.id, type: "environment_deleted" });
  });

  it("runs sessions: create, list, update, send, list events, archive, delete", async () => {
    const { agent, environment } = await fixture(c);
    const session = await c.sessions.create({ agent: agent.id, environment_id: environment.id, title: "t" });
    expect(session).toMatchObject({ type: "session", status: "idle", title: "t" });
    const mine = await c.sessions.list({ agent_id: agent.id });
    expect(mine.data.map((s) => s.id)).toEqual([session.id]);
    expect((await c.sessions.update(session.id, { metadata: { k: "v" } })).metadata).toEqual({ k: "v" });

    const sent = await c.sessions.events.send(session.id, message("hello"));
    expect(sent).toEqual([expect.objectContaining({ type: "user.message", processed_at: null })]);
    const messages = await c.sessions.events.list(session.id, { "types[]": "user.message" });
    expect(messages.data.map((e) => e.id)).toEqual([sent[0]!.id]);

    expect((await c.sessions.retrieve(session.id)).id).toBe(session.id);
    expect((await c.sessions.archive(session.id)).archived_at).not.toBeNull();
    expect(await c.sessions.delete(session.id)).toEqual({ id: session.id, type: "session_deleted" });
  });

  it("reads a session's threads: the primary thread, its events, and refuses to archive it", async () => {
    const { agent, environment } = await fixture(c);
    const session = await c.sessions.create({ agent: agent.id, environment_id: environment.id });
    const threads = await c.sessions.threads.list(session.id, { "statuses[]": "idle" });
    expect(threads.data).toEqual([
      expect.objectContaining({ type: "session_thread", session_id: session.id, parent_thread_id: null }),
    ]);
    const primary = threads.data[0]!;
    expect((await c.sessions.threads.retrieve(session.id, primary.id)).agent).toMatchObject({ id: agent.id });
    const sent = await c.sessions.events.send(session.id, message("hello"));
    // The primary thread's events are the session's own.
    const events = await c.sessions.threads.events(session.id, primary.id, { "types[]": "user.message" });
    expect(events.data.map((e) => e.id)).toEqual([sent[0]!.id]);
    const refused = await c.sessions.threads.archive(session.id, primary.id).catch((e) => e);
    expect(refused).toMatchObject({ status: 400, code: "primary_thread" });
  });

  it("creates, lists and revokes API keys, and the new key works", async () => {
    const created = await c.apiKeys.create({ name: "sdk test", scopes: ["read"] });
    expect(created.key).toMatch(/^cpk_/);
    const asKey = new Clawplane({ baseURL: BASE_URL, apiKey: created.key, fetch: workerFetch });
    expect(Array.isArray((await asKey.agents.list({ limit: 1 })).data)).toBe(true);
    expect((await c.apiKeys.retrieve(created.id)).scopes).toEqual(["read"]);
    expect((await c.apiKeys.revoke(created.id)).revoked_at).not.toBeNull();
    const all = await collect(await c.apiKeys.list({ include_revoked: true, limit: 1000 }));
    expect(all.map((k) => k.id)).toContain(created.id);
  });

  it("reads the audit log with filters", async () => {
    const agent = await c.agents.create({ name: "Audited", model: "claude-sonnet-4-6" });
    const page = await c.audit.list({
      action: "agents.*",
      target: agent.id,
      since: new Date(Date.now() - 60_000),
    });
    expect(page.data).toEqual([
      expect.objectContaining({ action: "agents.create", target: agent.id, outcome: "success" }),
    ]);
  });

  it("iterates every item across pages, following next_page", async () => {
    const tag = crypto.randomUUID();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await c.agents.create({ name: `p${i}`, model: "claude-sonnet-4-6", metadata: { tag } })).id);
    }
    const first = await c.agents.list({ limit: 2 });
    expect(first).toBeInstanceOf(Page);
    expect(first.data).toHaveLength(2);
    expect(first.hasNextPage()).toBe(true);
    const seen: string[] = [];
    let pages = 0;
    for await (const page of first.pages()) {
      pages++;
      seen.push(...page.data.filter((a) => a.metadata.tag === tag).map((a) => a.id));
    }
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(seen).toEqual([...ids].reverse());
    const iterated: string[] = [];
    for await (const a of first) if (a.metadata.tag === tag) iterated.push(a.id);
    expect(iterated).toEqual(seen);
  });

  it("takes the key and base URL from the environment when not given", () => {
    const proc = globalThis.process;
    const saved = { ...proc.env };
    proc.env.CLAWPLANE_API_KEY = "from-env";
    proc.env.CLAWPLANE_BASE_URL = "http://env.example";
    try {
      expect(new Clawplane({ fetch: workerFetch }).baseURL).toBe("http://env.example");
      delete proc.env.CLAWPLANE_API_KEY;
      expect(() => new Clawplane({ fetch: workerFetch })).toThrow(/CLAWPLANE_API_KEY/);
    } finally {
      proc.env = saved;
    }
  });
});
