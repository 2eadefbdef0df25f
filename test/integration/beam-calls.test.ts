/**
 * The `beam_agent` tool's calls through the real Worker, as container/plugins/clawplane-beams
 * makes them: authenticated by the session's token, the agent's beam_agent entry and the org's
 * policy, the run recorded and driven by the org's TeleportConnectorDO through the connector
 * process on the tsh/tbot doubles (started by test/global-setup.ts), the session's typed events
 * (started, stdout, ended), the bounded output as the answer, and interrupt / archive cancelling
 * the run and removing its beam. The bot's join token appears in nothing the runtime or an API
 * client sees.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { call, callJson, MINIMAL_AGENT } from "../helpers/api";
import { connectTeleport } from "../helpers/teleport";
import { addMember, createPlane, memberSession } from "../helpers/planes";
import { mintSessionToken } from "../helpers/session-token";
import { waitFor } from "../helpers/wait";

const JOIN_TOKEN = "tbot-join-beamcalls-5e6f708192a3b4c5d6e7f8091a2b3c4d";
const TENANT = (env as unknown as { TELEPORT_TENANT_URL: string }).TELEPORT_TENANT_URL;
const seen: string[] = [];

let environmentId: string;

async function newSession(tools: unknown[]): Promise<{ sessionId: string; token: string }> {
  const agent = await callJson("/v1/agents", { body: { ...MINIMAL_AGENT, tools } });
  expect(agent.status, JSON.stringify(agent.body)).toBeLessThan(300);
  const session = await callJson("/v1/sessions", {
    body: { agent: agent.body.id, environment_id: environmentId },
  });
  const token = (await mintSessionToken(session.body.id)) as string;
  expect(token).toMatch(/^cpst_/);
  return { sessionId: session.body.id, token };
}

async function delegate(token: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await call("/beams/v1/delegate", {
    key: null,
    headers: { authorization: `Bearer ${token}` },
    body,
  });
  const text = await res.text();
  seen.push(text);
  return { status: res.status, body: JSON.parse(text) };
}

async function events(sessionId: string): Promise<any[]> {
  const res = await callJson(`/v1/sessions/${sessionId}/events?limit=1000`);
  seen.push(JSON.stringify(res.body));
  return res.body.data;
}

const runsOf = async (sessionId: string) =>
  (await callJson(`/v1/beam_runs?session_id=${sessionId}`)).body.data;
const tenantBeams = async (): Promise<{ id: string }[]> => (await fetch(`${TENANT}/beams`)).json();

/** Waits for the session's run to be running (queued first when the shared tenant is busy). */
async function runningRunOf(sessionId: string): Promise<any> {
  let running: any;
  await waitFor(
    async () => {
      running = (await runsOf(sessionId)).find((r: any) => r.status === "running");
      return Boolean(running);
    },
    { timeoutMs: 150_000, intervalMs: 200, what: "a running beam run" },
  );
  return running;
}

const BEAM_TOOL = {
  type: "beam_agent",
  permission_policy: { type: "always_allow" },
  max_timeout_seconds: 600,
};

beforeAll(async () => {
  environmentId = (
    await callJson("/v1/environments", {
      body: { name: `beams-${crypto.randomUUID().slice(0, 6)}`, config: { type: "cloud" } },
    })
  ).body.id;
});

describe("beam_agent calls of a session's runtime", { timeout: 240_000 }, () => {
  it("refuses a wrong token, an agent without the tool, bad arguments and a missing connection", async () => {
    const { token } = await newSession([BEAM_TOOL]);
    expect((await delegate(`${token.slice(0, -1)}x`, { tool_call_id: "c1", task: "x" })).status).toBe(401);

    const plain = await newSession([]);
    const forbidden = await delegate(plain.token, { tool_call_id: "c1", task: "x" });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.details.error_code).toBe("beam_delegation_forbidden");

    const bad = await delegate(token, { tool_call_id: "c1", timeout: 0 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      "task",
      "timeout",
    ]);

    // Only once an org admin has configured Teleport may anyone delegate.
    const unconfigured = await delegate(token, { tool_call_id: "c2", task: "x" });
    expect(unconfigured.body.error.details.error_code).toBe("teleport_not_configured");

    const put = await connectTeleport(JOIN_TOKEN);
    expect(put.status).toBe(200);
    const tooLong = await delegate(token, { tool_call_id: "c3", task: "x", timeout: 601, publish: true });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.details.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      "publish",
      "timeout",
    ]);
    expect(await runsOf(plain.sessionId)).toEqual([]);
  });

  it("runs the task in a beam, streams its stdout into the session and answers with the output", async () => {
    const { sessionId, token } = await newSession([BEAM_TOOL]);
    const calledAt = Date.now();
    const res = await delegate(token, { tool_call_id: "call_fix", task: "fix the flaky test [lines 4]" });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ status: "succeeded", exit_code: 0, error: null, truncated: false });
    expect(res.body.output).toContain("step 4/4");
    expect(res.body.output).toContain('RESULT: done with "fix the flaky test [lines 4]"');

    const log = await events(sessionId);
    const started = log.find((e) => e.type === "agent.beam_run_started");
    const ended = log.find((e) => e.type === "agent.beam_run_ended");
    expect(started).toMatchObject({
      beam_run_id: res.body.beam_run_id,
      tool_call_id: "call_fix",
      agent_cli: "claude",
      task: "fix the flaky test [lines 4]",
    });
    const streamed = log
      .filter((e) => e.type === "agent.beam_run_output")
      .map((e) => e.text)
      .join("");
    expect(streamed).toContain("step 1/4");
    expect(streamed).toContain("RESULT:");
    expect(ended).toMatchObject({ beam_run_id: res.body.beam_run_id, status: "succeeded", exit_code: 0 });
    expect(ended.wall_ms).toBeGreaterThan(0);
    expect(log.indexOf(started)).toBeLessThan(log.indexOf(ended));

    const [run] = await runsOf(sessionId);
    expect(run).toMatchObject({ id: res.body.beam_run_id, status: "succeeded", tool_call_id: "call_fix" });
    expect(run.beam.id).toBeTruthy();
    // The beam is gone: nothing left in the tenant under this run's beam.
    expect((await tenantBeams()).map((b) => b.id)).not.toContain(run.beam.id);
    // The Worker's part of the delegation overhead: the call arriving → `tsh beams exec` starting
    // (record, queue, `tsh beams add` on the double; no gateway in between here).
    console.log(`[beams figures] beam call → exec start ${Date.parse(run.exec_started_at) - calledAt} ms`);
  });

  it("user.interrupt on the session cancels its running run and removes the beam", async () => {
    const { sessionId, token } = await newSession([BEAM_TOOL]);
    const pending = delegate(token, { tool_call_id: "call_long", task: "long job [sleep 120000]" });
    const running = await runningRunOf(sessionId);
    expect((await tenantBeams()).map((b) => b.id)).toContain(running.beam.id);
    await callJson(`/v1/sessions/${sessionId}/events`, { body: { events: [{ type: "user.interrupt" }] } });
    const res = await pending;
    expect(res.body).toMatchObject({ beam_run_id: running.id, status: "cancelled" });
    await waitFor(async () => !(await tenantBeams()).some((b) => b.id === running.beam.id), {
      timeoutMs: 30_000,
    });
    const ended = (await events(sessionId)).find((e) => e.type === "agent.beam_run_ended");
    expect(ended).toMatchObject({ status: "cancelled" });
  });

  it("archiving the session cancels its runs", async () => {
    const { sessionId, token } = await newSession([BEAM_TOOL]);
    const pending = delegate(token, { tool_call_id: "call_arch", task: "long job [sleep 120000]" });
    const running = await runningRunOf(sessionId);
    expect((await callJson(`/v1/sessions/${sessionId}/archive`, { method: "POST" })).status).toBe(200);
    expect((await pending).body).toMatchObject({ status: "cancelled" });
    await waitFor(async () => !(await tenantBeams()).some((b) => b.id === running.beam.id), {
      timeoutMs: 30_000,
    });
  });

  it("records each run's wall time against its session, plane member and plane", async () => {
    const plane = await createPlane({
      template: { model: "claude-sonnet-4-6", system: "You delegate.", tools: [BEAM_TOOL] },
    });
    const member = await addMember(plane.id, "ada");
    const session = await memberSession(member);
    const token = (await mintSessionToken(session.id)) as string;
    const res = await delegate(token, {
      tool_call_id: "call_cost",
      task: "costed job [lines 2] [sleep 1500]",
    });
    expect(res.body, JSON.stringify(res.body)).toMatchObject({ status: "succeeded" });
    const [run] = (await callJson(`/v1/beam_runs?plane_id=${plane.id}`)).body.data;
    expect(run).toMatchObject({ id: res.body.beam_run_id, member_id: member.id, plane_id: plane.id });
    expect(run.wall_ms).toBeGreaterThanOrEqual(1_500);
    for (const query of [`session_id=${session.id}`, `member_id=${member.id}`, `plane_id=${plane.id}`]) {
      const usage = await callJson(`/v1/beam_runs/usage?${query}`);
      expect(usage.body, query).toMatchObject({
        type: "beam_usage",
        runs: 1,
        ended_runs: 1,
        wall_ms: run.wall_ms,
      });
    }
    const other = await callJson("/v1/beam_runs/usage?member_id=pmem_nobody");
    expect(other.body).toMatchObject({ runs: 0, ended_runs: 0, wall_ms: 0 });
  });

  it("an org that turned delegation off refuses the call, and nothing is recorded", async () => {
    const { sessionId, token } = await newSession([BEAM_TOOL]);
    await callJson("/v1/teleport/connection", {
      method: "PUT",
      body: {
        proxy_address: "acme.teleport.sh:443",
        bot_name: "clawplane",
        credential: { type: "join_token", token: JOIN_TOKEN },
        delegation_allowed: false,
      },
    });
    const res = await delegate(token, { tool_call_id: "call_off", task: "anything" });
    expect(res.status).toBe(403);
    expect(res.body.error.details.error_code).toBe("beam_delegation_forbidden");
    expect(await runsOf(sessionId)).toEqual([]);
    const audit = await callJson("/v1/audit?limit=1000");
    const delegations = audit.body.data.filter((e: any) => e.action === "beams.delegate");
    expect(delegations.some((e: any) => e.outcome === "failure" && e.actor.id === sessionId)).toBe(true);
    expect(delegations.some((e: any) => e.outcome === "success")).toBe(true);
  });

  it("the bot's join token is in no answer and no event", () => {
    expect(seen.length).toBeGreaterThan(5);
    for (const text of seen) expect(text).not.toContain(JOIN_TOKEN);
  });
});
