/**
 * Delegation to Teleport Beams with real parts: `wrangler dev` (the Worker and its
 * TeleportConnectorDO), our agent in a real OpenClaw gateway (the local runtime supervisor, with
 * the clawplane-beams and clawplane-tool-policy plugins), the model double, and the Teleport
 * connector process (scripts/beams-connector.mjs) on the tsh/tbot doubles (test/support/teleport/).
 *
 * Proves: the model calls `beam_agent`; the run is visible while it runs; its stdout streams into
 * the session; the tool result reaches the model; the beam is removed; `always_ask` asks first
 * (nothing created before the answer); `user.interrupt` mid-run cancels the run and removes the
 * beam; and neither the bot's join token nor its identity is in the runtime's environment, its
 * files, the session's events or any answer; 25 delegations in one turn keep to Teleport's 20
 * concurrent / 5 new per window with their queue positions visible; a connector killed mid-run
 * fails its run with the reason and leaves an orphan beam that the reaper removes.
 *
 * Teleport's rate window is a minute; here the tsh double's (TSH_DOUBLE_RATE_WINDOW_MS) and the
 * Worker's (BEAMS_RATE_WINDOW_SECONDS) are both RATE_WINDOW_MS, so four windows pass in seconds.
 * The counts (20, 5) are the real ones. The agent CLI is the stand-in in its documented
 * machine-readable formats, so the run's reported usage is checked too.
 */
import { readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../helpers/wait";
import { type LocalStack, startLocalStack } from "../support/local-stack.mjs";
import { filesContaining } from "./support";
import { type SessionEvent, sendAndWait, sendEventsAndWait } from "../support/session-driver";
import { startTeleportTenant, type TeleportTenant } from "../support/teleport/tenant.mjs";

const ADMIN_KEY = "beams-test-admin-key";
/** The rate window of the tsh double and of the Worker (Teleport's is 60 s). */
const RATE_WINDOW_MS = 6_000;
const JOIN_TOKEN = `tbot-join-${crypto.randomUUID().replaceAll("-", "")}`;

let stack: LocalStack;
let tenant: TeleportTenant;
let client: Anthropic;
let environmentId: string;
const seen: string[] = [];

async function api(path: string, init: { method?: string; body?: unknown } = {}) {
  const res = await fetch(`${stack.worker.origin}${path}`, {
    method: init.method ?? (init.body ? "POST" : "GET"),
    headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
    body: init.body ? JSON.stringify(init.body) : undefined,
  });
  const text = await res.text();
  seen.push(text);
  return { status: res.status, body: JSON.parse(text) };
}

const runsOf = async (sessionId: string) => (await api(`/v1/beam_runs?session_id=${sessionId}`)).body.data;
const tenantBeams = async (): Promise<{ id: string }[]> => (await fetch(`${tenant.doorUrl}/beams`)).json();

async function sessionWith(policy: "always_allow" | "always_ask"): Promise<string> {
  const agent = await api("/v1/agents", {
    body: {
      name: "Delegator",
      model: "claude-sonnet-4-6",
      tools: [{ type: "beam_agent", permission_policy: { type: policy }, max_timeout_seconds: 600 }],
    },
  });
  expect(agent.status, JSON.stringify(agent.body)).toBeLessThan(300);
  return (await client.beta.sessions.create({ agent: agent.body.id, environment_id: environmentId })).id;
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 120_000): Promise<T> {
  let value: T | undefined;
  await waitFor(
    async () => {
      value = await probe();
      return value !== undefined;
    },
    { timeoutMs, intervalMs: 100, what },
  );
  return value as T;
}

const turnText = (events: SessionEvent[]) => JSON.stringify(events);

beforeAll(async () => {
  tenant = await startTeleportTenant({
    token: `connector-${crypto.randomUUID()}`,
    rateWindowMs: RATE_WINDOW_MS,
  });
  stack = await startLocalStack({
    adminKey: ADMIN_KEY,
    providerKey: "provider-key-beams",
    vars: {
      BEAMS_CONNECTOR_URL: tenant.connectorUrl,
      BEAMS_CONNECTOR_TOKEN: tenant.token,
      BEAMS_RATE_WINDOW_SECONDS: String(RATE_WINDOW_MS / 1000),
    },
  });
  client = new Anthropic({ apiKey: ADMIN_KEY, baseURL: stack.worker.origin, maxRetries: 0 });
  environmentId = (await client.beta.environments.create({ name: `beams-${Date.now()}` })).id;
  const put = await api("/v1/teleport/connection", {
    method: "PUT",
    body: {
      proxy_address: "acme.teleport.sh:443",
      bot_name: "clawplane",
      credential: { type: "join_token", token: JOIN_TOKEN },
    },
  });
  expect(put.status, JSON.stringify(put.body)).toBe(200);
}, 300_000);

afterAll(async () => {
  await stack?.stop();
  await tenant?.close();
});

describe("delegation to Teleport Beams from a real gateway", { timeout: 400_000 }, () => {
  const turns: SessionEvent[][] = [];

  it("the model calls beam_agent: the run shows while it runs, stdout streams in, the result reaches the model, the beam is removed", async () => {
    const sessionId = await sessionWith("always_allow");
    const task = "fix the flaky test [lines 6] [sleep 6000]";
    stack.model.setMode({ kind: "tool_call", name: "beam_agent", arguments: { task } });
    const turn = sendAndWait(client, sessionId, "delegate the fix", { timeoutMs: 300_000 });
    // Visible while it runs: the API shows it running, with its beam, before the turn ends.
    const running = await until(
      async () => (await runsOf(sessionId)).find((r: any) => r.status === "running"),
      "a running beam run",
    );
    expect(running).toMatchObject({ task, agent_cli: "claude", tool_call_id: expect.any(String) });
    expect((await tenantBeams()).map((b) => b.id)).toContain(running.beam.id);
    const events = await turn;
    turns.push(events);

    const use = events.find((e) => e.type === "agent.tool_use" && e.name === "beam_agent");
    expect(use, turnText(events)).toMatchObject({ input: { task }, evaluated_permission: "allow" });
    const started = events.find((e) => e.type === "agent.beam_run_started");
    expect(started).toMatchObject({ beam_run_id: running.id, task, agent_cli: "claude" });
    const outputs = events.filter((e) => e.type === "agent.beam_run_output");
    // Streamed as it came (the stand-in prints a line a second), not one lump at the end.
    expect(outputs.length).toBeGreaterThan(1);
    expect(outputs.map((e) => e.text).join("")).toContain("step 6/6");
    const ended = events.find((e) => e.type === "agent.beam_run_ended");
    expect(ended).toMatchObject({ beam_run_id: running.id, status: "succeeded", exit_code: 0 });
    expect(events.indexOf(started!)).toBeLessThan(events.indexOf(outputs[0]!));
    // The tool result reached the model: its reply quotes it.
    const reply = events.filter((e) => e.type === "agent.message").at(-1);
    const replyText = reply?.content?.map((b: { text?: string }) => b.text ?? "").join("") ?? "";
    expect(replyText).toContain(`Beam run ${running.id} succeeded.`);
    expect(replyText).toContain(`RESULT: done with "${task}"`);
    expect(events.at(-1)).toMatchObject({ type: "session.status_idle", stop_reason: { type: "end_turn" } });

    const [run] = await runsOf(sessionId);
    expect(run).toMatchObject({ status: "succeeded", exit_code: 0 });
    // The stand-in `claude` reported its usage in Claude Code's stream-json result message:
    // recorded on the run, in the ended event, and rolled up for the session.
    const reported = {
      input_tokens: 1200,
      output_tokens: 340,
      cache_read_input_tokens: 800,
      cache_creation_input_tokens: 0,
      cost_usd: (1200 * 3 + 340 * 15 + 800 * 0.3) / 1_000_000,
    };
    expect(run.usage).toEqual(reported);
    expect(ended).toMatchObject({ usage: reported });
    expect((await api(`/v1/beam_runs/usage?session_id=${sessionId}`)).body).toMatchObject({
      runs: 1,
      reported_runs: 1,
      input_tokens: 1200,
      output_tokens: 340,
      cost_usd: reported.cost_usd,
    });
    // What streamed and what the model read is the agent's words, not the JSON lines.
    expect(outputs.map((e) => e.text).join("")).not.toContain('"type":"assistant"');
    expect(run.wall_ms).toBeGreaterThan(5_000);
    expect((await tenantBeams()).map((b) => b.id)).not.toContain(run.beam.id);
    // Delegation overhead: the tool call (the gateway's tool event) → `tsh beams exec` starting.
    const overheadMs = Date.parse(run.exec_started_at) - Date.parse(use!.processed_at);
    console.log(
      `[beams figures] tool call → beam exec start ${overheadMs} ms (first run: includes the tbot join)`,
    );
  });

  it("always_ask: the call waits for the user's approval and creates nothing before it", async () => {
    const sessionId = await sessionWith("always_ask");
    const task = "bump the dependency [lines 2]";
    stack.model.setMode({ kind: "tool_call", name: "beam_agent", arguments: { task } });
    const asked = await sendAndWait(client, sessionId, "delegate, but ask me", { timeoutMs: 300_000 });
    turns.push(asked);
    const use = asked.find((e) => e.type === "agent.tool_use" && e.name === "beam_agent");
    expect(use, turnText(asked)).toMatchObject({ evaluated_permission: "ask" });
    expect(asked.at(-1)).toMatchObject({
      type: "session.status_idle",
      stop_reason: { type: "requires_action", event_ids: [use!.id] },
    });
    expect(await runsOf(sessionId)).toEqual([]);

    const answered = await sendEventsAndWait(
      client,
      sessionId,
      [{ type: "user.tool_confirmation", tool_use_id: use!.id, result: "allow" }],
      { timeoutMs: 300_000 },
    );
    turns.push(answered);
    expect(
      answered.find((e) => e.type === "agent.beam_run_ended"),
      turnText(answered),
    ).toMatchObject({
      status: "succeeded",
    });
    expect((await runsOf(sessionId)).map((r: any) => r.status)).toEqual(["succeeded"]);
  });

  it("user.interrupt mid-run cancels the run and removes its beam", async () => {
    const sessionId = await sessionWith("always_allow");
    stack.model.setMode({
      kind: "tool_call",
      name: "beam_agent",
      arguments: { task: "a long refactor [lines 4] [sleep 120000]" },
    });
    const turn = sendAndWait(client, sessionId, "delegate the long one", { timeoutMs: 300_000 });
    const running = await until(
      async () => (await runsOf(sessionId)).find((r: any) => r.status === "running"),
      "a running beam run",
    );
    expect((await tenantBeams()).map((b) => b.id)).toContain(running.beam.id);
    await client.beta.sessions.events.send(sessionId, { events: [{ type: "user.interrupt" }] });
    const events = await turn;
    turns.push(events);
    expect(events.at(-1)).toMatchObject({ type: "session.status_idle" });
    await until(
      async () => ((await runsOf(sessionId))[0].status === "cancelled" ? true : undefined),
      "the run cancelled",
      30_000,
    );
    await until(
      async () => (!(await tenantBeams()).some((b) => b.id === running.beam.id) ? true : undefined),
      "the beam removed",
      30_000,
    );
  });

  it("25 delegations in one turn: at most 20 beams at once and 5 new per window, the rest queued with their positions", async () => {
    const sessionId = await sessionWith("always_allow");
    // Each run outlasts four windows, so the first 20 are all running before any ends.
    const task = (i: number) => `job ${i} [lines 2] [sleep ${5 * RATE_WINDOW_MS}]`;
    stack.model.setMode({
      kind: "tool_call",
      name: "beam_agent",
      arguments: { task: task(0) },
      also: Array.from({ length: 24 }, (_, i) => ({ name: "beam_agent", arguments: { task: task(i + 1) } })),
    });
    const turn = sendAndWait(client, sessionId, "delegate all 25 jobs", { timeoutMs: 300_000 });
    let maxBeams = 0;
    let maxActive = 0;
    let positionsSeen: number[] = [];
    let settled = false;
    let lastCounts = "";
    const t0 = Date.now();
    void turn.finally(() => {
      settled = true;
    });
    await waitFor(
      async () => {
        const [beams, runs] = await Promise.all([
          tenantBeams(),
          api(`/v1/beam_runs?session_id=${sessionId}&limit=100`).then((r) => r.body.data),
        ]);
        maxBeams = Math.max(maxBeams, beams.length);
        maxActive = Math.max(
          maxActive,
          runs.filter((r: any) => ["starting", "running"].includes(r.status)).length,
        );
        const queued = runs.filter((r: any) => r.status === "queued").map((r: any) => r.queue_position);
        if (queued.length > positionsSeen.length)
          positionsSeen = queued.sort((a: number, b: number) => a - b);
        const counts = JSON.stringify(
          Object.fromEntries(
            ["queued", "starting", "running", "succeeded", "failed"].map((k) => [
              k,
              runs.filter((r: any) => r.status === k).length,
            ]),
          ),
        );
        if (counts !== lastCounts)
          console.log(
            `[beams 25] ${Date.now() - t0} ms: ${runs.length} runs ${counts}, ${beams.length} beams`,
          );
        lastCounts = counts;
        // Done when every run ended, or when the turn ended first (then the count below says why).
        return (runs.length === 25 && runs.every((r: any) => r.ended_at !== null)) || settled;
      },
      { timeoutMs: 240_000, intervalMs: 500, what: "all 25 runs ended" },
    );
    const events = await turn;
    console.log(
      `[beams 25] the turn made ${events.filter((e) => e.type === "agent.tool_use" && e.name === "beam_agent").length} beam_agent calls`,
    );
    expect(settled).toBe(true);
    turns.push(events);
    const runs = (await api(`/v1/beam_runs?session_id=${sessionId}&limit=100`)).body.data;
    expect(runs).toHaveLength(25);
    expect(
      runs.filter((r: any) => r.status !== "succeeded").map((r: any) => `${r.status}: ${r.error}`),
    ).toEqual([]);
    // Never more than 20 beams at once in the tenant, and the cap was reached.
    expect(maxBeams).toBeLessThanOrEqual(20);
    expect(maxActive).toBe(20);
    // Never more than 5 beams started in any window (starts as the Worker recorded them)…
    const starts = runs.map((r: any) => Date.parse(r.started_at)).sort((a: number, b: number) => a - b);
    for (const at of starts)
      expect(starts.filter((t: number) => t >= at && t < at + RATE_WINDOW_MS).length).toBeLessThanOrEqual(5);
    // …and Teleport (the double, which enforces both limits) never had to refuse a creation.
    expect(await (await fetch(`${tenant.doorUrl}/refused`)).json()).toBe(0);
    // The waiting runs showed their places: 1..n in the API, and in the session's started events.
    expect(positionsSeen.length).toBeGreaterThanOrEqual(15);
    expect(positionsSeen).toEqual(positionsSeen.map((_, i) => i + 1));
    const started = events.filter((e) => e.type === "agent.beam_run_started");
    expect(started).toHaveLength(25);
    expect(started.filter((e) => e.queue_position !== null).length).toBeGreaterThanOrEqual(20);
    expect(events.filter((e) => e.type === "agent.beam_run_ended").map((e) => e.status)).toEqual(
      Array(25).fill("succeeded"),
    );
    expect(await tenantBeams()).toEqual([]);
  });

  it("a connector killed mid-run: the run fails with the reason, and the reaper removes its orphan beam", async () => {
    const sessionId = await sessionWith("always_allow");
    stack.model.setMode({
      kind: "tool_call",
      name: "beam_agent",
      arguments: { task: "a migration [lines 4] [sleep 120000]" },
    });
    const turn = sendAndWait(client, sessionId, "delegate the migration", { timeoutMs: 300_000 });
    const running = await until(
      async () => (await runsOf(sessionId)).find((r: any) => r.status === "running"),
      "a running beam run",
    );
    await tenant.killConnector();
    const events = await turn;
    turns.push(events);
    const ended = events.find((e) => e.type === "agent.beam_run_ended");
    expect(ended, turnText(events)).toMatchObject({ beam_run_id: running.id, status: "failed" });
    expect(ended!.error).toContain("the connector was lost mid-run");
    const [run] = await runsOf(sessionId);
    expect(run).toMatchObject({ status: "failed", error: expect.stringContaining("removed by the reaper") });
    // The crash left the beam behind in Teleport: an orphan no open run owns.
    expect((await tenantBeams()).map((b) => b.id)).toContain(running.beam.id);
    // The connector comes back knowing nothing (a new container); the reaper finds and removes it.
    await tenant.restartConnector();
    await until(
      async () => (!(await tenantBeams()).some((b) => b.id === running.beam.id) ? true : undefined),
      "the reaper to remove the orphan beam",
      60_000,
    );
    const audit = (await api(`/v1/audit?target=${running.beam.id}&limit=10`)).body.data;
    expect(audit).toContainEqual(
      expect.objectContaining({
        action: "beams.remove",
        outcome: "success",
        actor: expect.objectContaining({ type: "beam_reaper" }),
      }),
    );
  });

  it("the bot's join token and identity are in none of the runtime's environment, files, events or answers", async () => {
    const identity = await readFile(tenant.identityFile, "utf8");
    const secrets = [JOIN_TOKEN, ...identity.split("\n").filter((l) => l.startsWith("cert="))];
    expect(secrets.length).toBe(2);
    const everything = [...seen, ...turns.map(turnText)];
    for (const text of everything) for (const s of secrets) expect(text).not.toContain(s);
    // This file's runtimes: every gateway process whose session document points the beams
    // plugin at this Worker's beam calls.
    const beamsPlugin = `"clawplane-beams":{"config":{"url":"${stack.worker.origin}/beams/v1"`;
    let runtimes = 0;
    for (const pid of (await readdir("/proc")).filter((p) => /^\d+$/.test(p))) {
      const environ = await readFile(`/proc/${pid}/environ`, "utf8").catch(() => "");
      if (!environ.includes("CLAWPLANE_SESSION_CONFIG=") || !environ.includes(beamsPlugin)) continue;
      runtimes++;
      expect(environ).toContain("CLAWPLANE_SESSION_TOKEN=cpst_");
      for (const s of secrets) expect(environ).not.toContain(s);
    }
    expect(runtimes).toBeGreaterThan(0);
    // Their state dirs (config, transcripts, logs).
    for (const dir of (await readdir(tmpdir())).filter((d) => d.startsWith("clawplane-openclaw-"))) {
      for (const s of secrets) expect(await filesContaining(join(tmpdir(), dir), s), dir).toEqual([]);
    }
  });
});
