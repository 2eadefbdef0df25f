/**
 * Runtime lifecycle with real parts (the Worker under `wrangler dev` with its simulated R2,
 * real OpenClaw gateways under the local supervisor, the model double scripting the agent's
 * bash calls): a runtime that exits is noticed with its exit code, and the agent's workspace
 * survives the runtime being killed, replaced by a fresh one, and stopped by idle sleep. Like a
 * container's disk, a local runtime's workspace starts empty on every start, so a file that is
 * there after a restart was restored from the session's saved workspace.
 */
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../support/local-stack.mjs";
import { type SessionEvent, sendAndWait as send } from "../support/session-driver";
import { waitUntil } from "./support";

const ADMIN_KEY = "runtime-test-admin-key";
const PROVIDER_KEY = "provider-secret-for-tests";
/** A cold turn boots a gateway: 15-25 s on a quiet 2-core machine, well over a minute under load. */
const COLD_TURN_MS = 300_000;
/** The shortest idle sleep an environment may have. */
const SLEEP_AFTER_S = 60;

let stack: LocalStack;
let client: Anthropic;
let sessionId: string;

interface RuntimeStatus {
  running: boolean;
  pid: number | null;
}

async function runtimeStatus(): Promise<RuntimeStatus> {
  const res = await fetch(`${stack.supervisor.origin}/runtimes/${sessionId}`);
  return res.status === 404 ? { running: false, pid: null } : ((await res.json()) as RuntimeStatus);
}

/** One turn in which the agent runs `command` with its bash tool; returns the turn's events and the tool's output. */
async function bash(command: string): Promise<{ events: SessionEvent[]; output: string }> {
  stack.model.setMode({ kind: "tool_call", name: "exec", arguments: { command } });
  try {
    const events = await send(client, sessionId, `run: ${command}`, { timeoutMs: COLD_TURN_MS });
    expect(events.at(-1)?.type, JSON.stringify(events.map((e) => e.error?.message ?? e.type))).toBe(
      "session.status_idle",
    );
    const result = events.find((e) => e.type === "agent.tool_result");
    expect(result, `the agent ran its bash tool: ${JSON.stringify(events.map((e) => e.type))}`).toBeDefined();
    expect(result!.is_error).toBe(false);
    return { events, output: result!.content.map((b: { text?: string }) => b.text ?? "").join("") };
  } finally {
    stack.model.setMode("normal");
  }
}

async function allEvents(): Promise<SessionEvent[]> {
  return (await client.beta.sessions.events.list(sessionId, { limit: 1000 })).data as SessionEvent[];
}

beforeAll(async () => {
  stack = await startLocalStack({ adminKey: ADMIN_KEY, providerKey: PROVIDER_KEY });
  client = new Anthropic({ apiKey: ADMIN_KEY, baseURL: stack.worker.origin, maxRetries: 0 });
  const agent = await client.beta.agents.create({
    name: "Workspace",
    model: "claude-sonnet-4-6",
    tools: [{ type: "agent_toolset_20260401" }],
  });
  // The smallest cap (1 MB) for the over-the-cap case, the shortest idle sleep for the sleep case.
  const res = await fetch(`${stack.worker.origin}/v1/environments`, {
    method: "POST",
    headers: { "x-api-key": ADMIN_KEY, "content-type": "application/json" },
    body: JSON.stringify({
      name: `workspace-${Date.now()}`,
      config: { type: "cloud", workspace_max_mb: 1, sleep_after_seconds: SLEEP_AFTER_S },
    }),
  });
  expect(res.status).toBe(200);
  const environment = (await res.json()) as { id: string };
  sessionId = (await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id })).id;
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

describe("a session's runtime lifecycle", () => {
  it("notices a runtime that exits, with its exit code, and the next turn runs on a fresh runtime with the file written before", {
    timeout: 2 * COLD_TURN_MS,
  }, async () => {
    const first = await bash("printf 'written in turn 1' > notes.txt && pwd");
    // The agent works in its workspace (which a restart empties, unlike the rest of its state).
    expect(first.output.trim()).toMatch(/\/workspace$/);

    const { pid } = await runtimeStatus();
    expect(pid).toBeGreaterThan(0);
    process.kill(pid!, "SIGKILL"); // a crash: out of memory, a segfault
    const exited = await waitUntil(
      async () => (await allEvents()).find((e) => e.type === "session.runtime_exited"),
      { timeoutMs: 30_000, intervalMs: 250, what: "session.runtime_exited" },
    );
    expect(exited).toMatchObject({ exit_code: 137, signal: "SIGKILL" });
    expect(exited!.message).toContain("exited with code 137");

    const second = await bash("cat notes.txt");
    expect(second.events.map((e) => e.type)).toContain("span.runtime_start"); // a fresh runtime
    expect(second.output).toContain("written in turn 1");
  });

  it("keeps the workspace when a fresh runtime replaces the old one", { timeout: COLD_TURN_MS }, async () => {
    // The supervisor deletes the gateway with its whole state dir: a new runtime, nothing carried over.
    const deleted = await fetch(`${stack.supervisor.origin}/runtimes/${sessionId}`, { method: "DELETE" });
    expect(deleted.status, await deleted.text()).toBe(200);
    // Its exit is noticed too.
    await waitUntil(
      async () => (await allEvents()).filter((e) => e.type === "session.runtime_exited").length === 2,
      { timeoutMs: 30_000, intervalMs: 250, what: "the second session.runtime_exited" },
    );
    const third = await bash("cat notes.txt && mkdir -p src && printf 'x = 1' > src/app.py");
    expect(third.events.map((e) => e.type)).toContain("span.runtime_start");
    expect(third.output).toContain("written in turn 1");
  });

  it("reports a workspace over its environment's cap with a clear error event, and saves again once it is under", {
    timeout: 2 * COLD_TURN_MS,
  }, async () => {
    const over = await bash("head -c 1500000 /dev/urandom > big.bin && printf 'v2' > notes.txt");
    const error = over.events.find((e) => e.type === "session.error");
    expect(error?.error).toMatchObject({
      error_code: "workspace_too_large",
      retry_status: { type: "exhausted" },
    });
    expect(error?.error.message).toContain("1.5 MB");
    expect(error?.error.message).toContain("cap of 1.0 MB");
    // Said before the session goes idle, and the turn itself still ended normally.
    const types = over.events.map((e) => e.type);
    expect(types.indexOf("session.error")).toBeLessThan(types.indexOf("session.status_idle"));
    expect(over.events.at(-1)?.stop_reason).toEqual({ type: "end_turn" });

    const under = await bash("rm big.bin && printf 'v3' > notes.txt");
    expect(under.events.map((e) => e.type)).not.toContain("session.error");
  });

  it("keeps the workspace across idle sleep", {
    timeout: (SLEEP_AFTER_S + 90) * 1000 + COLD_TURN_MS,
  }, async () => {
    await waitUntil(async () => !(await runtimeStatus()).running, {
      timeoutMs: (SLEEP_AFTER_S + 90) * 1000,
      intervalMs: 1_000,
      what: "the idle runtime to be stopped",
    });
    const after = await bash("cat notes.txt src/app.py && ls");
    expect(after.events.map((e) => e.type)).toContain("span.runtime_start");
    // The last save (v3, under the cap) came back; the file over the cap was never saved.
    expect(after.output).toContain("v3x = 1");
    expect(after.output).not.toContain("big.bin");
    // An idle stop is the session's own doing: no exit is reported for it.
    const exits = (await allEvents()).filter((e) => e.type === "session.runtime_exited");
    expect(exits).toHaveLength(2); // the kill, and the deleted runtime
  });
});
