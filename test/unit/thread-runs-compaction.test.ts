/**
 * A running child's auto-compaction (OpenClaw's `compaction` agent stream on the child's own
 * session key, mid-run): ThreadRuns puts `agent.thread_context_compacted` in the child's log and
 * on the parent's stream naming the thread. The host is a recording stand-in: the child is
 * started as a spawn starts it, its runtime call resolving at once.
 */
import { describe, expect, it } from "vitest";
import type { EventFrame } from "../../src/runtime/openclaw/protocol";
import type { SessionEventBody } from "../../src/schemas/session-events";
import type { ThreadRow } from "../../src/session/thread-book";
import { ThreadRuns, type ThreadRunsHost } from "../../src/session/thread-runs";

const KEY = "agent:main:thread-1";

function runningChild() {
  const emitted: Array<{ body: SessionEventBody; threadId?: string }> = [];
  let runId = "";
  const host = {
    threads: { book: { byRuntimeKey: () => null, liveChildren: () => [] } },
    emit: (body: SessionEventBody, _id?: string, threadId?: string) => {
      emitted.push({ body, threadId });
      return { ...body, id: `sevt_${emitted.length}`, processed_at: "now" };
    },
    startRun: async (_key: string, _policy: unknown, _message: string, id: string) => {
      runId = id;
    },
    prices: () => ({}),
  } as unknown as ThreadRunsHost;
  const runs = new ThreadRuns(host);
  const thread = { id: "sthr_child", parentId: "sthr_primary", runtimeKey: KEY } as ThreadRow;
  const agent = { tools: [], mcp_servers: [], multiagent: null, model: { id: "claude-sonnet-4-6" } };
  const started = (runs as unknown as { start(...a: unknown[]): Promise<void> }).start(
    thread,
    agent,
    "sthr_primary",
    "call-1",
    "task",
    undefined,
  );
  const frame = (data: Record<string, unknown>, run = runId): EventFrame =>
    ({
      type: "event",
      event: "agent",
      payload: { runId: run, sessionKey: KEY, stream: "compaction", data },
    }) as never;
  return { runs, emitted, started, frame };
}

describe("a running child's auto-compaction", () => {
  it("lands in its thread's log and on the parent's stream with session_thread_id, once it completed", async () => {
    const { runs, emitted, started, frame } = runningChild();
    await started;
    expect(runs.onGatewayEvent(frame({ phase: "start" }))).toBe(true);
    expect(emitted).toEqual([]);
    runs.onGatewayEvent(frame({ phase: "end", completed: true, willRetry: false }));
    expect(emitted).toEqual([
      {
        body: { type: "agent.thread_context_compacted", session_thread_id: "sthr_child" },
        threadId: undefined,
      },
      { body: { type: "agent.thread_context_compacted" }, threadId: "sthr_child" },
    ]);
  });
});
