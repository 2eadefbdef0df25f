/**
 * Sub-agents as session threads with real parts: `wrangler dev`, a real OpenClaw gateway per
 * session (with Clawplane's plugins; the warm pool on, so sessions that may spawn are served by
 * claimed gateways), the LLM proxy and the model double scripted to play the lead agent and the
 * sub-agents it delegates to (told apart by their tasks). Driven with the official Anthropic
 * SDK, `beta.sessions.threads.*` included.
 */
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../helpers/wait";
import { type LocalStack, startLocalStack } from "../support/local-stack.mjs";
import { realUserMessages } from "../support/model-prompt.mjs";
import type { ModelMode, ModelServer } from "../support/model-server.mjs";
import { type SessionEvent, sendAndWait, sendEventsAndWait, sessionLog } from "../support/session-driver";

const ADMIN_KEY = "threads-test-admin-key";
const TURN = { timeoutMs: 240_000 };
/** One warm gateway: the first session claims it, the refill serves a later one. */
const POOL = { min: 1, max: 1 };
/** A pool gateway boots in 20–110 s on a loaded 2-core machine. */
const POOL_READY_MS = 360_000;

let stack: LocalStack;
let model: ModelServer;
let client: Anthropic;
let environmentId: string;
/** Agents: the lead may spawn `reader` (no bash) and `nester` (pinned v1), not `outsider`. */
let reader: { id: string };
let nester: { id: string };
let outsider: { id: string };
let asker: { id: string };
let lead: { id: string };
/** May run one child at a time, each for 5 s at most; inline agents allowed. */
let capped: { id: string };

type AnyEvent = SessionEvent & Record<string, any>;

async function threadEvents(sessionId: string, threadId: string): Promise<AnyEvent[]> {
  const out: AnyEvent[] = [];
  for await (const e of client.beta.sessions.threads.events.list(threadId, { session_id: sessionId }))
    out.push(e as AnyEvent);
  return out;
}

async function sessionEvents(sessionId: string): Promise<AnyEvent[]> {
  return (await client.beta.sessions.events.list(sessionId, { limit: 1000 })).data as AnyEvent[];
}

async function listThreads(sessionId: string) {
  const out = [];
  for await (const t of client.beta.sessions.threads.list(sessionId)) out.push(t);
  return out;
}

const spawn = (agent: string, task: string) => ({ name: "spawn_agent", arguments: { agent, task } });
/** A child that streams for two minutes unless stopped. */
const SLOW: ModelMode = { kind: "slow", chunkDelayMs: 200, chunks: 600 };

/** Scripts the model double: the first rule whose text is in a request's last user message wins. */
function script(...rules: Array<[when: string, mode: ModelMode]>): void {
  model.setMode({ kind: "script", rules: rules.map(([when, mode]) => ({ when, mode })) });
}

const toolNames = (body: { tools?: Array<{ function?: { name?: string } }> }) =>
  (body.tools ?? []).map((t) => t.function?.name);

/** Model requests since `from` whose real user messages hold `marker`. */
const requestsWith = (marker: string, from = 0) =>
  model.requests.slice(from).filter((r) => realUserMessages(r.body).some((m) => m.includes(marker)));

/**
 * Sends `trigger` (scripted to spawn a slow child) and returns the child's thread id once the
 * parent's stream says it runs.
 */
async function delegateSlowly(sessionId: string, trigger: string, task: string): Promise<string> {
  script([trigger, { kind: "tool_call", ...spawn(reader.id, task) }], [task, SLOW]);
  const stream = await client.beta.sessions.events.stream(sessionId);
  await client.beta.sessions.events.send(sessionId, {
    events: [{ type: "user.message", content: [{ type: "text", text: `${trigger} now` }] }],
  });
  try {
    for await (const e of stream as AsyncIterable<AnyEvent>) {
      if (e.type === "session.thread_status_running") return e.session_thread_id as string;
    }
  } finally {
    stream.controller.abort();
  }
  throw new Error("the parent's stream ended before a child ran");
}

beforeAll(async () => {
  stack = await startLocalStack({ adminKey: ADMIN_KEY, providerKey: "provider-key-threads", pool: POOL });
  model = stack.model;
  client = new Anthropic({ apiKey: ADMIN_KEY, baseURL: stack.worker.origin, maxRetries: 0 });
  environmentId = (await client.beta.environments.create({ name: `threads-${Date.now()}` })).id;
  const toolset = (bash: boolean) => ({
    type: "agent_toolset_20260401" as const,
    default_config: { enabled: true, permission_policy: { type: "always_allow" as const } },
    configs: [{ name: "bash" as const, enabled: bash }],
  });
  // Each child agent on a model of its own, none the lead's.
  reader = await client.beta.agents.create({
    name: "Reader",
    model: "claude-haiku-4-5",
    system: "You read files and never run commands.",
    tools: [toolset(false)],
  });
  nester = await client.beta.agents.create({
    name: "Nester",
    model: "claude-opus-4-6",
    tools: [toolset(true)],
    multiagent: {
      type: "multiagent_20261001",
      subagents: { type: "enabled", predefined_agents: [{ type: "self" }], max_depth: 1 },
    },
  } as never);
  outsider = await client.beta.agents.create({ name: "Outsider", model: "claude-sonnet-4-6" });
  asker = await client.beta.agents.create({
    name: "Asker",
    model: "claude-sonnet-4-6",
    tools: [
      {
        type: "agent_toolset_20260401",
        default_config: { enabled: true, permission_policy: { type: "always_allow" } },
        configs: [{ name: "bash", enabled: true, permission_policy: { type: "always_ask" } }],
      },
    ],
  });
  lead = await client.beta.agents.create({
    name: "Lead",
    model: "claude-sonnet-4-6",
    tools: [toolset(true)],
    multiagent: {
      type: "multiagent_20261001",
      subagents: {
        type: "enabled",
        inline_agents: { type: "disabled" },
        predefined_agents: [reader.id, { type: "agent", id: nester.id, version: 1 }, asker.id],
      },
    },
  } as never);
  capped = await client.beta.agents.create({
    name: "Capped",
    model: "claude-sonnet-4-6",
    tools: [toolset(true)],
    multiagent: {
      type: "multiagent_20261001",
      subagents: {
        type: "enabled",
        inline_agents: { type: "enabled" },
        predefined_agents: [reader.id],
        max_concurrent: 1,
        timeout_seconds: 5,
      },
    },
  } as never);
  await waitFor(
    async () =>
      ((await (await fetch(`${stack.supervisor.origin}/pool`)).json()) as { idle: number }).idle >= 1,
    {
      timeoutMs: POOL_READY_MS,
      intervalMs: 1_000,
      what: "the warm pool to fill",
    },
  );
}, POOL_READY_MS + 120_000);

afterAll(async () => {
  await stack?.stop();
});

async function leadSession(agent = lead.id): Promise<string> {
  return (await client.beta.sessions.create({ agent, environment_id: environmentId })).id;
}

describe("sub-agent threads", { timeout: 400_000 }, () => {
  it("runs a child per allowed agent under its own policy, refuses the rest, and rolls usage up", async () => {
    const sessionId = await leadSession();
    script(
      [
        "DELEGATE-ALL",
        {
          kind: "tool_call",
          ...spawn(reader.id, "READER-TASK list the files"),
          also: [spawn(nester.id, "NESTER-TASK go deeper"), spawn(outsider.id, "OUTSIDER-TASK")],
        },
      ],
      // The reader tries bash, which its own definition disables (the lead's allows it).
      ["READER-TASK", { kind: "tool_call", name: "exec", arguments: { command: "echo CHILD-RAN-BASH" } }],
      // The nester, at depth 1 with max_depth 1, tries to spawn itself again.
      ["NESTER-TASK", { kind: "tool_call", ...spawn("self", "DEEPER-TASK") }],
    );
    const before = model.requests.length;
    const turn = (await sendAndWait(client, sessionId, "DELEGATE-ALL please", TURN)) as AnyEvent[];
    model.setMode("normal");
    expect(turn.at(-1)).toMatchObject({ type: "session.status_idle", stop_reason: { type: "end_turn" } });
    // An agent that may spawn is served warm: the thread tools come with the session document.
    // Claimed at create (the session's log holds the span before the message).
    const log = await sessionLog(client, sessionId);
    expect(log.find((e) => e.type === "span.runtime_warm_pool")).toMatchObject({ outcome: "claimed" });
    const leadRequests = requestsWith("DELEGATE-ALL", before);
    expect(toolNames(leadRequests[0]!.body)).toEqual(
      expect.arrayContaining(["spawn_agent", "message_thread"]),
    );

    // Threads: the primary and one child per allowed agent, each naming its parent and agent.
    const threads = await listThreads(sessionId);
    const primary = threads.find((t) => t.parent_thread_id === null)!;
    const byName = new Map(
      threads.filter((t) => t.parent_thread_id).map((t) => [(t.agent as { name: string }).name, t]),
    );
    expect([...byName.keys()].sort()).toEqual(["Nester", "Reader"]);
    for (const t of byName.values()) {
      expect(t).toMatchObject({ parent_thread_id: primary.id, status: "idle" });
    }
    const readerThread = byName.get("Reader")!;
    const nesterThread = byName.get("Nester")!;
    expect(readerThread.agent).toMatchObject({ id: reader.id, version: 1 });
    expect(nesterThread.agent).toMatchObject({ id: nester.id, version: 1 });

    // The parent stream: lifecycle and messages of both children, and the refused outsider.
    const events = await sessionEvents(sessionId);
    const created = events.filter((e) => e.type === "session.thread_created");
    expect(created.map((e) => e.agent_name).sort()).toEqual(["Nester", "Reader"]);
    for (const t of [readerThread, nesterThread]) {
      const types = events.filter((e) => e.session_thread_id === t.id).map((e) => e.type);
      expect(types).toEqual([
        "session.thread_created",
        "session.thread_status_running",
        "session.thread_status_idle",
      ]);
      expect(events).toContainEqual(
        expect.objectContaining({ type: "agent.thread_message_sent", to_session_thread_id: t.id }),
      );
      expect(events).toContainEqual(
        expect.objectContaining({ type: "agent.thread_message_received", from_session_thread_id: t.id }),
      );
    }
    const refused = events.find((e) => e.type === "session.thread_spawn_refused");
    expect(refused).toMatchObject({ requested_agent: outsider.id });
    expect(refused!.reason).toContain("is not one this agent may spawn");
    // The model saw the refusal as the spawn call's result.
    const results = events.filter((e) => e.type === "agent.tool_result");
    expect(results.map((r) => r.content[0].text).join("\n")).toContain("Spawn refused");

    // The reader's own policy: its bash call never ran.
    const readerEvents = await threadEvents(sessionId, readerThread.id);
    expect(readerEvents[0]).toMatchObject({
      type: "agent.thread_message_received",
      from_session_thread_id: primary.id,
      content: [{ type: "text", text: "READER-TASK list the files" }],
    });
    const bash = readerEvents.find((e) => e.type === "agent.tool_use");
    expect(bash).toMatchObject({ name: "bash", evaluated_permission: "deny" });
    const bashResult = readerEvents.find((e) => e.type === "agent.tool_result")!;
    expect(bashResult.content[0].text).not.toContain("CHILD-RAN-BASH");
    expect(bashResult.content[0].text).toContain("disabled for this agent");
    // …and it started from its own instructions.
    const readerRequest = requestsWith("READER-TASK", before)[0];
    expect(realUserMessages(readerRequest!.body).join("\n")).toContain(
      "You read files and never run commands.",
    );
    // Each thread's calls reached the provider with its own agent's model (the double sees
    // what the LLM proxy sent), the two children's at the same time.
    for (const r of leadRequests) expect(r.body.model).toBe("claude-sonnet-4-6");
    for (const r of requestsWith("READER-TASK", before)) expect(r.body.model).toBe("claude-haiku-4-5");
    const nesterRequests = requestsWith("NESTER-TASK", before);
    expect(nesterRequests.length).toBeGreaterThan(0);
    for (const r of nesterRequests) expect(r.body.model).toBe("claude-opus-4-6");

    // Depth cap: the nester's own spawn was refused in its own thread.
    const nesterEvents = await threadEvents(sessionId, nesterThread.id);
    const deeper = nesterEvents.find((e) => e.type === "session.thread_spawn_refused");
    expect(deeper).toMatchObject({ requested_agent: "self" });
    expect(deeper!.reason).toContain("nest at most 1 deep");
    expect(threads).toHaveLength(3); // no grandchild

    // Usage per thread, and the session's total counts the children.
    const session = await client.beta.sessions.retrieve(sessionId);
    const children = await Promise.all(
      [readerThread, nesterThread].map((t) =>
        client.beta.sessions.threads.retrieve(t.id, { session_id: sessionId }),
      ),
    );
    const primaryNow = await client.beta.sessions.threads.retrieve(primary.id, { session_id: sessionId });
    for (const c of children) expect(c.usage!.output_tokens).toBeGreaterThan(0);
    const childOut = children.reduce((n, c) => n + (c.usage?.output_tokens ?? 0), 0);
    // Every model call is metered into the session (so quotas count children): its total is the
    // primary's own calls (its spans) plus each child's.
    const primaryOut = events
      .filter((e) => e.type === "span.model_request_end")
      .reduce((n, e) => n + e.model_usage.output_tokens, 0);
    expect(primaryOut).toBeGreaterThan(0);
    expect(session.usage?.output_tokens).toBe(primaryOut + childOut);
    expect(primaryNow.usage!.output_tokens).toBe(primaryOut);

    // Spawn → the child's first model request and first reply (the README's figure).
    const spawnUse = events.find((e) => e.type === "agent.tool_use" && e.name === "spawn_agent")!;
    const spawnAt = Date.parse(spawnUse.processed_at);
    const firstReaderReply = readerEvents.find((e) => e.type === "agent.tool_use")!;
    console.log(
      `spawn → child's model request ${readerRequest!.receivedAt - spawnAt} ms; → child's first output ${
        Date.parse(firstReaderReply.processed_at) - spawnAt
      } ms`,
    );

    // The thread's stream resumes after Last-Event-ID with exactly what came after.
    const resumed = await client.beta.sessions.threads.events.stream(
      readerThread.id,
      { session_id: sessionId },
      { headers: { "last-event-id": readerEvents[0]!.id } },
    );
    const replay: string[] = [];
    for await (const e of resumed) {
      replay.push((e as { id: string }).id);
      if (replay.length === readerEvents.length - 1) break;
    }
    expect(replay).toEqual(readerEvents.slice(1).map((e) => e.id));
  });

  it("asks the user about a child's always_ask call on the parent stream, naming the thread", async () => {
    const sessionId = await leadSession();
    script(
      ["ASK-DELEGATE", { kind: "tool_call", ...spawn(asker.id, "ASK-TASK") }],
      ["ASK-TASK", { kind: "tool_call", name: "exec", arguments: { command: "echo ASKED-AND-RAN" } }],
    );
    const asked = (await sendAndWait(client, sessionId, "ASK-DELEGATE", TURN)) as AnyEvent[];
    const idle = asked.at(-1)!;
    expect(idle).toMatchObject({ type: "session.status_idle", stop_reason: { type: "requires_action" } });
    const [useId] = idle.stop_reason.event_ids;
    const childId = asked.find((e) => e.type === "session.thread_created")!.session_thread_id;
    // The child's call, cross-posted to the parent's stream with the thread it came from.
    expect(asked.find((e) => e.id === useId)).toMatchObject({
      type: "agent.tool_use",
      name: "bash",
      evaluated_permission: "ask",
      session_thread_id: childId,
    });
    const done = (await sendEventsAndWait(
      client,
      sessionId,
      [{ type: "user.tool_confirmation", tool_use_id: useId, result: "allow" }],
      TURN,
    )) as AnyEvent[];
    model.setMode("normal");
    expect(done.at(-1)).toMatchObject({ type: "session.status_idle", stop_reason: { type: "end_turn" } });
    const childEvents = await threadEvents(sessionId, childId);
    const result = childEvents.find((e) => e.type === "agent.tool_result")!;
    expect(result.content[0].text).toContain("ASKED-AND-RAN");
    expect(result.is_error).toBe(false);
  });

  it("streams a running child live; user.interrupt stops it with the parent", async () => {
    const sessionId = await leadSession();
    const childId = await delegateSlowly(sessionId, "SLOW-DELEGATE", "SLOW-TASK");
    // The child's own stream is live while it runs.
    const live = await client.beta.sessions.threads.events.stream(childId, { session_id: sessionId });
    const interrupted = await sendEventsAndWait(client, sessionId, [{ type: "user.interrupt" }], TURN);
    model.setMode("normal");
    expect(interrupted.at(-1)).toMatchObject({ type: "session.status_idle" });
    const childNow = await client.beta.sessions.threads.retrieve(childId, { session_id: sessionId });
    expect(childNow.status).toBe("idle");
    const seen: string[] = [];
    for await (const e of live) {
      seen.push(e.type);
      if (e.type === "session.status_idle") break;
    }
    expect(seen).toContain("session.status_idle");
    // No model call of the child is still streaming.
    await waitFor(() => model.requests.every((r) => r.outcome !== "pending"), {
      what: "the child's model call to stop",
      timeoutMs: 30_000,
    });
    // The session goes on.
    const next = (await sendAndWait(client, sessionId, "still there?", TURN)) as AnyEvent[];
    expect(next.at(-1)).toMatchObject({ type: "session.status_idle", stop_reason: { type: "end_turn" } });
  });

  it("a runtime killed while a child runs ends the child terminated; the parent continues", async () => {
    const sessionId = await leadSession();
    const childId = await delegateSlowly(sessionId, "KILL-DELEGATE", "LONG-TASK");
    // The parent's re-run on a new runtime answers plainly.
    model.setMode("normal");
    const killed = await fetch(`${stack.supervisor.origin}/runtimes/${sessionId}`, { method: "DELETE" });
    expect(killed.status).toBe(200);
    await waitFor(
      async () =>
        (await client.beta.sessions.threads.retrieve(childId, { session_id: sessionId })).status ===
        "terminated",
      { what: "the child to be terminated", timeoutMs: 60_000, intervalMs: 1_000 },
    );
    const childEvents = await threadEvents(sessionId, childId);
    expect(childEvents.map((e) => e.type)).toContain("session.error");
    expect(
      childEvents.at(-1),
      JSON.stringify(childEvents.map((e) => [e.type, e.error?.message])),
    ).toMatchObject({ type: "session.status_terminated" });
    await waitFor(
      async () => {
        const events = await sessionEvents(sessionId);
        const last = events.at(-1);
        return last?.type === "session.status_idle" && last.stop_reason?.type === "end_turn";
      },
      { what: "the parent to finish its turn on a new runtime", timeoutMs: 240_000, intervalMs: 1_000 },
    );
    const events = await sessionEvents(sessionId);
    expect(events).toContainEqual(
      expect.objectContaining({ type: "session.thread_status_terminated", session_thread_id: childId }),
    );
    const next = (await sendAndWait(client, sessionId, "and now?", TURN)) as AnyEvent[];
    expect(next.at(-1)).toMatchObject({ type: "session.status_idle", stop_reason: { type: "end_turn" } });
  });

  it("caps concurrent children, times a child out, spawns an inline agent and continues it", async () => {
    const sessionId = await leadSession(capped.id);
    // Two children at once where one may run: the second is refused; the first runs past its
    // 5 s and is stopped.
    script(
      [
        "CAP-DELEGATE",
        {
          kind: "tool_call",
          ...spawn(reader.id, "CAP-SLOW-TASK"),
          also: [spawn(reader.id, "CAP-SECOND-TASK")],
        },
      ],
      ["CAP-SLOW-TASK", SLOW],
    );
    const capTurn = (await sendAndWait(client, sessionId, "CAP-DELEGATE", TURN)) as AnyEvent[];
    expect(capTurn.at(-1)).toMatchObject({ type: "session.status_idle", stop_reason: { type: "end_turn" } });
    const refused = capTurn.filter((e) => e.type === "session.thread_spawn_refused");
    expect(refused.map((e) => e.reason)).toEqual([
      expect.stringContaining("at most 1 sub-agents may run at once"),
    ]);
    const timedOut = capTurn.find((e) => e.type === "session.thread_timed_out")!;
    expect(timedOut).toMatchObject({ agent_name: "Reader", timeout_seconds: 5 });
    const slowChild = await client.beta.sessions.threads.retrieve(timedOut.session_thread_id, {
      session_id: sessionId,
    });
    expect(slowChild.status).toBe("terminated");
    const slowEvents = await threadEvents(sessionId, slowChild.id);
    expect(slowEvents.find((e) => e.type === "session.error")!.error.message).toContain("timeout of 5 s");
    expect(slowEvents.at(-1)).toMatchObject({ type: "session.status_terminated" });
    // The parent read both outcomes as tool errors.
    const errors = capTurn
      .filter((e) => e.type === "agent.tool_result" && e.is_error)
      .map((e) => e.content[0].text as string)
      .sort();
    expect(errors).toEqual([
      expect.stringContaining("Spawn refused: at most 1 sub-agents may run at once"),
      expect.stringContaining("ran past its timeout of 5 s"),
    ]);
    await waitFor(() => model.requests.every((r) => r.outcome !== "pending"), {
      what: "the timed-out child's model call to stop",
      timeoutMs: 30_000,
    });

    // An inline agent: its own name and instructions, a subset of the parent's tools.
    const before = model.requests.length;
    script(
      [
        "INLINE-DELEGATE",
        {
          kind: "tool_call",
          name: "spawn_agent",
          arguments: {
            agent: "inline",
            task: "INLINE-TASK count to three",
            definition: { name: "Helper", system: "HELPER-INSTRUCTIONS", tools: ["read"] },
          },
        },
      ],
      ["INLINE-TASK", { kind: "tool_call", name: "exec", arguments: { command: "echo INLINE-RAN-BASH" } }],
    );
    const inlineTurn = (await sendAndWait(client, sessionId, "INLINE-DELEGATE", TURN)) as AnyEvent[];
    expect(inlineTurn.at(-1)).toMatchObject({
      type: "session.status_idle",
      stop_reason: { type: "end_turn" },
    });
    const helperId = inlineTurn.find((e) => e.type === "session.thread_created")!.session_thread_id as string;
    const helper = await client.beta.sessions.threads.retrieve(helperId, { session_id: sessionId });
    expect(helper.agent).toMatchObject({
      type: "inline",
      name: "Helper",
      model: { id: "claude-sonnet-4-6" },
    });
    const helperFirst = requestsWith("INLINE-TASK", before)[0]!;
    expect(realUserMessages(helperFirst.body).join("\n")).toContain("HELPER-INSTRUCTIONS");
    // Its tools are the parent's narrowed to `read`: its bash call is denied.
    const helperEvents0 = await threadEvents(sessionId, helperId);
    expect(helperEvents0.find((e) => e.type === "agent.tool_use")).toMatchObject({
      name: "bash",
      evaluated_permission: "deny",
    });
    expect(helperEvents0.find((e) => e.type === "agent.tool_result")!.content[0].text).not.toContain(
      "INLINE-RAN-BASH",
    );

    // The parent continues the same child: the message on both sides, the child's reply back.
    const afterInline = model.requests.length;
    script([
      "CONTINUE-HELPER",
      {
        kind: "tool_call",
        name: "message_thread",
        arguments: { thread_id: helperId, message: "FOLLOWUP-MSG" },
      },
    ]);
    const more = (await sendAndWait(client, sessionId, "CONTINUE-HELPER", TURN)) as AnyEvent[];
    model.setMode("normal");
    expect(more.at(-1)).toMatchObject({ type: "session.status_idle", stop_reason: { type: "end_turn" } });
    expect(more).toContainEqual(
      expect.objectContaining({
        type: "agent.thread_message_sent",
        to_session_thread_id: helperId,
        content: [{ type: "text", text: "FOLLOWUP-MSG" }],
      }),
    );
    expect(more).toContainEqual(
      expect.objectContaining({ type: "agent.thread_message_received", from_session_thread_id: helperId }),
    );
    const result = more.find((e) => e.type === "agent.tool_result")!;
    expect(result.is_error).toBe(false);
    expect(result.content[0].text).toContain("FOLLOWUP-MSG");
    // It went on from its earlier conversation, in its own OpenClaw session.
    const followup = requestsWith("FOLLOWUP-MSG", afterInline).find((r) =>
      realUserMessages(r.body).some((m) => m.includes("INLINE-TASK")),
    );
    expect(followup, "the child's follow-up call carries its first task").toBeDefined();
    const helperEvents = await threadEvents(sessionId, helperId);
    expect(helperEvents.filter((e) => e.type === "agent.thread_message_received")).toHaveLength(2);
    expect(helperEvents.filter((e) => e.type === "session.status_idle")).toHaveLength(2);
    expect((await client.beta.sessions.threads.retrieve(helperId, { session_id: sessionId })).status).toBe(
      "idle",
    );
  });
});
