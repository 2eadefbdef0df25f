/**
 * TurnRunner against a fake host and runtime: what a session says (its events, status and
 * queue) for each way a turn can end. Gateway frames are the recorded ones
 * (test/unit/fixtures/observed-frames.ts); the run id the runner gives the fixture's run is
 * `<message event id>:<attempt>`.
 */
import { describe, expect, it, vi } from "vitest";
import { setLogLevel } from "../../src/lib/log";
import { RuntimeStartError } from "../../src/runtime/agent-runtime";
import type { ChatSendParams, EventFrame } from "../../src/runtime/openclaw/protocol";
import type { SessionEventBody } from "../../src/schemas/session-events";
import type { QueuedInput } from "../../src/session/input-queue";
import { newSessionRecord, type SessionAgent, type SessionRecord } from "../../src/session/session-record";
import { TurnRunner } from "../../src/session/turn-runner";
import { failedTurn, PLAIN_REPLY, plainTurn, RUN, toolTurn } from "./fixtures/observed-frames";

type Logged = SessionEventBody & { id: string };

const MESSAGE_ID = RUN.split(":")[0] ?? "";

/** Lets every pending promise callback run (one macrotask turn): to see that something did not happen. */
const drain = () => new Promise<void>((resolve) => setImmediate(resolve));

/** OpenClaw's `lifecycle finishing` frame: the run's model work is over, its teardown follows. */
const isFinishing = (frame: EventFrame) =>
  frame.event === "agent" &&
  (frame.payload as { stream?: string; data?: { phase?: string } }).stream === "lifecycle" &&
  (frame.payload as { data?: { phase?: string } }).data?.phase === "finishing";

function agent(limits: Partial<NonNullable<SessionAgent["session_limits"]>> = {}): SessionAgent {
  return {
    id: "agent_1",
    type: "agent",
    version: 1,
    model: { id: "claude-sonnet-4-6" },
    tools: [],
    mcp_servers: [],
    session_limits: { max_cost_usd: null, max_tokens: null, max_wall_time_seconds: null, ...limits },
  } as unknown as SessionAgent;
}

/**
 * A runner with everything around it faked: the host keeps the record, the log and the queue in
 * memory; the runtime records what it is asked and, once a run is sent, hands its frames to
 * `gateway` (set by a test) so a test can answer the way OpenClaw does.
 */
function harness(
  options: {
    agent?: SessionAgent;
    turnLimitMs?: number;
    activeMs?: number;
    /** The host's workspace save: true when saved (the default). */
    afterTurn?: () => Promise<boolean>;
  } = {},
) {
  let record: SessionRecord = {
    ...newSessionRecord({
      id: "sesn_1",
      agent: options.agent ?? agent(),
      environment: { id: "env_1", spec: { config: { type: "local" } } } as never,
      title: null,
      metadata: {},
      apiOrigin: "http://localhost",
    }),
    activeMs: options.activeMs ?? 0,
  };
  const events: Logged[] = [];
  let attempts = 0;
  const removed: string[] = [];
  const sent: ChatSendParams[] = [];
  const aborted: string[] = [];
  let forgotten = 0;
  const link = {
    freshTranscript: false,
    client: {
      chatSend: async (params: ChatSendParams) => {
        sent.push(params);
        return { runId: params.idempotencyKey, status: "started" as const };
      },
    },
  };
  const runtime = {
    connect: async (_record: SessionRecord, onStart: () => void) => {
      onStart();
      return link;
    },
    modelConfigError: () => null as string | null,
    installPackages: async (_record: SessionRecord, _emit: unknown) => null as string | null,
    abort: async (_sessionId: string, runId: string) => {
      aborted.push(runId);
      // OpenClaw answers an abort with `chat aborted` for the run, a moment later.
      await Promise.resolve();
      feed({ type: "event", event: "chat", payload: { runId, state: "aborted", stopReason: "rpc" } });
    },
    forget: () => {
      forgotten++;
    },
  };
  let n = 0;
  const runner: TurnRunner = new TurnRunner(
    {
      record: () => record,
      save: (next) => {
        record = next;
      },
      emit: (event, id) => {
        const logged = { ...event, id: id ?? `sevt_${++n}` } as Logged;
        events.push(logged);
        return { ...logged, processed_at: new Date().toISOString() } as never;
      },
      preview: () => {},
      setStatus: (status) => {
        if (record.status !== "terminated") record.status = status;
      },
      events: { markProcessed: () => {}, transcript: () => [] },
      queue: {
        markAttempt: () => ++attempts,
        remove: (id) => {
          removed.push(id);
        },
      },
      approvals: {
        resumeNote: () => null,
        isWaiting: () => false,
        clearParkTimer: () => {},
        endTurn: () => {},
        onCustomToolUse: () => {},
      },
      runtime,
      beforeTurn: async () => {},
      afterTurn: options.afterTurn ?? (async () => true),
    },
    options.turnLimitMs ?? 60_000,
  );
  const feed = (frame: EventFrame) => runner.onGatewayEvent(frame);
  const input: QueuedInput = { seq: 1, eventId: MESSAGE_ID, text: "hello clawplane", attempts: 0 };
  return {
    runner,
    runtime,
    input,
    events,
    removed,
    sent,
    aborted,
    feed,
    record: () => record,
    forgotten: () => forgotten,
    /** Starts the turn; resolves once its run was sent to the gateway, with the turn's end. */
    async start(): Promise<{ done: Promise<void> }> {
      const done = runner.run(input);
      await vi.waitFor(() => expect(sent).toHaveLength(1));
      return { done };
    },
    types: () => events.map((e) => e.type),
    errors: () => events.filter((e) => e.type === "session.error"),
  };
}

describe("TurnRunner", () => {
  it("runs a turn that ends normally: the recorded run's events, usage, idle with end_turn", async () => {
    const h = harness();
    const { done } = await h.start();
    expect(h.sent[0]).toMatchObject({ message: "hello clawplane", idempotencyKey: RUN });
    expect(h.runner.current?.runId).toBe(RUN);
    for (const frame of plainTurn()) h.feed(frame);
    await done;

    expect(h.types()).toEqual([
      "session.status_running",
      "span.runtime_start",
      "span.runtime_ready",
      "span.model_request_start",
      "agent.message",
      "span.model_request_end",
      "session.usage",
      "session.status_idle",
    ]);
    expect(h.events.find((e) => e.type === "agent.message")).toMatchObject({
      content: [{ type: "text", text: PLAIN_REPLY }],
    });
    expect(h.events.at(-1)).toMatchObject({ stop_reason: { type: "end_turn" }, stop_details: null });
    expect(h.removed).toEqual([MESSAGE_ID]);
    expect(h.record().status).toBe("idle");
    expect(h.runner.current).toBeUndefined();
  });

  it("logs the turn's timing with the accept time its queued message carried (bench/turn-tax.mjs reads it)", async () => {
    const h = harness();
    const lines: string[] = [];
    const spy = vi.spyOn(console, "log").mockImplementation((line: string) => void lines.push(line));
    setLogLevel("info");
    try {
      const acceptedAt = Date.now() - 250;
      const done = h.runner.run({ ...h.input, acceptedAt });
      await vi.waitFor(() => expect(h.sent).toHaveLength(1));
      for (const frame of plainTurn()) h.feed(frame);
      await done;
      const timing = lines.map((l) => JSON.parse(l)).find((l) => l.msg === "turn timing");
      expect(timing).toMatchObject({ session_id: "sesn_1", event_id: MESSAGE_ID, accepted_at: acceptedAt });
      for (const field of ["picked_at", "sent_at", "ended_at", "saved_at", "idle_at"])
        expect(timing[field]).toBeGreaterThanOrEqual(acceptedAt);
    } finally {
      setLogLevel("error");
      spy.mockRestore();
    }
  });

  it("stops a turn at its time limit: the run is aborted and the turn ends with one error", async () => {
    const h = harness({ turnLimitMs: 50 });
    await (await h.start()).done;
    expect(h.aborted).toEqual([RUN]);
    expect(h.errors()).toEqual([
      expect.objectContaining({
        error: {
          type: "model_request_failed_error",
          message: "the turn exceeded its time limit of 0.05 s and was stopped",
          retry_status: { type: "exhausted" },
        },
      }),
    ]);
    expect(h.events.at(-1)).toMatchObject({ stop_reason: { type: "retries_exhausted" } });
    expect(h.removed).toEqual([MESSAGE_ID]);
  });

  it("stops a turn at a quota reached mid-turn (a model call past max_tokens)", async () => {
    const h = harness({ agent: agent({ max_tokens: 1000 }) });
    const { done } = await h.start();
    expect(h.runner.quotaBreach(h.record())).toBeNull();
    h.record().usage.input_tokens = 1200; // what the LLM proxy recorded for the turn's calls
    const breach = h.runner.quotaBreach(h.record());
    expect(breach?.limit).toBe("max_tokens");
    if (breach) h.runner.stopAtQuota(breach);
    await done;

    expect(h.aborted).toEqual([RUN]);
    expect(h.errors()).toEqual([
      expect.objectContaining({
        error: expect.objectContaining({
          type: "billing_error",
          error_code: "quota_exceeded",
          limit: "max_tokens",
          retry_status: { type: "exhausted" },
        }),
      }),
    ]);
    expect(h.events.at(-1)).toMatchObject({ stop_reason: { type: "budget_reached" } });
    expect(h.removed).toEqual([MESSAGE_ID]);
  });

  it("ends a turn at the wall-time quota, not as a timeout, when that comes before the turn limit", async () => {
    const h = harness({ agent: agent({ max_wall_time_seconds: 1 }), activeMs: 950 });
    await (await h.start()).done;
    expect(h.errors()).toEqual([
      expect.objectContaining({ error: expect.objectContaining({ limit: "max_wall_time_seconds" }) }),
    ]);
    expect(h.events.at(-1)).toMatchObject({ stop_reason: { type: "budget_reached" } });
    expect(h.record().activeMs).toBeGreaterThanOrEqual(1000);
  });

  it("ends an interrupted turn without an error: the run is aborted and the session idles", async () => {
    const h = harness();
    const { done } = await h.start();
    await h.runner.abort();
    await done;
    expect(h.aborted).toEqual([RUN]);
    expect(h.errors()).toEqual([]);
    expect(h.types().slice(-2)).toEqual(["session.usage", "session.status_idle"]);
    expect(h.events.at(-1)).toMatchObject({ stop_reason: { type: "end_turn" } });
    expect(h.removed).toEqual([MESSAGE_ID]);
  });

  it("reports a runtime that fails to start as one session.error, and ends the turn", async () => {
    const h = harness();
    h.runtime.connect = async (_record, onStart) => {
      onStart();
      throw new RuntimeStartError("the container did not become ready in 60 s");
    };
    await h.runner.run(h.input);
    expect(h.types()).toEqual([
      "session.status_running",
      "span.runtime_start",
      "session.error",
      "session.usage",
      "session.status_idle",
    ]);
    expect(h.errors()[0]).toMatchObject({
      error: {
        type: "unknown_error",
        message: "the container did not become ready in 60 s",
        retry_status: { type: "exhausted" },
      },
    });
    expect(h.events.at(-1)).toMatchObject({ stop_reason: { type: "retries_exhausted" } });
    expect(h.sent).toEqual([]);
  });

  it("runs no turn when the environment's packages fail to install: one session.error naming the package", async () => {
    const h = harness();
    const failure = 'Installing npm package "no-such-pkg" failed: npm error 404 Not Found';
    h.runtime.installPackages = async () => failure;
    await h.runner.run(h.input);
    expect(h.sent).toEqual([]);
    expect(h.types()).toEqual([
      "session.status_running",
      "span.runtime_start",
      "span.runtime_ready",
      "session.error",
      "session.usage",
      "session.status_idle",
    ]);
    expect(h.errors()[0]).toMatchObject({ error: { message: failure, retry_status: { type: "exhausted" } } });
    expect(h.events.at(-1)).toMatchObject({ stop_reason: { type: "retries_exhausted" } });
    expect(h.removed).toEqual([MESSAGE_ID]);
  });

  it("reports a runtime lost mid-turn as one retrying session.error and keeps the message queued", async () => {
    const h = harness();
    const { done } = await h.start();
    h.runner.runtimeLost("gateway connection closed (1006)");
    await done;
    expect(h.types().slice(-2)).toEqual(["session.error", "session.status_rescheduled"]);
    expect(h.errors()).toEqual([
      expect.objectContaining({
        error: {
          type: "unknown_error",
          message: "agent runtime lost: gateway connection closed (1006)",
          retry_status: { type: "retrying" },
        },
      }),
    ]);
    expect(h.record().status).toBe("rescheduling");
    expect(h.removed).toEqual([]);
    expect(h.forgotten()).toBe(1);
  });

  it("ends a turn whose model call the LLM proxy could not make with the proxy's reason, once", async () => {
    const h = harness();
    const { done } = await h.start();
    h.runner.modelCallFailed("no provider serves model claude-sonnet-4-6");
    await done;
    expect(h.aborted).toEqual([RUN]);
    expect(h.errors()).toEqual([
      expect.objectContaining({
        error: expect.objectContaining({ message: "no provider serves model claude-sonnet-4-6" }),
      }),
    ]);
    expect(h.events.at(-1)).toMatchObject({ stop_reason: { type: "retries_exhausted" } });
  });

  it("goes idle at the settled reply, before OpenClaw ends the run; the next message waits for that end", async () => {
    const h = harness();
    const frames = plainTurn();
    const finishing = frames.findIndex(isFinishing);
    const { done } = await h.start();
    for (const frame of frames.slice(0, finishing + 1)) h.feed(frame);
    await done; // no `lifecycle end`, no `chat final` yet
    expect(h.types().slice(-4)).toEqual([
      "agent.message",
      "span.model_request_end",
      "session.usage",
      "session.status_idle",
    ]);
    expect(h.events.at(-1)).toMatchObject({ stop_reason: { type: "end_turn" } });
    expect(h.removed).toEqual([MESSAGE_ID]);

    // The next message is not sent into the run OpenClaw is still finishing.
    const next = h.runner.run({ ...h.input, eventId: "sevt_next" });
    await vi.waitFor(() => expect(h.types().filter((t) => t === "span.runtime_ready")).toHaveLength(2));
    await drain();
    expect(h.sent).toHaveLength(1);
    // The run's remaining frames (its end, its `chat final`) report nothing more.
    const eventsBefore = h.events.length;
    for (const frame of frames.slice(finishing + 1)) h.feed(frame);
    await vi.waitFor(() => expect(h.sent).toHaveLength(2));
    expect(h.events.slice(eventsBefore).map((e) => e.type)).toEqual([]);
    expect(h.sent[1]).toMatchObject({ idempotencyKey: "sevt_next:2" });
    h.feed({ type: "event", event: "chat", payload: { runId: "sevt_next:2", state: "final" } });
    await next;
  });

  it("waits at the settled reply until the LLM proxy has metered every model call of the turn", async () => {
    const h = harness();
    const frames = plainTurn();
    const finishing = frames.findIndex(isFinishing);
    const { done } = await h.start();
    h.runner.modelCallGranted();
    for (const frame of frames.slice(0, finishing + 1)) h.feed(frame);
    await drain();
    expect(h.runner.current?.runId).toBe(RUN);
    expect(h.types()).not.toContain("session.status_idle");
    h.record().usage.input_tokens = 10_634; // what the proxy records, before it tells the runner
    h.runner.modelCallRecorded();
    await done;
    expect(h.events.find((e) => e.type === "session.usage")).toMatchObject({
      usage: expect.objectContaining({ input_tokens: 10_634 }),
    });
  });

  it("reports a compaction OpenClaw runs after the settled reply, and still ends a failed finish at the run's end", async () => {
    const h = harness();
    const frames = plainTurn();
    const finishing = frames.findIndex(isFinishing);
    const { done } = await h.start();
    for (const frame of frames.slice(0, finishing + 1)) h.feed(frame);
    await done;
    h.feed({
      type: "event",
      event: "agent",
      payload: { runId: RUN, stream: "compaction", data: { phase: "end", completed: true } },
    });
    expect(h.events.at(-1)?.type).toBe("agent.thread_context_compacted");

    // A model error's `finishing` is followed by OpenClaw's retries: that turn waits for the end.
    const failing = harness();
    const run = await failing.start();
    for (const frame of failedTurn()) {
      failing.feed(frame);
      if (isFinishing(frame)) expect(failing.runner.current?.runId).toBe(RUN);
    }
    await run.done;
    expect(failing.events.at(-1)).toMatchObject({ stop_reason: { type: "retries_exhausted" } });
  });

  it("saves the workspace after a turn that ran a tool, and goes idle without a save after a chat turn", async () => {
    const saves = savingHarness();
    await saves.turn(plainTurn()); // a new session object cannot know what changed: it saves
    expect(saves.count()).toBe(1);
    await saves.turn(plainTurn()); // nothing ran that could write a file
    expect(saves.count()).toBe(1);
    await saves.turn(toolTurn());
    expect(saves.count()).toBe(2);
  });

  it("tries a failed workspace save again after the next turn, even one that ran no tool", async () => {
    const saves = savingHarness();
    saves.fail(true);
    await saves.turn(plainTurn());
    expect(saves.count()).toBe(1);
    saves.fail(false);
    await saves.turn(plainTurn());
    expect(saves.count()).toBe(2);
    await saves.turn(plainTurn());
    expect(saves.count()).toBe(2);
  });
});

/** A harness counting workspace saves, running turns of its message one after another. */
function savingHarness() {
  let count = 0;
  let failing = false;
  const h = harness({
    afterTurn: async () => {
      count++;
      return !failing;
    },
  });
  return {
    count: () => count,
    fail: (next: boolean) => {
      failing = next;
    },
    /** Runs the next turn, answered with `frames` (re-keyed to its run); it must end idle. */
    async turn(frames: EventFrame[]) {
      const before = h.sent.length;
      const done = h.runner.run(h.input);
      await vi.waitFor(() => expect(h.sent).toHaveLength(before + 1));
      const runId = h.sent.at(-1)?.idempotencyKey ?? "";
      for (const frame of JSON.parse(JSON.stringify(frames).replaceAll(RUN, runId)) as EventFrame[])
        h.feed(frame);
      await done;
      expect(h.events.at(-1)).toMatchObject({
        type: "session.status_idle",
        stop_reason: { type: "end_turn" },
      });
    },
  };
}
