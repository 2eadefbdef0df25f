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
 * files, the session's events or any answer. (The 25-delegation limits and the reaper after a
 * connector crash are proven against the connector DO in test/integration/beam-connector.test.ts.)
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
  tenant = await startTeleportTenant({ token: `connector-${crypto.randomUUID()}` });
  stack = await startLocalStack({
    adminKey: ADMIN_KEY,
    providerKey: "provider-key-beams",
    vars: { BEAMS_CONNECTOR_URL: tenant.connectorUrl, BEAMS_CONNECTOR_TOKEN: tenant.token },
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
