/**
 * `clawplane beams ls|show|cancel|usage` and `client.beamRuns`/`client.teleport`, in-process against the
 * real Worker (workerd, D1). Runs are recorded straight into D1 here, as the connector would
 * before creating their beams (the delegation path itself is tested in the Worker's tests).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { cliOn } from "./fake-api";
import { ADMIN_KEY, BASE_URL, client, workerFetch } from "./helpers";

const cli = () => cliOn({ fetch: workerFetch, baseURL: BASE_URL, apiKey: ADMIN_KEY });

async function recordRun(sessionId: string, status: string, extra: Record<string, unknown> = {}) {
  const id = `beam_${crypto.randomUUID().replaceAll("-", "").slice(0, 24)}`;
  const row = {
    exit_code: null,
    beam_id: null,
    output_bytes: 0,
    output_truncated: 0,
    ...extra,
  };
  await (env as unknown as { DB: D1Database }).DB.prepare(
    `INSERT INTO beam_runs (id, connector, session_id, tool_call_id, agent_id, agent_version, task, agent_cli,
       command, timeout_seconds, publish, status, beam_id, exit_code, output_bytes, output_truncated, created_at)
     VALUES (?, 'org', ?, ?, 'agent_x', 1, 'write tests', 'codex', ?, 300, 0, ?, ?, ?, ?, ?, ?)`,
  )
    .bind(
      id,
      sessionId,
      `call_${id}`,
      JSON.stringify(["codex", "exec", "--full-auto", "write tests"]),
      status,
      row.beam_id,
      row.exit_code,
      row.output_bytes,
      row.output_truncated,
      Date.now(),
    )
    .run();
  return id;
}

describe("clawplane beams", () => {
  it("lists a session's runs with their standing, shows one, cancels a queued one", async () => {
    const session = `sesn_${crypto.randomUUID().slice(0, 8)}`;
    const done = await recordRun(session, "succeeded", { beam_id: "gentle-otter", exit_code: 0 });
    const queued = await recordRun(session, "queued");
    const c = cli();
    const ls = await c.run("beams", "ls", "--session", session);
    expect(ls).toMatchObject({ code: 0, err: "" });
    expect(ls.out).toMatch(new RegExp(`${queued} +queued \\(#\\d+\\) +${session} +codex`));
    expect(ls.out).toMatch(new RegExp(`${done} +succeeded +${session} +codex +gentle-otter +0`));
    const show = await c.run("beams", "show", done);
    expect(show.out).toMatch(/^command: +codex exec --full-auto write tests$/m);
    expect(show.out).toContain("--- output ---");
    const cancel = await c.run("beams", "cancel", queued);
    expect(cancel).toMatchObject({ code: 0, out: `${queued} cancelled\n` });
    const again = await c.run("beams", "cancel", queued);
    expect(again.code).toBe(1);
    expect(again.err).toContain("already ended");
    const json = await c.run("--json", "beams", "show", queued);
    expect(JSON.parse(json.out)).toMatchObject({ id: queued, status: "cancelled" });
  });

  it("totals a session's runs, their beams' wall time and the usage their CLIs reported", async () => {
    const session = `sesn_${crypto.randomUUID().slice(0, 8)}`;
    const first = await recordRun(session, "succeeded");
    await recordRun(session, "running");
    const db = (env as unknown as { DB: D1Database }).DB;
    // As the connector records a run whose agent CLI reported its usage (src/beams/cli-output.ts).
    await db
      .prepare(
        "UPDATE beam_runs SET wall_ms = 1500, ended_at = ?, input_tokens = 1200, output_tokens = 340, cache_read_tokens = 800, cache_creation_tokens = 0, cost_usd = 0.00894 WHERE id = ?",
      )
      .bind(Date.now(), first)
      .run();
    const usage = await cli().run("beams", "usage", "--session", session);
    expect(usage).toMatchObject({ code: 0, err: "" });
    expect(usage.out).toMatch(/^runs: +2$/m);
    expect(usage.out).toMatch(/^ended: +1$/m);
    expect(usage.out).toMatch(/^wall time: +1\.5 s$/m);
    expect(usage.out).toMatch(/^reported by cli: +1 runs$/m);
    expect(usage.out).toMatch(/^tokens: +1200 in \(800 cache read, 0 cache write\), 340 out$/m);
    expect(usage.out).toMatch(/^cost: +\$0\.0089$/m);
    expect(await client().beamRuns.usage({ session_id: session })).toMatchObject({
      type: "beam_usage",
      session_id: session,
      runs: 2,
      ended_runs: 1,
      wall_ms: 1500,
      reported_runs: 1,
      input_tokens: 1200,
      output_tokens: 340,
      cache_read_input_tokens: 800,
      cost_usd: 0.00894,
    });
    const show = await cli().run("beams", "show", first);
    expect(show.out).toMatch(/^tokens: +1200 in \(800 cache read, 0 cache write\), 340 out$/m);
    expect((await client().beamRuns.retrieve(first)).usage).toEqual({
      input_tokens: 1200,
      output_tokens: 340,
      cache_read_input_tokens: 800,
      cache_creation_input_tokens: 0,
      cost_usd: 0.00894,
    });
  });

  it("sets the Teleport connection through the SDK without ever reading the credential back", async () => {
    const sdk = client();
    const put = await sdk.teleport.putConnection({
      proxy_address: "acme.teleport.sh:443",
      bot_name: "clawplane",
      credential: { type: "identity", identity: "-----BEGIN SSH IDENTITY-----secret" },
    });
    expect(put.credential).toEqual({ type: "identity" });
    const read = await sdk.teleport.retrieveConnection();
    expect(JSON.stringify(read)).not.toContain("secret");
  });
});
