/**
 * The `clawplane` CLI run in-process (`run(argv, io)`) against the real Worker: captured
 * stdout/stderr, an in-memory config store (the file store: node/config.test.ts), the Worker's
 * fetch. Checks tables, `--json`, streaming `send`, and exit codes with the server's errors.
 */
import { describe, expect, it } from "vitest";
import type { CliConfig, ConfigStore } from "../src/cli/config";
import type { CliIo } from "../src/cli/io";
import type { FetchLike } from "../src/index";
import { run } from "../src/cli/program";
import { ADMIN_KEY, BASE_URL, client, fixture, workerFetch } from "./helpers";

function memoryStore(initial?: CliConfig): ConfigStore & { saved?: CliConfig } {
  const store: ConfigStore & { saved?: CliConfig } = {
    path: "/memory/clawplane/config.json",
    saved: initial,
    read: async () => store.saved,
    write: async (config) => {
      store.saved = config;
    },
  };
  return store;
}

/** A CLI wired to the Worker; `run` returns the exit code and what was printed. */
function cli(
  options: { config?: CliConfig | null; answers?: string[]; ttyStderr?: boolean; fetch?: FetchLike } = {},
) {
  // Logged in as the admin unless the test says `config: null` (never logged in).
  const saved =
    options.config === null ? undefined : (options.config ?? { baseURL: BASE_URL, apiKey: ADMIN_KEY });
  const config = memoryStore(saved);
  const answers = [...(options.answers ?? [])];
  let out = "";
  let err = "";
  const io: CliIo = {
    stdout: {
      write: (s) => {
        out += s;
      },
      isTTY: false,
    },
    stderr: {
      write: (s) => {
        err += s;
      },
      isTTY: options.ttyStderr === true,
    },
    env: {},
    config,
    prompt: async () => answers.shift() ?? "",
    fetch: options.fetch ?? workerFetch,
  };
  return {
    config,
    async run(...argv: string[]) {
      out = "";
      err = "";
      const code = await run(argv, io);
      return { code, out, err };
    },
  };
}

/** `clawplane sessions stream sesn_x --until session.status_idle` against `fetch`. */
const streamUntilIdle = (fetch: FetchLike) =>
  cli({ fetch }).run("sessions", "stream", "sesn_x", "--until", "session.status_idle");

/**
 * A scripted server for `sessions send` / `stream`: these sessions have no runtime, so a turn is
 * played from a recording; a send is echoed with the first frame.
 */
function scriptedTurn(frames: Array<{ id: string; type: string }>): FetchLike {
  const sse = frames.map((f) => `id: ${f.id}\nevent: ${f.type}\ndata: ${JSON.stringify(f)}\n\n`).join("");
  return async (input) => {
    const url = new URL(String(input instanceof Request ? input.url : input));
    if (url.pathname.endsWith("/stream")) {
      return new Response(sse, { headers: { "content-type": "text/event-stream" } });
    }
    return Response.json({ data: [{ ...frames[0], processed_at: null }] });
  };
}

describe("clawplane CLI", () => {
  it("login saves flags after checking the key, and prompts for what is missing", async () => {
    const c = cli({ config: null, answers: [BASE_URL, ADMIN_KEY] });
    const prompted = await c.run("login");
    expect(prompted).toMatchObject({ code: 0, err: "" });
    expect(prompted.out).toContain(`Logged in to ${BASE_URL}`);
    expect(c.config.saved).toEqual({ baseURL: BASE_URL, apiKey: ADMIN_KEY });

    const bad = await c.run("login", "--base-url", BASE_URL, "--api-key", "cpk_wrong");
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/invalid_api_key, 401/);
    expect(bad.err).toMatch(/request id: req_/);
    expect(c.config.saved?.apiKey).toBe(ADMIN_KEY);
  });

  it("creates, lists and shows agents as tables and JSON", async () => {
    const c = cli();
    const created = await c.run(
      "agents",
      "create",
      "--name",
      "CLI agent",
      "--model",
      "claude-sonnet-4-6",
      "--json",
    );
    expect(created.code).toBe(0);
    const agent = JSON.parse(created.out);
    expect(agent).toMatchObject({ name: "CLI agent", version: 1 });

    const listed = await c.run("agents", "ls", "--limit", "5");
    const [header, ...rows] = listed.out.trimEnd().split("\n");
    expect(header).toMatch(/^ID\s+NAME\s+MODEL\s+VERSION\s+CREATED$/);
    expect(rows.length).toBeLessThanOrEqual(5);
    expect(rows[0]).toMatch(new RegExp(`^${agent.id}\\s+CLI agent\\s+claude-sonnet-4-6\\s+1\\s+`));

    const newer = JSON.parse(
      (await c.run("--json", "agents", "create", "--name", "newer", "--model", "m")).out,
    );
    const json = await c.run("--json", "agents", "ls", "--limit", "1");
    expect(JSON.parse(json.out).map((a: { id: string }) => a.id)).toEqual([newer.id]);
    const shown = await c.run("agents", "show", agent.id, "--version", "1");
    expect(shown.out).toMatch(/^id:\s+agent_/);
    expect(shown.out).toContain("model:       claude-sonnet-4-6");
  });

  it("exits 1 with the server's message, code and request id; 2 on bad usage", async () => {
    const c = cli();
    const missing = await c.run("agents", "show", "agent_missing");
    expect(missing.code).toBe(1);
    expect(missing.out).toBe("");
    expect(missing.err).toMatch(
      /^error: agent agent_missing not found \(agent_not_found, 404\)\n {2}request id: req_/,
    );

    const invalid = await c.run("agents", "create", "--name", "", "--model", "m");
    expect(invalid.code).toBe(1);
    expect(invalid.err).toMatch(/\n {2}name: /);

    const usage = await c.run("agents", "create", "--name", "x");
    expect(usage.code).toBe(2);
    expect(usage.err).toContain("required option '--model <model>' not specified");
    expect((await c.run("agents", "ls", "--limit", "zero")).code).toBe(2);

    const noKey = cli({ config: null });
    const unauth = await noKey.run("agents", "ls");
    expect(unauth).toMatchObject({ code: 1, err: expect.stringContaining("clawplane login") });
  });

  it("runs a session: create, ls, send (reply streamed, failed turn exits 1), events, stream, rm", async () => {
    const c = cli();
    const { agent, environment } = await fixture(client());
    const created = await c.run(
      "--json",
      "sessions",
      "create",
      "--agent",
      agent.id,
      "--environment",
      environment.id,
    );
    const session = JSON.parse(created.out);
    expect(session).toMatchObject({ status: "idle" });

    const listed = await c.run("sessions", "ls", "--agent", agent.id, "--status", "idle");
    expect(listed.out.split("\n")[1]).toMatch(new RegExp(`^${session.id}\\s+idle\\s+-\\s+${agent.id}`));

    // The turn fails with session.error, reported on stderr, exit 1.
    const sent = await c.run("sessions", "send", session.id, "hello", "there");
    expect(sent.code).toBe(1);
    // No provider here (the SDK tests configure none): the turn fails at once, naming the setting.
    expect(sent.err).toMatch(/^error: no model provider .*LLM_UPSTREAM_BASE_URL/);
    const ndjson = await c.run("--json", "sessions", "send", session.id, "again");
    const types = ndjson.out
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l).type);
    expect(types).toEqual([
      "user.message",
      "session.status_running",
      "session.error",
      "session.usage",
      "session.status_idle",
    ]);

    const events = await c.run("events", "ls", session.id, "--type", "user.message");
    expect(events.out).toMatch(/^ID\s+TYPE\s+PROCESSED\s+SUMMARY\n/);
    expect(events.out).toContain("hello there");
    const all = JSON.parse((await c.run("events", "ls", session.id, "--json")).out) as { id: string }[];
    const streamed = await c.run(
      "sessions",
      "stream",
      session.id,
      "--last-event-id",
      all[0]!.id,
      "--until",
      "session.status_idle",
    );
    expect(streamed.code).toBe(0);
    expect(streamed.out.split("\n")[0]).toMatch(/^\d\d:\d\d:\d\d {2}session\.status_running/);

    expect(await c.run("sessions", "rm", session.id)).toMatchObject({
      code: 0,
      out: `deleted ${session.id}\n`,
    });
    expect((await c.run("sessions", "show", session.id)).err).toContain("session_not_found");
  });

  it("shows progress on stderr only when it is a terminal", async () => {
    const { agent, environment } = await fixture(client());
    const session = await client().sessions.create({ agent: agent.id, environment_id: environment.id });
    const tty = await cli({ ttyStderr: true }).run("sessions", "send", session.id, "hi");
    expect(tty.err).toContain("waiting for the agent");
    const plain = await cli().run("sessions", "send", session.id, "hi");
    expect(plain.err).not.toContain("waiting");
  });

  it("queries the audit log with filters", async () => {
    const c = cli();
    const agent = JSON.parse(
      (await c.run("--json", "agents", "create", "--name", "audited", "--model", "m")).out,
    );
    const audit = await c.run("audit", "--action", "agents.*", "--target", agent.id);
    expect(audit.out).toMatch(/^AT\s+ACTION\s+TARGET\s+ACTOR\s+OUTCOME\s+STATUS\n/);
    expect(audit.out).toMatch(new RegExp(`agents\\.create\\s+${agent.id}\\s+admin\\s+success\\s+200`));
  });

  it("prints a reply's deltas to stdout as they arrive and exits 0 on end_turn", async () => {
    // A scripted server: these sessions have no runtime, so a reply is played from a recording.
    const frames = [
      { id: "sevt_u", type: "user.message", content: [{ type: "text", text: "hi" }] },
      { id: "sevt_r", type: "session.status_running" },
      { type: "event_start", event: { id: "sevt_m", type: "agent.message" } },
      {
        type: "event_delta",
        event_id: "sevt_m",
        delta: { type: "content_delta", content: { type: "text", text: "Hel" } },
      },
      {
        type: "event_delta",
        event_id: "sevt_m",
        delta: { type: "content_delta", content: { type: "text", text: "lo!" } },
      },
      { id: "sevt_m", type: "agent.message", content: [{ type: "text", text: "Hello!" }] },
      { id: "sevt_i", type: "session.status_idle", stop_reason: { type: "end_turn" } },
    ];
    const sse = frames
      .map((f) => `${"id" in f ? `id: ${f.id}\n` : ""}event: ${f.type}\ndata: ${JSON.stringify(f)}\n\n`)
      .join("");
    const fetch: FetchLike = async (input) => {
      const url = new URL(String(input instanceof Request ? input.url : input));
      if (url.pathname.endsWith("/stream")) {
        expect(url.searchParams.get("event_deltas[]")).toBe("agent.message");
        return new Response(sse, { headers: { "content-type": "text/event-stream" } });
      }
      return Response.json({ data: [{ ...frames[0], processed_at: null }] });
    };
    const result = await cli({ fetch }).run("sessions", "send", "sesn_x", "hi");
    expect(result).toEqual({ code: 0, out: "Hello!\n", err: "" });
  });

  it("shows a custom tool call and says the turn waits for its answer", async () => {
    const t = "2026-01-02T03:04:05.000Z";
    const frames = [
      { id: "sevt_u", type: "user.message", content: [{ type: "text", text: "hi" }], processed_at: t },
      { id: "sevt_r", type: "session.status_running", processed_at: t },
      {
        id: "sevt_c",
        type: "agent.custom_tool_use",
        name: "get_weather",
        input: { city: "Paris" },
        processed_at: t,
      },
      {
        id: "sevt_i",
        type: "session.status_idle",
        stop_reason: { type: "requires_action", event_ids: ["sevt_c"] },
        processed_at: t,
      },
    ];
    const fetch = scriptedTurn(frames);
    const sent = await cli({ fetch, ttyStderr: true }).run("sessions", "send", "sesn_x", "hi");
    expect(sent.code).not.toBe(0);
    expect(sent.err).toContain('custom tool call get_weather {"city":"Paris"} (sevt_c)');
    expect(sent.err).toContain("the turn waits for an answer to sevt_c");

    const streamed = await streamUntilIdle(fetch);
    expect(streamed.out.split("\n")).toContain(
      '03:04:05  agent.custom_tool_use    get_weather {"city":"Paris"}',
    );
  });

  it("shows a cold start: starting runtime, then how long it took", async () => {
    // Scripted, as above: a first turn that had to start the session's runtime.
    const t = "2026-01-02T03:04:05.000Z";
    const frames = [
      { id: "sevt_u", type: "user.message", content: [{ type: "text", text: "hi" }], processed_at: t },
      { id: "sevt_r", type: "session.status_running", processed_at: t },
      { id: "sevt_s", type: "span.runtime_start", processed_at: t },
      {
        id: "sevt_y",
        type: "span.runtime_ready",
        processed_at: t,
        runtime_start_id: "sevt_s",
        started_at: t,
        ready_ms: 14_234,
      },
      { id: "sevt_m", type: "agent.message", content: [{ type: "text", text: "Hello!" }], processed_at: t },
      { id: "sevt_i", type: "session.status_idle", stop_reason: { type: "end_turn" }, processed_at: t },
    ];
    const fetch = scriptedTurn(frames);
    const sent = await cli({ fetch, ttyStderr: true }).run("sessions", "send", "sesn_x", "hi");
    expect(sent.code).toBe(0);
    expect(sent.out).toBe("Hello!\n");
    expect(sent.err).toContain("starting runtime");
    expect(sent.err).toContain("runtime ready in 14.2 s\n");
    expect(sent.err.indexOf("starting runtime")).toBeLessThan(sent.err.indexOf("runtime ready"));

    const streamed = await streamUntilIdle(fetch);
    const lines = streamed.out.split("\n");
    expect(lines).toContain("03:04:05  span.runtime_start       starting runtime…");
    expect(lines).toContain("03:04:05  span.runtime_ready       runtime ready in 14.2 s");
  });
});
