/**
 * Session threads through the official `@anthropic-ai/sdk` (`beta.sessions.threads.*`), unchanged.
 * These tests have no runtime: a child thread is planted by the session object's own thread
 * coordinator, as a sub-agent spawn makes one (test/runtime/threads.test.ts drives a real one).
 */

import { runInDurableObject } from "cloudflare:test";
import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import type { SessionEventBody } from "../../src/schemas/session-events";
import type { SessionDO } from "../../src/session/session-do";
import type { SessionThreads } from "../../src/session/session-threads";
import { anthropicClient, callJson } from "../helpers/api";
import { sessionObject } from "../helpers/session-object";

const client = anthropicClient();

async function newSession() {
  const agent = await client.beta.agents.create({
    name: "Lead",
    model: "claude-sonnet-4-6",
    system: "Delegate.",
  });
  const environment = await client.beta.environments.create({ name: `threads-${crypto.randomUUID()}` });
  return client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
}

interface Inside {
  threads: SessionThreads;
  emit: (body: SessionEventBody, id?: string, threadId?: string) => unknown;
}

/** Runs `fn` inside the session's object, with its thread coordinator. */
function inside<T>(sessionId: string, fn: (o: Inside) => T): Promise<T> {
  return runInDurableObject(sessionObject(sessionId), (instance: SessionDO) => {
    const o = instance as unknown as Inside;
    return fn({ threads: o.threads, emit: o.emit.bind(instance) });
  });
}

/** A child of the primary thread running a "Researcher" inline agent, handed `task`. */
function plantChild(sessionId: string, task: string) {
  return inside(sessionId, ({ threads }) => {
    const primary = threads.primary();
    const child = threads.spawn({
      parent: primary,
      agent: { ...primary.agent, type: "inline", name: "Researcher" } as never,
      runtimeKey: `agent:main:subagent:${crypto.randomUUID()}`,
      task,
    });
    return { primaryId: primary.id, childId: child.id };
  });
}

describe("an agent's sub-agent caps", () => {
  it("stores timeout_seconds with the other caps, and refuses one out of range by its path", async () => {
    const multiagent = {
      type: "multiagent_20261001",
      subagents: { type: "enabled", max_concurrent: 2, timeout_seconds: 120 },
    };
    const agent = await client.beta.agents.create({
      name: "Timed",
      model: "claude-sonnet-4-6",
      multiagent,
    } as never);
    expect((agent as unknown as { multiagent: { subagents: unknown } }).multiagent.subagents).toMatchObject({
      max_concurrent: 2,
      timeout_seconds: 120,
    });
    const refused = await callJson("/v1/agents", {
      body: {
        name: "Untimed",
        model: "claude-sonnet-4-6",
        multiagent: { ...multiagent, subagents: { type: "enabled", timeout_seconds: 0 } },
      },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details.errors.map((e: { path: string }) => e.path)).toEqual([
      "multiagent.subagents.timeout_seconds",
    ]);
  });
});

describe("@anthropic-ai/sdk beta.sessions.threads", () => {
  it("lists the primary thread of a new session, with the session's agent", async () => {
    const session = await newSession();
    const threads = [];
    for await (const t of client.beta.sessions.threads.list(session.id)) threads.push(t);
    expect(threads).toHaveLength(1);
    const [primary] = threads;
    expect(primary).toMatchObject({
      id: expect.stringMatching(/^sthr_/),
      type: "session_thread",
      session_id: session.id,
      parent_thread_id: null,
      status: "idle",
      workflow_run_id: null,
      archived_at: null,
      agent: { type: "agent", id: session.agent.id, version: 1, name: "Lead", system: "Delegate." },
    });
    // Stable: the same id every time.
    const again = await client.beta.sessions.threads.retrieve(primary!.id, { session_id: session.id });
    expect(again.id).toBe(primary!.id);
  });

  it("shows a spawned child: parent stream lifecycle, thread list, retrieve, its own events", async () => {
    const session = await newSession();
    const parentStream = await client.beta.sessions.events.stream(session.id);
    const { primaryId, childId } = await plantChild(session.id, "find the answer");

    const seen: Array<Record<string, unknown>> = [];
    for await (const event of parentStream) {
      seen.push(event as never);
      if (seen.length === 3) break;
    }
    // The primary's log holds the child's lifecycle; the child's `session.status_running` is in
    // the child's own stream.
    expect(seen.map((e) => e.type)).toEqual([
      "session.thread_created",
      "agent.thread_message_sent",
      "session.thread_status_running",
    ]);
    expect(seen[0]).toEqual({
      id: expect.stringMatching(/^sevt_/),
      type: "session.thread_created",
      session_thread_id: childId,
      agent_name: "Researcher",
      workflow_run_id: null,
      processed_at: expect.any(String),
    });
    expect(seen[1]).toMatchObject({
      type: "agent.thread_message_sent",
      to_session_thread_id: childId,
      to_agent_name: "Researcher",
      content: [{ type: "text", text: "find the answer" }],
    });
    expect(seen[2]).toMatchObject({ type: "session.thread_status_running", session_thread_id: childId });

    const listed = [];
    for await (const t of client.beta.sessions.threads.list(session.id)) listed.push(t);
    expect(listed.map((t) => [t.id, t.parent_thread_id, t.status])).toEqual([
      [primaryId, null, "idle"],
      [childId, primaryId, "running"],
    ]);
    const running = [];
    for await (const t of client.beta.sessions.threads.list(session.id, { statuses: ["running"] }))
      running.push(t.id);
    expect(running).toEqual([childId]);

    const child = await client.beta.sessions.threads.retrieve(childId, { session_id: session.id });
    expect(child.agent).toMatchObject({ type: "inline", name: "Researcher" });
    expect(child.usage).toBeNull(); // not idle yet
    expect(child.stats).toMatchObject({ startup_seconds: 0 });

    // The child's log: the task it received and its own running status; none of the parent's.
    const childEvents = [];
    for await (const e of client.beta.sessions.threads.events.list(childId, { session_id: session.id })) {
      childEvents.push(e);
    }
    expect(childEvents.map((e) => e.type)).toEqual([
      "agent.thread_message_received",
      "session.status_running",
    ]);
    expect(childEvents[0]).toMatchObject({ from_session_thread_id: primaryId, from_agent_name: "Lead" });
    // …and the session's own history has none of the child's.
    const sessionTypes = [];
    for await (const e of client.beta.sessions.events.list(session.id)) sessionTypes.push(e.type);
    expect(sessionTypes).not.toContain("agent.thread_message_received");
    expect(sessionTypes).not.toContain("session.status_running");
  });

  it("streams a child's events live and resumes after Last-Event-ID", async () => {
    const session = await newSession();
    const { childId } = await plantChild(session.id, "count");
    const stream = await client.beta.sessions.threads.events.stream(childId, { session_id: session.id });
    await inside(session.id, ({ emit }) => {
      emit({ type: "agent.message", content: [{ type: "text", text: "one" }] }, undefined, childId);
      emit({ type: "agent.message", content: [{ type: "text", text: "two" }] }, undefined, childId);
      // The primary's own event never reaches the child's stream.
      emit({ type: "agent.message", content: [{ type: "text", text: "primary" }] });
      emit({ type: "agent.message", content: [{ type: "text", text: "three" }] }, undefined, childId);
    });
    const live: Array<{ id: string; type: string; content?: Array<{ text: string }> }> = [];
    for await (const event of stream) {
      live.push(event as never);
      if (live.length === 3) break;
    }
    expect(live.map((e) => e.content?.[0]?.text)).toEqual(["one", "two", "three"]);

    // Reconnect after "one": exactly "two" and "three" come back, nothing twice.
    const resumed = await client.beta.sessions.threads.events.stream(
      childId,
      { session_id: session.id },
      { headers: { "last-event-id": live[0]!.id } },
    );
    const replay: string[] = [];
    for await (const event of resumed) {
      replay.push((event as { content: Array<{ text: string }> }).content[0]!.text);
      if (replay.length === 2) break;
    }
    expect(replay).toEqual(["two", "three"]);
  });

  it("archives a child: terminated, on the parent stream, usage shown; the primary cannot be", async () => {
    const session = await newSession();
    const { primaryId, childId } = await plantChild(session.id, "work");
    const archived = await client.beta.sessions.threads.archive(childId, { session_id: session.id });
    expect(archived.status).toBe("terminated");
    expect(archived.archived_at).not.toBeNull();
    expect(archived.usage).toMatchObject({ input_tokens: 0, output_tokens: 0 });
    const types = [];
    for await (const e of client.beta.sessions.events.list(session.id)) types.push(e.type);
    expect(types).toContain("session.thread_status_terminated");
    // Archiving again changes nothing.
    const again = await client.beta.sessions.threads.archive(childId, { session_id: session.id });
    expect(again.archived_at).toBe(archived.archived_at);

    const refused = await client.beta.sessions.threads
      .archive(primaryId, { session_id: session.id })
      .catch((e) => e);
    expect(refused).toBeInstanceOf(Anthropic.BadRequestError);
    expect(refused.errorCode).toBe("primary_thread");
  });

  it("answers an unknown thread or session with the 404 envelope", async () => {
    const session = await newSession();
    const missing = await client.beta.sessions.threads
      .retrieve("sthr_nope", { session_id: session.id })
      .catch((e) => e);
    expect(missing).toBeInstanceOf(Anthropic.NotFoundError);
    expect(missing.errorCode).toBe("thread_not_found");
    const stream = await callJson(`/v1/sessions/${session.id}/threads/sthr_nope/stream`);
    expect(stream.status).toBe(404);
    expect(stream.body.error.details.error_code).toBe("thread_not_found");
    const noSession = await callJson("/v1/sessions/sesn_nope/threads");
    expect(noSession.status).toBe(404);
    const badStatus = await callJson(`/v1/sessions/${session.id}/threads?statuses[]=sleeping`);
    expect(badStatus.status).toBe(400);
    expect(badStatus.body.error.message).toContain("statuses[]");
  });
});

describe("context compaction (agent.thread_context_compacted)", () => {
  /** OpenClaw's frame for a completed explicit compaction of `sessionKey` (sessions.compact). */
  const compactedFrame = (sessionKey: string) => ({
    type: "event",
    event: "session.operation",
    payload: {
      operationId: crypto.randomUUID(),
      operation: "compact",
      phase: "end",
      sessionKey,
      completed: true,
    },
  });
  /** Hands `frame` to the session object as its runtime link would. */
  const fromGateway = (sessionId: string, frame: unknown) =>
    runInDurableObject(sessionObject(sessionId), (instance: SessionDO) =>
      (instance as unknown as { onGatewayEvent(f: unknown): void }).onGatewayEvent(frame),
    );
  const typesOf = async (events: AsyncIterable<{ type: string }>) => {
    const out: Array<Record<string, unknown>> = [];
    for await (const e of events) out.push(e as never);
    return out.filter((e) => e.type === "agent.thread_context_compacted");
  };

  it("a child's compaction: in its own stream, and in the parent's naming the thread", async () => {
    const session = await newSession();
    const { childId } = await plantChild(session.id, "read a lot");
    const runtimeKey = await inside(session.id, ({ threads }) => threads.book.get(childId)?.runtimeKey);
    await fromGateway(session.id, compactedFrame(runtimeKey!));

    const parent = await typesOf(client.beta.sessions.events.list(session.id));
    expect(parent).toEqual([
      {
        id: expect.stringMatching(/^sevt_/),
        type: "agent.thread_context_compacted",
        session_thread_id: childId,
        processed_at: expect.any(String),
      },
    ]);
    const own = await typesOf(client.beta.sessions.threads.events.list(childId, { session_id: session.id }));
    expect(own).toEqual([
      {
        id: expect.stringMatching(/^sevt_/),
        type: "agent.thread_context_compacted",
        processed_at: expect.any(String),
      },
    ]);
  });

  it("the session's own compaction: in its stream, without a thread; another key's is not its", async () => {
    const session = await newSession();
    await fromGateway(session.id, compactedFrame("agent:main:someone-else"));
    await fromGateway(session.id, compactedFrame(`agent:main:${session.id.toLowerCase()}`));
    const events = await typesOf(client.beta.sessions.events.list(session.id));
    expect(events).toEqual([
      {
        id: expect.stringMatching(/^sevt_/),
        type: "agent.thread_context_compacted",
        processed_at: expect.any(String),
      },
    ]);
  });
});

describe("stopping child threads", () => {
  const threadStatus = (sessionId: string, threadId: string) =>
    client.beta.sessions.threads.retrieve(threadId, { session_id: sessionId }).then((t) => t.status);

  it("user.interrupt stops every running child: each goes idle, told on the parent stream", async () => {
    const session = await newSession();
    const a = await plantChild(session.id, "a");
    const b = await plantChild(session.id, "b");
    await client.beta.sessions.events.send(session.id, { events: [{ type: "user.interrupt" }] });
    await expect.poll(() => threadStatus(session.id, a.childId)).toBe("idle");
    await expect.poll(() => threadStatus(session.id, b.childId)).toBe("idle");
    const idles = [];
    for await (const e of client.beta.sessions.events.list(session.id, {
      types: ["session.thread_status_idle"],
    } as never))
      idles.push(e);
    expect(idles.map((e) => (e as { session_thread_id: string }).session_thread_id).sort()).toEqual(
      [a.childId, b.childId].sort(),
    );
    expect(idles[0]).toMatchObject({
      stop_reason: { type: "end_turn" },
      stop_details: null,
      agent_name: "Researcher",
    });
    // Idle once: the child's usage is now shown.
    const child = await client.beta.sessions.threads.retrieve(a.childId, { session_id: session.id });
    expect(child.usage).toMatchObject({ input_tokens: 0, output_tokens: 0 });
  });

  it("user.interrupt naming one child stops that child only; an unknown thread is refused", async () => {
    const session = await newSession();
    const a = await plantChild(session.id, "a");
    const b = await plantChild(session.id, "b");
    await client.beta.sessions.events.send(session.id, {
      events: [{ type: "user.interrupt", session_thread_id: a.childId }],
    });
    await expect.poll(() => threadStatus(session.id, a.childId)).toBe("idle");
    expect(await threadStatus(session.id, b.childId)).toBe("running");

    const refused = await callJson(`/v1/sessions/${session.id}/events`, {
      body: { events: [{ type: "user.interrupt", session_thread_id: "sthr_unknown" }] },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details.errors).toEqual([
      { path: "events.0.session_thread_id", message: "no thread with this id in this session" },
    ]);
    const echoes = [];
    for await (const e of client.beta.sessions.events.list(session.id))
      if (e.type === "user.interrupt") echoes.push(e);
    expect(echoes).toHaveLength(1); // nothing stored from the refused request
  });

  it("archiving the session terminates its children", async () => {
    const session = await newSession();
    const { childId } = await plantChild(session.id, "work");
    await client.beta.sessions.archive(session.id);
    expect(await threadStatus(session.id, childId)).toBe("terminated");
    const types = [];
    for await (const e of client.beta.sessions.events.list(session.id)) types.push(e.type);
    // The child ends before the session does: the session's terminated status is the last word.
    expect(types.slice(-2)).toEqual(["session.thread_status_terminated", "session.status_terminated"]);
  });

  it("a runtime lost while a child runs ends the child terminated, with the reason in its stream", async () => {
    const session = await newSession();
    const { childId } = await plantChild(session.id, "long job");
    await inside(session.id, ({ threads }) => threads.runtimeLost("gateway connection closed (test)"));
    expect(await threadStatus(session.id, childId)).toBe("terminated");
    const events = [];
    for await (const e of client.beta.sessions.threads.events.list(childId, { session_id: session.id }))
      events.push(e);
    expect(events.slice(-2)).toMatchObject([
      {
        type: "session.error",
        error: {
          type: "unknown_error",
          retry_status: { type: "terminal" },
          message: expect.stringContaining("runtime stopped"),
        },
      },
      { type: "session.status_terminated" },
    ]);
    // The session itself is untouched and takes new work.
    expect((await client.beta.sessions.retrieve(session.id)).status).toBe("idle");
  });
});
