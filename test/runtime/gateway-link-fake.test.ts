/**
 * The session's link setup (src/session/gateway-link.ts) against a scripted gateway: after a
 * warm claim it does not ask `chat.history` (a claimed pool runtime has never run the session),
 * while a cold start still asks (a local runtime keeps its state dir across idle sleep, so a
 * restarted gateway may hold the session's transcript). No real gateway: the steps the link
 * takes are what is asserted; the real path is test/runtime/warm-pool.test.ts.
 */
import { describe, expect, it } from "vitest";
import type { AgentRuntime, RuntimeStartResult } from "../../src/runtime/agent-runtime";
import { DeviceIdentity } from "../../src/runtime/openclaw/device-identity";
import type { RequestFrame } from "../../src/runtime/openclaw/protocol";
import { openLink } from "../../src/session/gateway-link";

type Listener = (event: never) => void;

/** A gateway socket answering every request; `chat.history` with one message (a transcript exists). */
class ScriptedGateway {
  readonly methods: string[] = [];
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
    const payload =
      frame.method === "connect"
        ? { type: "hello-ok", protocol: 4, auth: { role: "operator", scopes: [] } }
        : frame.method === "chat.history"
          ? { messages: [{ role: "user", content: "earlier" }] }
          : {};
    setTimeout(() => this.push({ type: "res", id: frame.id, ok: true, payload }));
  }
  close(): void {}
  addEventListener(type: string, listener: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  private push(frame: unknown): void {
    for (const listener of this.listeners.get("message") ?? [])
      listener({ data: JSON.stringify(frame) } as never);
  }
}

/** A runtime that is not running until started, answers `/readyz`, and upgrades to `gateway`. */
function fakeRuntime(gateway: ScriptedGateway, startResult: RuntimeStartResult): AgentRuntime {
  let running = false;
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

async function link(startResult: RuntimeStartResult) {
  const gateway = new ScriptedGateway();
  const state = await openLink({
    runtime: fakeRuntime(gateway, startResult),
    gatewayToken: "t",
    identity: await DeviceIdentity.generate(),
    sessionKey: "agent:main:sesn_x",
    startEnv: () => ({}),
    enableInternet: true,
    warmPool: true,
    onEvent: () => undefined,
    onClose: () => undefined,
  });
  return { state, methods: gateway.methods };
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
});
