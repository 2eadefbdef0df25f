/**
 * GatewayClient paths a healthy gateway rarely shows, against a scripted fake socket:
 * startup `UNAVAILABLE` retry, request deadlines, out-of-order responses, and a dropped
 * connection rejecting pending work.
 */
import { describe, expect, it } from "vitest";
import { DeviceIdentity } from "../../src/runtime/openclaw/device-identity";
import { GatewayClient, type WebSocketLike } from "../../src/runtime/openclaw/gateway-client";
import { GatewayClosedError, GatewayTimeoutError } from "../../src/runtime/openclaw/gateway-errors";
import type { RequestFrame } from "../../src/runtime/openclaw/protocol";

type Listener = (event: never) => void;

/** A socket whose server side is a callback; it sends the challenge as soon as it opens. */
class FakeSocket implements WebSocketLike {
  private readonly listeners = new Map<string, Listener[]>();
  constructor(private readonly server: (frame: RequestFrame, socket: FakeSocket) => void) {
    // Like a real socket, events arrive as later tasks, after the client attached listeners.
    setTimeout(() =>
      this.push({ type: "event", event: "connect.challenge", payload: { nonce: "n", ts: 1 } }),
    );
  }
  send(data: string): void {
    this.server(JSON.parse(data), this);
  }
  close(code = 1000, reason = ""): void {
    this.emit("close", { code, reason });
  }
  addEventListener(type: string, listener: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  push(frame: unknown): void {
    this.emit("message", { data: JSON.stringify(frame) });
  }
  private emit(type: string, event: unknown): void {
    for (const listener of this.listeners.get(type) ?? []) listener(event as never);
  }
}

const hello = { type: "hello-ok", protocol: 4, auth: { role: "operator", scopes: [] } };

async function clientWith(
  server: (frame: RequestFrame, socket: FakeSocket) => void,
  sockets: FakeSocket[] = [],
) {
  const identity = await DeviceIdentity.generate();
  return new GatewayClient({
    connect: async () => {
      const socket = new FakeSocket(server);
      sockets.push(socket);
      return socket;
    },
    token: "t",
    identity,
    requestTimeoutMs: 200,
  });
}

describe("GatewayClient (fake socket)", () => {
  it("retries the startup UNAVAILABLE on a new socket, then succeeds", async () => {
    const sockets: FakeSocket[] = [];
    const client = await clientWith((frame, socket) => {
      if (frame.method !== "connect") return;
      const starting = sockets.length === 1;
      socket.push(
        starting
          ? {
              type: "res",
              id: frame.id,
              ok: false,
              error: {
                code: "UNAVAILABLE",
                message: "starting",
                retryable: true,
                retryAfterMs: 10,
                details: { reason: "startup-sidecars" },
              },
            }
          : { type: "res", id: frame.id, ok: true, payload: hello },
      );
    }, sockets);
    await expect(client.connect()).resolves.toMatchObject({ type: "hello-ok" });
    expect(sockets).toHaveLength(2);
  });

  it("times out unanswered requests and matches out-of-order responses by id", async () => {
    const held: RequestFrame[] = [];
    const client = await clientWith((frame, socket) => {
      if (frame.method === "connect") socket.push({ type: "res", id: frame.id, ok: true, payload: hello });
      else if (frame.method === "never") return;
      else held.push(frame);
      if (held.length === 2)
        for (const f of held.reverse()) socket.push({ type: "res", id: f.id, ok: true, payload: f.method });
    });
    await client.connect();
    await expect(client.request("never")).rejects.toBeInstanceOf(GatewayTimeoutError);
    await expect(Promise.all([client.request("a"), client.request("b")])).resolves.toEqual(["a", "b"]);
  });

  it("rejects pending requests when the connection drops", async () => {
    const sockets: FakeSocket[] = [];
    const client = await clientWith((frame, socket) => {
      if (frame.method === "connect") socket.push({ type: "res", id: frame.id, ok: true, payload: hello });
    }, sockets);
    await client.connect();
    const closed: GatewayClosedError[] = [];
    client.onClose((error) => closed.push(error));
    const pending = client.request("chat.send", {}, { timeoutMs: 5_000 });
    sockets[0]!.close(1012, "service restart");
    await expect(pending).rejects.toMatchObject({ closeCode: 1012, closeReason: "service restart" });
    expect(closed).toHaveLength(1);
    await expect(client.request("x")).rejects.toBeInstanceOf(GatewayClosedError);
  });
});
