/**
 * `environment_variable` vault credentials end to end in workerd: a session binding them is
 * created through the API; its runtime starts (a recording stand-in for `ctx.container`, driven
 * by the real SessionRuntime inside the real session object) with placeholders only and the
 * catch-all egress edge; the edge (`EgressEntrypoint`, asking the real session object) swaps the
 * placeholders for the secrets only for the hosts each credential allows, in headers and — when
 * asked — bodies, never in the URL, and never logs a secret. The model server double's
 * `/__echo` shows what actually went out.
 */
import { createExecutionContext, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import { egressPolicyFor } from "../../src/egress/policy";
import { EgressEntrypoint, type EgressProps } from "../../src/entrypoints/egress";
import { setLogLevel } from "../../src/lib/log";
import type { SessionRecord } from "../../src/session/session-record";
import { SessionRuntime } from "../../src/session/session-runtime";
import { callJson, MINIMAL_AGENT } from "../helpers/api";
import { sessionObject } from "../helpers/session-object";

const MODEL_ORIGIN = new URL(env.MODEL_SERVER_URL).origin; // http://127.0.0.1:<port>
const run = crypto.randomUUID();
const SECRETS = {
  /** Limited to the echo server's host; headers only (the default injection). */
  HDR_TOKEN: `hdr-secret-${run}`,
  /** Unrestricted; bodies only. */
  BODY_TOKEN: `body-secret-${run}`,
  /** Limited to another host: never substituted here. */
  GH_TOKEN: `gh-secret-${run}`,
};

async function created(path: string, body: unknown) {
  const res = await callJson(path, { method: "POST", body });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  for (const secret of Object.values(SECRETS)) expect(JSON.stringify(res.body)).not.toContain(secret);
  return res.body;
}

/** Everything the stand-in container was asked to do, in order. */
type Call = [string, unknown];

/** A `ctx.container` stand-in that records and never becomes ready (no gateway in workerd). */
function recordingContainer(calls: Call[]) {
  return {
    running: false,
    interceptOutboundHttp: async (host: string) => void calls.push(["intercept", host]),
    interceptOutboundHttps: async (host: string, fetcher: { props: unknown }) =>
      void calls.push(["interceptHttps", { host, props: fetcher.props }]),
    interceptAllOutboundHttp: async (fetcher: { props: unknown }) =>
      void calls.push(["interceptAll", { props: fetcher.props }]),
    start: (options: unknown) => void calls.push(["start", options]),
    getTcpPort: () => ({
      fetch: async () => {
        throw new Error("nothing listens in a recording container");
      },
    }),
  };
}

const entrypoint = (opts: { props: unknown }) => ({ props: opts.props });

let sessionId = "";
const starts: Array<{ env: Record<string, string>; enableInternet: boolean }> = [];
const calls: Call[] = [];
let placeholders: Record<string, string> = {};
/** What created the session: another one like it is made from it. */
let sessionBody: Record<string, unknown> = {};

/** The object's runtime over a recording container, with the pool's bindings (a pooled runtime). */
function sessionRuntime(state: DurableObjectState, calls: Call[]) {
  const ctx = {
    storage: state.storage,
    container: recordingContainer(calls),
    exports: {
      LlmProxyEntrypoint: entrypoint,
      McpProxyEntrypoint: entrypoint,
      EgressEntrypoint: entrypoint,
      PeerCallEntrypoint: entrypoint,
      BeamCallEntrypoint: entrypoint,
    },
  } as unknown as DurableObjectState;
  return new SessionRuntime(ctx, env, { onEvent: () => {}, onLost: () => {}, onExit: () => {} });
}

beforeAll(async () => {
  const agent = await created("/v1/agents", { ...MINIMAL_AGENT });
  const environment = await created("/v1/environments", {
    name: `env-secrets-${run}`,
    config: { type: "cloud", networking: { type: "unrestricted" } },
  });
  const vault = await created("/v1/vaults", { display_name: `env-${run}` });
  const credentials = [
    { secret_name: "HDR_TOKEN", networking: { type: "limited", allowed_hosts: ["127.0.0.1"] } },
    {
      secret_name: "BODY_TOKEN",
      networking: { type: "unrestricted" },
      injection_location: { header: false, body: true },
    },
    { secret_name: "GH_TOKEN", networking: { type: "limited", allowed_hosts: ["api.github.com"] } },
  ];
  for (const c of credentials) {
    const secret_value = SECRETS[c.secret_name as keyof typeof SECRETS];
    await created(`/v1/vaults/${vault.id}/credentials`, {
      auth: { type: "environment_variable", secret_value, ...c },
    });
  }
  // Binding such a vault is accepted now (it used to be refused with a 400).
  const session = await created("/v1/sessions", {
    agent: agent.id,
    environment_id: environment.id,
    vault_ids: [vault.id],
  });
  sessionId = session.id;
  sessionBody = { agent: agent.id, environment_id: environment.id, vault_ids: [vault.id] };

  // Start the session's runtime with the real SessionRuntime inside the real object, over a
  // recording container: the start env and the interception are what a real container gets.
  const outcome = await runInDurableObject(sessionObject(sessionId), async (_instance, state) => {
    const runtime = sessionRuntime(state, calls);
    const record = state.storage.kv.get<SessionRecord>("session");
    if (!record) throw new Error("session record missing");
    return runtime.connect(record).then(
      () => "connected",
      (err: Error) => err.name,
    );
  });
  // The stand-in never serves a gateway, so the link fails after the start was made.
  expect(outcome).toBe("RuntimeStartError");
  for (const [what, options] of calls) if (what === "start") starts.push(options as (typeof starts)[0]);
  placeholders = starts[0]?.env ?? {};
});

const consoleSpies: MockInstance[] = [];
beforeEach(() => {
  for (const method of ["log", "warn", "error", "info", "debug"] as const) {
    consoleSpies.push(vi.spyOn(console, method));
  }
});
afterEach(() => {
  setLogLevel("error");
  for (const spy of consoleSpies.splice(0)) spy.mockRestore();
});

/** One outbound request of the container, as the platform hands it to the edge. */
async function viaEdge(request: Request, substituteSecrets = true) {
  const props: EgressProps = {
    sessionId,
    policy: egressPolicyFor({ type: "unrestricted" }, []),
    ...(substituteSecrets ? { substituteSecrets } : {}),
  };
  const ctx = Object.assign(createExecutionContext(), { props });
  const res = await new EgressEntrypoint(ctx, env).fetch(request);
  await waitOnExecutionContext(ctx);
  return res;
}

describe("environment_variable credentials at runtime start", () => {
  it("give the runtime placeholders only, and route all its HTTP(S) through the edge", () => {
    expect(starts.length).toBeGreaterThan(0);
    for (const start of starts) {
      const serialized = JSON.stringify(start);
      for (const secret of Object.values(SECRETS)) expect(serialized).not.toContain(secret);
      // Unrestricted networking, yet the internet is off: the edge fetches everything.
      expect(start.enableInternet).toBe(false);
    }
    const env0 = starts[0]?.env ?? {};
    for (const name of Object.keys(SECRETS)) expect(env0[name]).toMatch(/^cpsec_[A-Za-z0-9]{40}$/);
    expect(new Set(Object.keys(SECRETS).map((n) => env0[n])).size).toBe(3);
    // A restart of the same session reuses the placeholders minted the first time.
    expect(starts[1]?.env.HDR_TOKEN ?? env0.HDR_TOKEN).toBe(env0.HDR_TOKEN);
    const edgeProps = { sessionId, policy: { type: "unrestricted" }, substituteSecrets: true };
    expect(calls).toContainEqual(["interceptHttps", { host: "*", props: edgeProps }]);
    expect(calls).toContainEqual(["interceptAll", { props: edgeProps }]);
  });
});

describe("starting at create", () => {
  it("is not begun for a session with such credentials (the pool's own rule), and asking stores nothing", async () => {
    const other = await created("/v1/sessions", sessionBody);
    const seen: Call[] = [];
    const asked = await runInDurableObject(sessionObject(other.id), async (_instance, state) => {
      const record = state.storage.kv.get<SessionRecord>("session");
      if (!record) throw new Error("session record missing");
      const answer = await sessionRuntime(state, seen).startsAtCreate(record);
      // No secrets, no placeholders minted for the question: a start would store its own.
      return { answer, stored: state.storage.kv.get("runtime-secrets") ?? null };
    });
    expect(asked.answer).toMatchObject({
      yes: false,
      why: expect.stringMatching(/environment_variable are substituted from the container's boot/),
    });
    expect(asked.stored).toBeNull();
    expect(seen).toEqual([]);
  });
});

describe("the egress edge substitutes placeholders", () => {
  it("for allowed hosts only: headers by default, bodies when asked, never the URL; no secret in a log", async () => {
    setLogLevel("debug");
    const hdr = placeholders.HDR_TOKEN as string;
    const body = placeholders.BODY_TOKEN as string;
    const gh = placeholders.GH_TOKEN as string;
    const res = await viaEdge(
      new Request(`${MODEL_ORIGIN}/__echo?key=${hdr}`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${hdr}`,
          "x-github": gh,
          "x-body-token": body,
          "content-type": "application/json",
        },
        body: JSON.stringify({ hdr, body, gh }),
      }),
    );
    expect(res.status).toBe(200);
    const echo = await res.json<any>();
    // HDR_TOKEN: the echo server's host is in its allowed_hosts; header injection only.
    expect(echo.headers.authorization).toBe(`Bearer ${SECRETS.HDR_TOKEN}`);
    expect(echo.body.hdr).toBe(hdr);
    expect(echo.url).toContain(`key=${hdr}`);
    // BODY_TOKEN: any host, body injection only.
    expect(echo.body.body).toBe(SECRETS.BODY_TOKEN);
    expect(echo.headers["x-body-token"]).toBe(body);
    // GH_TOKEN: limited to api.github.com, so this host gets the placeholder as is.
    expect(echo.headers["x-github"]).toBe(gh);
    expect(echo.body.gh).toBe(gh);

    const lines = consoleSpies.flatMap((s) => s.mock.calls.map((args) => JSON.stringify(args)));
    expect(lines.some((line) => line.includes("egress secrets substituted"))).toBe(true);
    for (const line of lines) for (const secret of Object.values(SECRETS)) expect(line).not.toContain(secret);
  });

  it("substitutes nothing for a container bound without the flag, or once the session is archived", async () => {
    const hdr = placeholders.HDR_TOKEN as string;
    const echoed = async (substitute: boolean) => {
      const res = await viaEdge(
        new Request(`${MODEL_ORIGIN}/__echo`, { headers: { authorization: `Bearer ${hdr}` } }),
        substitute,
      );
      expect(res.status).toBe(200);
      return (await res.json<any>()).headers.authorization as string;
    };
    expect(await echoed(false)).toBe(`Bearer ${hdr}`);
    expect(await echoed(true)).toBe(`Bearer ${SECRETS.HDR_TOKEN}`);
    const archived = await callJson(`/v1/sessions/${sessionId}/archive`, { method: "POST" });
    expect(archived.status).toBe(200);
    expect(await echoed(true)).toBe(`Bearer ${hdr}`);
  });
});
