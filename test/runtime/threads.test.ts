/**
 * Sub-agents as session threads with real parts: `wrangler dev`, a real OpenClaw gateway per
 * session (with Clawplane's plugins), the LLM proxy and the model double scripted to play the
 * lead agent and the sub-agents it delegates to (told apart by their tasks). Driven with the
 * official Anthropic SDK, `beta.sessions.threads.*` included.
 */
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../helpers/wait";
import { type LocalStack, startLocalStack } from "../support/local-stack.mjs";
import { realUserMessages } from "../support/model-prompt.mjs";
import type { ModelServer } from "../support/model-server.mjs";
import { type SessionEvent, sendAndWait, sendEventsAndWait } from "../support/session-driver";

const ADMIN_KEY = "threads-test-admin-key";
const TURN = { timeoutMs: 240_000 };

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

beforeAll(async () => {
  stack = await startLocalStack({ adminKey: ADMIN_KEY, providerKey: "provider-key-threads" });
  model = stack.model;
  client = new Anthropic({ apiKey: ADMIN_KEY, baseURL: stack.worker.origin, maxRetries: 0 });
  environmentId = (await client.beta.environments.create({ name: `threads-${Date.now()}` })).id;
  const toolset = (bash: boolean) => ({
    type: "agent_toolset_20260401" as const,
    default_config: { enabled: true, permission_policy: { type: "always_allow" as const } },
    configs: [{ name: "bash" as const, enabled: bash }],
  });
  reader = await client.beta.agents.create({
    name: "Reader",
    model: "claude-sonnet-4-6",
    system: "You read files and never run commands.",
    tools: [toolset(false)],
  });
  nester = await client.beta.agents.create({
    name: "Nester",
    model: "claude-sonnet-4-6",
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
}, 240_000);

afterAll(async () => {
  await stack?.stop();
});

async function leadSession(): Promise<string> {
  return (await client.beta.sessions.create({ agent: lead.id, environment_id: environmentId })).id;
}

describe("sub-agent threads", { timeout: 400_000 }, () => {
  it("runs a child per allowed agent under its own policy, refuses the rest, and rolls usage up", async () => {
    const sessionId = await leadSession();
    model.setMode({
      kind: "script",
      rules: [
        {
          when: "DELEGATE-ALL",
          mode: {
            kind: "tool_call",
            ...spawn(reader.id, "READER-TASK list the files"),
            also: [spawn(nester.id, "NESTER-TASK go deeper"), spawn(outsider.id, "OUTSIDER-TASK")],
          },
        },
        // The reader tries bash, which its own definition disables (the lead's allows it).
        {
          when: "READER-TASK",
          mode: { kind: "tool_call", name: "exec", arguments: { command: "echo CHILD-RAN-BASH" } },
        },
        // The nester, at depth 1 with max_depth 1, tries to spawn itself again.
        { when: "NESTER-TASK", mode: { kind: "tool_call", ...spawn("self", "DEEPER-TASK") } },
      ],
    });
    const before = model.requests.length;
    const turn = (await sendAndWait(client, sessionId, "DELEGATE-ALL please", TURN)) as AnyEvent[];
    model.setMode("normal");
    expect(turn.at(-1)).toMatchObject({ type: "session.status_idle", stop_reason: { type: "end_turn" } });

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
    const readerRequest = model.requests
      .slice(before)
      .find((r) => realUserMessages(r.body).some((m) => m.includes("READER-TASK")));
    expect(realUserMessages(readerRequest!.body).join("\n")).toContain(
      "You read files and never run commands.",
    );

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
    model.setMode({
      kind: "script",
      rules: [
        { when: "ASK-DELEGATE", mode: { kind: "tool_call", ...spawn(asker.id, "ASK-TASK") } },
        {
          when: "ASK-TASK",
          mode: { kind: "tool_call", name: "exec", arguments: { command: "echo ASKED-AND-RAN" } },
        },
      ],
    });
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
    model.setMode({
      kind: "script",
      rules: [
        { when: "SLOW-DELEGATE", mode: { kind: "tool_call", ...spawn(reader.id, "SLOW-TASK") } },
        { when: "SLOW-TASK", mode: { kind: "slow", chunkDelayMs: 200, chunks: 600 } },
      ],
    });
    const stream = await client.beta.sessions.events.stream(sessionId);
    await client.beta.sessions.events.send(sessionId, {
      events: [{ type: "user.message", content: [{ type: "text", text: "SLOW-DELEGATE now" }] }],
    });
    let childId: string | undefined;
    for await (const e of stream as AsyncIterable<AnyEvent>) {
      if (e.type === "session.thread_status_running") {
        childId = e.session_thread_id;
        break;
      }
    }
    stream.controller.abort();
    // The child's own stream is live while it runs.
    const live = await client.beta.sessions.threads.events.stream(childId!, { session_id: sessionId });
    const interrupted = await sendEventsAndWait(client, sessionId, [{ type: "user.interrupt" }], TURN);
    model.setMode("normal");
    expect(interrupted.at(-1)).toMatchObject({ type: "session.status_idle" });
    const childNow = await client.beta.sessions.threads.retrieve(childId!, { session_id: sessionId });
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
    model.setMode({
      kind: "script",
      rules: [
        { when: "KILL-DELEGATE", mode: { kind: "tool_call", ...spawn(reader.id, "LONG-TASK") } },
        { when: "LONG-TASK", mode: { kind: "slow", chunkDelayMs: 200, chunks: 600 } },
      ],
    });
    const stream = await client.beta.sessions.events.stream(sessionId);
    await client.beta.sessions.events.send(sessionId, {
      events: [{ type: "user.message", content: [{ type: "text", text: "KILL-DELEGATE now" }] }],
    });
    let childId: string | undefined;
    for await (const e of stream as AsyncIterable<AnyEvent>) {
      if (e.type === "session.thread_status_running") {
        childId = e.session_thread_id;
        break;
      }
    }
    stream.controller.abort();
    // The parent's re-run on a new runtime answers plainly.
    model.setMode("normal");
    const killed = await fetch(`${stack.supervisor.origin}/runtimes/${sessionId}`, { method: "DELETE" });
    expect(killed.status).toBe(200);
    await waitFor(
      async () =>
        (await client.beta.sessions.threads.retrieve(childId!, { session_id: sessionId })).status ===
        "terminated",
      { what: "the child to be terminated", timeoutMs: 60_000, intervalMs: 1_000 },
    );
    const childEvents = await threadEvents(sessionId, childId!);
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
});
