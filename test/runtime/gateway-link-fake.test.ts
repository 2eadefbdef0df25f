/**
 * The session's link setup (src/session/gateway-link.ts) against a scripted gateway: after a
 * warm claim it does not ask `chat.history` (a claimed pool runtime has never run the session),
 * while a cold start still asks (a local runtime keeps its state dir across idle sleep, so a
 * restarted gateway may hold the session's transcript). No real gateway: the steps the link
 * takes are what is asserted; the real path is test/runtime/warm-pool.test.ts.
 */
import { describe, expect, it } from "vitest";
import {
  type AgentRuntime,
  RuntimeStartError,
  type RuntimeStartResult,
  stoppedWhileStarting,
} from "../../src/runtime/agent-runtime";
import { DeviceIdentity } from "../../src/runtime/openclaw/device-identity";
import type { RequestFrame } from "../../src/runtime/openclaw/protocol";
import { openLink } from "../../src/session/gateway-link";

type Listener = (event: never) => void;

/** A gateway socket answering every request; `chat.history` with one message (a transcript exists). */
class ScriptedGateway {
  readonly methods: string[] = [];
  closed = false;
  /** Called with each request's method as it arrives. */
  onRequest: (method: string) => void = () => undefined;
  private readonly listeners = new Map<string, Listener[]>();
  /** The link accepts the upgraded socket, then attaches its listeners: the challenge comes after. */
  accept(): void {
    setTimeout(() =>
      this.push({ type: "event", event: "connect.challenge", payload: { nonce: "n", ts: 1 } }),
    );
  }
  send(data: string): void {
    const frame = JSON.parse(data) as RequestFrame;
    this.methods.push(frame.method);
    this.onRequest(frame.method);
    const payload =
      frame.method === "connect"
        ? { type: "hello-ok", protocol: 4, auth: { role: "operator", scopes: [] } }
        : frame.method === "chat.history"
          ? { messages: [{ role: "user", content: "earlier" }] }
          : {};
    setTimeout(() => this.push({ type: "res", id: frame.id, ok: true, payload }));
  }
  close(): void {
    this.closed = true;
  }
  addEventListener(type: string, listener: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  private push(frame: unknown): void {
    for (const listener of this.listeners.get("message") ?? [])
      listener({ data: JSON.stringify(frame) } as never);
  }
}

/** A runtime that is not running until started, answers `/readyz`, and upgrades to `gateway`. */
function fakeRuntime(
  gateway: ScriptedGateway,
  startResult: RuntimeStartResult,
  running = false,
): AgentRuntime {
  return {
    isRunning: async () => running,
    start: async () => {
      running = true;
      return startResult;
    },
    fetch: async (_port: number, request: Request) => {
      if (request.headers.get("upgrade") === "websocket")
        return { status: 101, webSocket: gateway } as unknown as Response;
      return new Response("ok");
    },
    stop: async () => undefined,
    destroy: async () => undefined,
    monitor: () => new Promise(() => undefined),
  } as unknown as AgentRuntime;
}

const START_OPTIONS = { env: {}, enableInternet: true, warmPool: true };

async function link(
  startResult: RuntimeStartResult,
  opts: { running?: boolean; signal?: AbortSignal; gateway?: ScriptedGateway } = {},
) {
  const gateway = opts.gateway ?? new ScriptedGateway();
  let optionsAsked = 0;
  const state = await openLink({
    runtime: fakeRuntime(gateway, startResult, opts.running),
    gatewayToken: "t",
    identity: await DeviceIdentity.generate(),
    sessionKey: "agent:main:sesn_x",
    startOptions: async () => {
      optionsAsked += 1;
      return START_OPTIONS;
    },
    signal: opts.signal,
    onEvent: () => undefined,
    onClose: () => undefined,
  });
  return { state, methods: gateway.methods, optionsAsked };
}

describe("openLink", () => {
  it("asks no chat.history after a warm claim: the transcript is fresh", async () => {
    const { state, methods } = await link({ pool: { outcome: "claimed", member: "pool-1", applyMs: 5 } });
    expect(methods).not.toContain("chat.history");
    expect(state).toMatchObject({ freshTranscript: true, claimed: true });
  });

  it("still asks chat.history after a cold start, and finds the transcript", async () => {
    const { state, methods } = await link({
      pool: { outcome: "missed", code: "pool_empty", reason: "no warm runtime is ready" },
    });
    expect(methods).toContain("chat.history");
    expect(state.freshTranscript).toBe(false);
    expect(state.claimed).toBeUndefined();
  });

  it("builds no start options for a runtime already running", async () => {
    const { optionsAsked, methods } = await link({}, { running: true });
    expect(optionsAsked).toBe(0);
    expect(methods).toContain("chat.history");
  });

  it("hands out no link when the session stops while the connection comes up, and says why", async () => {
    const gateway = new ScriptedGateway();
    const stop = new AbortController();
    // The stop comes once the gateway is connected, while the link subscribes to its events.
    gateway.onRequest = (method) => {
      if (method === "sessions.subscribe") stop.abort(stoppedWhileStarting("archived"));
    };
    const error = await link({}, { gateway, signal: stop.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuntimeStartError);
    expect((error as RuntimeStartError).reason).toBe(
      "the session was stopped (archived) while its runtime was starting",
    );
    expect(gateway.closed).toBe(true);
  });
});
