/**
 * Sessions through the Worker in workerd, without an agent runtime (these tests set no
 * LOCAL_AGENT_ORIGIN): the session API, its event log and stream, and what a user sees when the
 * runtime cannot start. Conversations with a real OpenClaw gateway are in test/runtime/.
 */
import { env as bindings } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sessionClient } from "../../src/session/stub";
import { call, callJson, MINIMAL_AGENT } from "../helpers/api";
import { SseReader } from "../helpers/sse";

async function fixture() {
  const agent = (await callJson("/v1/agents", { body: { ...MINIMAL_AGENT, system: "Be brief." } })).body;
  const env = (await callJson("/v1/environments", { body: { name: `sessions-${crypto.randomUUID()}` } }))
    .body;
  return { agent, env };
}

async function newSession(extra: Record<string, unknown> = {}) {
  const { agent, env } = await fixture();
  const res = await callJson("/v1/sessions", { body: { agent: agent.id, environment_id: env.id, ...extra } });
  expect(res.status).toBe(200);
  return { session: res.body, agent, env };
}

const message = (text: string) => ({ events: [{ type: "user.message", content: [{ type: "text", text }] }] });

describe("sessions", () => {
  it("creates an idle session with a snapshot of the agent", async () => {
    const { session, agent, env } = await newSession({ title: "first", metadata: { team: "qa" } });
    expect(session).toMatchObject({
      id: expect.stringMatching(/^sesn_/),
      type: "session",
      status: "idle",
      environment_id: env.id,
      title: "first",
      metadata: { team: "qa" },
      vault_ids: [],
      resources: [],
      archived_at: null,
      agent: {
        id: agent.id,
        type: "agent",
        version: 1,
        name: "Support",
        system: "Be brief.",
        model: { id: "claude-sonnet-4-6" },
      },
      usage: { input_tokens: 0, output_tokens: 0 },
    });
    expect((await callJson(`/v1/sessions/${session.id}`)).body).toEqual(session);
  });

  it("pins a version and applies overrides", async () => {
    const { agent, env } = await fixture();
    await callJson(`/v1/agents/${agent.id}`, { body: { system: "v2" } });
    const pinned = await callJson("/v1/sessions", {
      body: { agent: { type: "agent", id: agent.id, version: 1 }, environment_id: env.id },
    });
    expect(pinned.body.agent).toMatchObject({ version: 1, system: "Be brief." });
    const latest = await callJson("/v1/sessions", { body: { agent: agent.id, environment_id: env.id } });
    expect(latest.body.agent).toMatchObject({ version: 2, system: "v2" });
    const overridden = await callJson("/v1/sessions", {
      body: {
        agent: { type: "agent_with_overrides", id: agent.id, system: "override", model: "claude-opus-4-8" },
        environment_id: env.id,
      },
    });
    expect(overridden.body.agent).toMatchObject({ system: "override", model: { id: "claude-opus-4-8" } });
  });

  it("refuses archived agents and environments, and unknown ones", async () => {
    const { agent, env } = await fixture();
    await callJson(`/v1/agents/${agent.id}/archive`, { method: "POST" });
    const archivedAgent = await callJson("/v1/sessions", {
      body: { agent: agent.id, environment_id: env.id },
    });
    expect(archivedAgent.status).toBe(400);
    expect(archivedAgent.body.error.details.error_code).toBe("agent_archived");

    const fresh = await fixture();
    await callJson(`/v1/environments/${fresh.env.id}/archive`, { method: "POST" });
    const archivedEnv = await callJson("/v1/sessions", {
      body: { agent: fresh.agent.id, environment_id: fresh.env.id },
    });
    expect(archivedEnv.body.error.details.error_code).toBe("environment_archived");

    const noAgent = await callJson("/v1/sessions", {
      body: { agent: "agent_nope", environment_id: fresh.env.id },
    });
    expect(noAgent.body.error.details.error_code).toBe("agent_not_found");
    const noEnv = await callJson("/v1/sessions", {
      body: { agent: fresh.agent.id, environment_id: "env_nope" },
    });
    expect(noEnv.body.error.details.error_code).toBe("environment_not_found");
    const live = await fixture();
    const vault = await callJson("/v1/sessions", {
      body: { agent: live.agent.id, environment_id: live.env.id, vault_ids: ["vlt_x"] },
    });
    expect(vault.status).toBe(404);
    expect(vault.body.error.details.error_code).toBe("vault_not_found");
    expect(vault.body.error.details.errors[0].path).toBe("vault_ids.0");
    // A live vault binds (test/integration/session-vaults.test.ts covers binding in full).
    const real = (await callJson("/v1/vaults", { body: { display_name: "for a session" } })).body;
    const bound = await callJson("/v1/sessions", {
      body: { agent: live.agent.id, environment_id: live.env.id, vault_ids: [real.id] },
    });
    expect(bound.status).toBe(200);
    expect(bound.body.vault_ids).toEqual([real.id]);
  });

  it("accepts a message at once, and reports a runtime that cannot start as session.error, then recovers", async () => {
    const { session } = await newSession();
    const stream = new SseReader(await call(`/v1/sessions/${session.id}/events/stream`));
    const sent = await callJson(`/v1/sessions/${session.id}/events`, { body: message("hello") });
    expect(sent.status).toBe(200);
    expect(sent.body.data).toEqual([
      {
        id: expect.stringMatching(/^sevt_/),
        type: "user.message",
        content: [{ type: "text", text: "hello" }],
        processed_at: null,
      },
    ]);

    const error = await stream.until((f) => f.event === "session.error");
    expect(error.data.error.message).toContain("LOCAL_AGENT_ORIGIN");
    expect(error.data.error.retry_status).toEqual({ type: "exhausted" });
    const idle = await stream.until((f) => f.event === "session.status_idle");
    expect(idle.data.stop_reason).toEqual({ type: "retries_exhausted" });
    expect(stream.frames.map((f) => f.event)).toEqual([
      "user.message",
      "session.status_running",
      "session.error",
      "session.usage",
      "session.status_idle",
    ]);
    // Every frame carries its id both as the SSE id and in the event.
    expect(stream.frames.every((f) => f.id === f.data.id)).toBe(true);
    await stream.close();

    // The session is not stuck: the next message is taken and tried again.
    const again = await callJson(`/v1/sessions/${session.id}/events`, { body: message("still there?") });
    expect(again.status).toBe(200);
    const history = await callJson(`/v1/sessions/${session.id}/events`);
    expect(history.body.data.filter((e: { type: string }) => e.type === "user.message")).toHaveLength(2);
    expect(history.body.data[0].processed_at).not.toBeNull();
  });

  it("fails a turn at once when no model provider serves the agent's model, naming the model and the setting", async () => {
    // These tests configure a provider for claude-* models only (vitest.config.ts).
    const { env } = await fixture();
    const agent = (await callJson("/v1/agents", { body: { name: "Unserved", model: "mistral-large-2" } }))
      .body;
    const session = (await callJson("/v1/sessions", { body: { agent: agent.id, environment_id: env.id } }))
      .body;
    const stream = new SseReader(await call(`/v1/sessions/${session.id}/events/stream`));
    const sentAt = Date.now();
    await callJson(`/v1/sessions/${session.id}/events`, { body: message("hello") });

    const error = await stream.until((f) => f.event === "session.error");
    expect(error.data.error).toEqual({
      type: "model_request_failed_error",
      message: expect.stringContaining('model "mistral-large-2"'),
      retry_status: { type: "exhausted" },
    });
    expect(error.data.error.message).toContain("LLM_UPSTREAM_BASE_URL");
    const idle = await stream.until((f) => f.event === "session.status_idle");
    // Refused before any runtime was asked for (these tests have none): no wait, no other reason.
    expect(Date.now() - sentAt).toBeLessThan(5_000);
    expect(error.data.error.message).not.toContain("LOCAL_AGENT_ORIGIN");
    expect(idle.data.stop_reason).toEqual({ type: "retries_exhausted" });
    await stream.close();
  });

  it("streams live only by default, and resumes from Last-Event-ID without gaps or duplicates", async () => {
    const { session } = await newSession();
    const first = new SseReader(await call(`/v1/sessions/${session.id}/events/stream`));
    await callJson(`/v1/sessions/${session.id}/events`, { body: message("one") });
    await first.until((f) => f.event === "session.status_idle");
    await first.close();
    const all = first.frames;

    const resumeFrom = all[1]!;
    const resumed = new SseReader(
      await call(`/v1/sessions/${session.id}/events/stream`, {
        headers: { "last-event-id": resumeFrom.id! },
      }),
    );
    await resumed.until((f) => f.event === "session.status_idle");
    await resumed.close();
    expect(resumed.frames.map((f) => f.id)).toEqual(all.slice(2).map((f) => f.id));

    // A plain reconnect replays nothing: an SDK loop that waits for the next idle is not
    // fooled by an earlier turn's.
    const live = new SseReader(await call(`/v1/sessions/${session.id}/events/stream`));
    await callJson(`/v1/sessions/${session.id}/events`, { body: message("two") });
    const next = await live.until((f) => f.event === "user.message");
    expect(next.data.content[0].text).toBe("two");
    await live.close();
  });

  it("lists history with types, order and pagination", async () => {
    const { session } = await newSession();
    const stream = new SseReader(await call(`/v1/sessions/${session.id}/events/stream`));
    for (const text of ["a", "b", "c"])
      await callJson(`/v1/sessions/${session.id}/events`, { body: message(text) });
    await stream.until(
      (f) =>
        f.event === "session.status_idle" &&
        stream.frames.filter((x) => x.event === "session.status_idle").length === 3,
    );
    await stream.close();

    const messages = await callJson(`/v1/sessions/${session.id}/events?types[]=user.message`);
    expect(messages.body.data.map((e: any) => e.content[0].text)).toEqual(["a", "b", "c"]);
    const desc = await callJson(`/v1/sessions/${session.id}/events?types[]=user.message&order=desc`);
    expect(desc.body.data.map((e: any) => e.content[0].text)).toEqual(["c", "b", "a"]);

    const ids: string[] = [];
    let page: string | null = null;
    do {
      const res: any = await callJson(
        `/v1/sessions/${session.id}/events?limit=2${page ? `&page=${page}` : ""}`,
      );
      ids.push(...res.body.data.map((e: any) => e.id));
      page = res.body.next_page;
    } while (page);
    expect(ids).toEqual(stream.frames.map((f) => f.id));
  });

  it("updates title and metadata with a session.updated event", async () => {
    const { session } = await newSession({ metadata: { a: "1", b: "2" } });
    const updated = await callJson(`/v1/sessions/${session.id}`, {
      body: { title: "renamed", metadata: { a: null, c: "3" } },
    });
    expect(updated.body).toMatchObject({ title: "renamed", metadata: { b: "2", c: "3" } });
    const events = await callJson(`/v1/sessions/${session.id}/events?types[]=session.updated`);
    expect(events.body.data[0]).toMatchObject({
      type: "session.updated",
      title: "renamed",
      metadata: { b: "2", c: "3" },
    });
  });

  it("archives (terminated, no more events) and deletes", async () => {
    const { session } = await newSession();
    const archived = await callJson(`/v1/sessions/${session.id}/archive`, { method: "POST" });
    expect(archived.body).toMatchObject({ status: "terminated", archived_at: expect.any(String) });
    const refused = await callJson(`/v1/sessions/${session.id}/events`, { body: message("anyone?") });
    expect(refused.status).toBe(409);
    expect(refused.body.error.details.error_code).toBe("session_terminated");

    const deleted = await callJson(`/v1/sessions/${session.id}`, { method: "DELETE" });
    expect(deleted.body).toEqual({ id: session.id, type: "session_deleted" });
    const gone = await callJson(`/v1/sessions/${session.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error.details.error_code).toBe("session_not_found");
    expect((await callJson(`/v1/sessions/${session.id}/events`)).status).toBe(404);
    expect((await call(`/v1/sessions/${session.id}/events/stream`)).status).toBe(404);
  });

  it("answers the session object's own stream failures in the API's error envelope", async () => {
    const { session } = await newSession();
    const unknown = await sessionClient(bindings, "sesn_never_created").stream(
      new Request("http://session/stream"),
    );
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("content-type")).toBe("application/json");
    expect(await unknown.json()).toMatchObject({
      type: "error",
      error: { type: "not_found_error", details: { error_code: "session_not_found" } },
    });
    const noRoute = await sessionClient(bindings, session.id).stream(new Request("http://session/elsewhere"));
    expect(noRoute.status).toBe(404);
    expect(await noRoute.json()).toMatchObject({ error: { details: { error_code: "not_found" } } });
  });

  it("lists sessions with filters", async () => {
    const { session, agent } = await newSession();
    const byAgent = await callJson(`/v1/sessions?agent_id=${agent.id}`);
    expect(byAgent.body.data.map((s: any) => s.id)).toEqual([session.id]);
    expect(byAgent.body).toHaveProperty("prev_page");
    const idle = await callJson(`/v1/sessions?agent_id=${agent.id}&statuses[]=idle&statuses[]=running`);
    expect(idle.body.data).toHaveLength(1);
    const terminated = await callJson(`/v1/sessions?agent_id=${agent.id}&statuses[]=terminated`);
    expect(terminated.body.data).toHaveLength(0);
  });

  it("answers bad input with the error envelope", async () => {
    const { session } = await newSession();
    const cases: Array<[unknown, string]> = [
      [{ events: [] }, "events"],
      [{ events: [{ type: "user.shout", content: [] }] }, "events.0.type"],
      [{ events: [{ type: "user.message", content: "hi" }] }, "events.0.content"],
      [{ events: [{ type: "user.message", content: [{ type: "text" }] }] }, "events.0.content.0"],
      [{ events: Array.from({ length: 51 }, () => message("x").events[0]) }, "events"],
    ];
    for (const [body, path] of cases) {
      const res = await callJson(`/v1/sessions/${session.id}/events`, { body });
      expect(res.status, JSON.stringify(body).slice(0, 60)).toBe(400);
      expect(res.body.error.details.errors[0].path.startsWith(path)).toBe(true);
    }
    // A batch with one bad event is refused whole: the message before it is not accepted either.
    const confirm = await callJson(`/v1/sessions/${session.id}/events`, {
      body: {
        events: [
          ...message("should not be kept").events,
          { type: "user.tool_confirmation", tool_use_id: "sevt_x", result: "allow" },
        ],
      },
    });
    expect(confirm.status).toBe(400);
    expect(confirm.body.error.details.errors[0].path).toBe("events.1");
    const kept = await callJson(`/v1/sessions/${session.id}/events?types[]=user.message`);
    expect(kept.body.data).toHaveLength(0);
    expect(
      (await callJson("/v1/sessions/sesn_missing/events", { body: message("x") })).body.error.details
        .error_code,
    ).toBe("session_not_found");
    expect((await callJson("/v1/sessions/sesn_missing", { method: "DELETE" })).status).toBe(404);
  });
});
