/**
 * The local runtime end to end: the supervisor (scripts/runtime-supervisor.mjs, in-process)
 * runs a REAL OpenClaw gateway, driven only through LocalProcessRuntime (fetch) — start,
 * readiness, HTTP and a WebSocket through the proxy, stop. One gateway boot for the file.
 * Also unit tests of waitForGatewayReady and selectRuntime with fakes. Prints measured figures.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unclaimableReason } from "../../scripts/runtime-pool.mjs";
import { startSupervisor } from "../../scripts/runtime-supervisor.mjs";
import { egressPolicyFor } from "../../src/egress/policy";
import {
  type AgentRuntime,
  OPENCLAW_PORT,
  RuntimeStartError,
  type RuntimeStartOptions,
} from "../../src/runtime/agent-runtime";
import { ContainerRuntime } from "../../src/runtime/container-runtime";
import { LocalProcessRuntime } from "../../src/runtime/local-runtime";
import { waitForGatewayReady } from "../../src/runtime/readiness";
import { selectRuntime } from "../../src/runtime/select-runtime";

const ENV = {
  OPENCLAW_GATEWAY_TOKEN: "clawplane-local-runtime-token",
  // Readiness never calls the model; nothing needs to listen here.
  CLAWPLANE_LLM_BASE_URL: "http://127.0.0.1:9/v1",
  CLAWPLANE_SESSION_TOKEN: "clawplane-local-runtime-session",
};

/** A runtime whose /readyz answers come from `answers` (a number = status, an Error = refused). */
function fakeRuntime(answers: Array<number | Error>, running: () => boolean = () => true): AgentRuntime {
  let index = 0;
  return {
    kind: "local",
    isRunning: async () => running(),
    start: async () => undefined,
    stop: async () => {},
    destroy: async () => {},
    monitor: () => new Promise(() => {}),
    fetch: async (port, request) => {
      expect(port).toBe(OPENCLAW_PORT);
      expect(new URL(request.url).pathname).toBe("/readyz");
      const answer = answers[Math.min(index++, answers.length - 1)]!;
      if (answer instanceof Error) throw answer;
      return new Response(null, { status: answer });
    },
  };
}

describe("waitForGatewayReady (fake runtime)", () => {
  it("waits through refused connections and 503 until 200", async () => {
    const runtime = fakeRuntime([new Error("connection refused"), 503, 503, 200]);
    const result = await waitForGatewayReady(runtime, { deadlineMs: 5_000, intervalMs: 5 });
    expect(result.probes).toBe(4);
  });

  it("gives up at the deadline with the last observation", async () => {
    const runtime = fakeRuntime([503]);
    const started = Date.now();
    await expect(waitForGatewayReady(runtime, { deadlineMs: 300, intervalMs: 20 })).rejects.toThrow(
      /OpenClaw did not become ready within 0 s .*answered 503/,
    );
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("fails fast when the runtime stops while booting", async () => {
    const runtime = fakeRuntime([new Error("connection refused")], () => false);
    const error = await waitForGatewayReady(runtime, { deadlineMs: 60_000, intervalMs: 5 }).catch((e) => e);
    expect(error).toBeInstanceOf(RuntimeStartError);
    expect(error.message).toMatch(/stopped before it became ready/);
  });

  it("stops waiting when aborted", async () => {
    const controller = new AbortController();
    const waiting = waitForGatewayReady(fakeRuntime([503]), { intervalMs: 10, signal: controller.signal });
    controller.abort(new Error("session deleted"));
    await expect(waiting).rejects.toThrow("session deleted");
  });
});

describe("selectRuntime", () => {
  // A container session also binds the LLM proxy entrypoint for its outbound model calls.
  const bound = (opts: unknown) => ({ boundTo: opts });
  const exports = {
    LlmProxyEntrypoint: bound,
    McpProxyEntrypoint: bound,
    EgressEntrypoint: bound,
    PeerCallEntrypoint: bound,
    BeamCallEntrypoint: bound,
  };
  const ctx = (container?: unknown) => ({ container, exports }) as unknown as DurableObjectState;

  it("prefers the container, else the local supervisor, else explains how to configure one", () => {
    expect(selectRuntime(ctx({}), {}, "ses_1")).toBeInstanceOf(ContainerRuntime);
    const local = selectRuntime(ctx(), { LOCAL_AGENT_ORIGIN: "http://127.0.0.1:9123" }, "ses_1");
    expect(local).toBeInstanceOf(LocalProcessRuntime);
    expect(() => selectRuntime(ctx(), {}, "ses_1")).toThrow(/LOCAL_AGENT_ORIGIN is not set/);
    expect(() => selectRuntime(ctx(), { LOCAL_AGENT_ORIGIN: "127.0.0.1:9123" }, "ses_1")).toThrow(
      /must be an origin/,
    );
  });
});

describe("LocalProcessRuntime.hasWarmIdle (fake supervisor)", () => {
  const SESSION_ENV = { ...ENV, CLAWPLANE_SESSION_CONFIG: "{}" };
  /** A supervisor whose `GET /pool` shows `idle` gateways in the shared pool; counts the asks. */
  const supervisorWith = (idle: number) => {
    const asked: string[] = [];
    const runtime = new LocalProcessRuntime("http://127.0.0.1:9123", "ses_warm", {
      fetch: async (input) => {
        asked.push(new URL(String(input)).pathname);
        return Response.json({ key: "shared", enabled: true, idle, pools: [] });
      },
    });
    return { runtime, asked };
  };

  it("answers by the supervisor pool's own rule: exactly the starts its take would refuse are not warm", async () => {
    const { runtime } = supervisorWith(1);
    const cases: Array<[string, RuntimeStartOptions]> = [
      ["a plain session", { env: SESSION_ENV, enableInternet: true, warmPool: true }],
      [
        "custom tools",
        {
          env: { ...SESSION_ENV, CLAWPLANE_CUSTOM_TOOLS: '[{"name":"x"}]' },
          enableInternet: true,
          warmPool: true,
        },
      ],
      [
        "an environment_variable credential",
        { env: { ...SESSION_ENV, GITHUB_TOKEN: "cpsec_placeholder" }, enableInternet: true, warmPool: true },
      ],
      // A local gateway shares the host's network: the supervisor claims these all the same.
      [
        "limited networking, secrets to substitute",
        {
          env: SESSION_ENV,
          enableInternet: false,
          egress: egressPolicyFor(
            {
              type: "limited",
              allowed_hosts: ["example.com"],
              allow_mcp_servers: false,
              allow_package_managers: false,
            },
            [],
          ),
          substituteSecrets: true,
          warmPool: true,
        },
      ],
    ];
    for (const [what, options] of cases) {
      const answer = await runtime.hasWarmIdle(options);
      const refused = unclaimableReason(options.env);
      expect(answer.idle, what).toBe(refused === undefined);
      if (!answer.idle) expect(answer.why, what).toBe(`not served warm: ${refused}`);
    }
  });

  it("is no, without asking, when the pool is off for the start; no when nothing is idle", async () => {
    const { runtime, asked } = supervisorWith(1);
    expect(await runtime.hasWarmIdle({ env: SESSION_ENV, enableInternet: true, warmPool: false })).toEqual({
      idle: false,
      why: "the warm pool is off",
    });
    const off = { kind: "off", reason: "environment e has its warm pool set to 0" } as const;
    expect(
      await runtime.hasWarmIdle({
        env: SESSION_ENV,
        enableInternet: true,
        warmPool: true,
        warmPoolPlan: off,
      }),
    ).toEqual({ idle: false, why: off.reason });
    expect(asked).toEqual([]);
    const empty = supervisorWith(0);
    expect(
      await empty.runtime.hasWarmIdle({ env: SESSION_ENV, enableInternet: true, warmPool: true }),
    ).toEqual({
      idle: false,
      why: "no warm runtime is idle in the session's pools",
    });
    expect(empty.asked).toEqual(["/pool"]);
  });
});

describe("LocalProcessRuntime through the supervisor (real gateway)", () => {
  let supervisor: { origin: string; close(): Promise<void> };
  const figures: Record<string, number | string> = {};
  const status = async (id: string) =>
    (await (await fetch(`${supervisor.origin}/runtimes/${id}`)).json()) as {
      running: boolean;
      pid: number;
      port: number;
    };

  beforeAll(async () => {
    supervisor = await startSupervisor();
  });

  afterAll(async () => {
    await supervisor?.close();
    console.log("[local-runtime figures]", JSON.stringify(figures));
  });

  it("refuses an env without the required values, and an unreachable supervisor", async () => {
    const runtime = new LocalProcessRuntime(supervisor.origin, "ses_invalid");
    const error = await runtime
      .start({ env: { OPENCLAW_GATEWAY_TOKEN: "t" }, enableInternet: false })
      .catch((e) => e);
    expect(error).toBeInstanceOf(RuntimeStartError);
    expect(error.reason).toMatch(
      /missing required environment: CLAWPLANE_LLM_BASE_URL, CLAWPLANE_SESSION_TOKEN/,
    );
    await expect(runtime.start({ env: { ...ENV, "BAD-NAME": "x" }, enableInternet: false })).rejects.toThrow(
      /invalid environment variable name/,
    );
    expect(await runtime.isRunning()).toBe(false);
    await expect(runtime.fetch(OPENCLAW_PORT, new Request("http://x/readyz"))).rejects.toThrow(/unreachable/);

    const gone = new LocalProcessRuntime("http://127.0.0.1:9", "ses_invalid");
    await expect(gone.isRunning()).rejects.toThrow(/scripts\/runtime-supervisor\.mjs/);
  });

  it("starts a gateway once, serves HTTP and WebSocket through the proxy, and stops it", async () => {
    const id = "ses_local_runtime";
    const runtime = new LocalProcessRuntime(supervisor.origin, id);
    const spawnStarted = Date.now();
    await runtime.start({ env: ENV, enableInternet: false });
    figures.startCallMs = Date.now() - spawnStarted;
    const first = await status(id);
    expect(first.running).toBe(true);

    // A second start while booting is a no-op: same process.
    await runtime.start({ env: ENV, enableInternet: false });
    expect((await status(id)).pid).toBe(first.pid);

    const ready = await waitForGatewayReady(runtime, { deadlineMs: 150_000, intervalMs: 250 });
    figures.bootToReadyMs = Date.now() - spawnStarted;
    figures.readyProbes = ready.probes;

    const readyz = await runtime.fetch(OPENCLAW_PORT, new Request("http://openclaw/readyz"));
    expect(readyz.status).toBe(200);
    await readyz.body?.cancel();
    expect(await runtime.isRunning()).toBe(true);

    // No browser dashboard (container/openclaw.json5 turns OpenClaw's Control UI off): a fresh
    // gateway would otherwise write its assets into the state dir during its first turn.
    const dashboard = await runtime.fetch(
      OPENCLAW_PORT,
      new Request("http://openclaw/", { headers: { accept: "text/html" } }),
    );
    const dashboardBody = await dashboard.text();
    expect({ status: dashboard.status, html: /<html/i.test(dashboardBody) }).toEqual({
      status: 404,
      html: false,
    });

    // WebSocket through the supervisor's proxy: the gateway's first frame is the challenge.
    const wsStarted = Date.now();
    const frame = await firstFrame(`${supervisor.origin.replace("http", "ws")}/runtimes/${id}/proxy/`);
    figures.wsProxyFirstFrameMs = Date.now() - wsStarted;
    expect(frame).toMatchObject({ type: "event", event: "connect.challenge" });
    const directStarted = Date.now();
    await firstFrame(`ws://127.0.0.1:${first.port}/`);
    figures.wsDirectFirstFrameMs = Date.now() - directStarted;

    const stopStarted = Date.now();
    await runtime.stop();
    figures.stopMs = Date.now() - stopStarted;
    expect(await runtime.isRunning()).toBe(false);
    await runtime.destroy();
    expect((await fetch(`${supervisor.origin}/runtimes/${id}`)).status).toBe(404);
  });
});

/** Opens a WebSocket and resolves with its first message, parsed. */
function firstFrame(url: string, timeoutMs = 15_000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`no frame from ${url} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.addEventListener("message", (event) => {
      clearTimeout(timer);
      socket.close();
      resolve(JSON.parse(String(event.data)));
    });
    socket.addEventListener("error", () => {
      clearTimeout(timer);
      reject(new Error(`WebSocket to ${url} failed`));
    });
  });
}
