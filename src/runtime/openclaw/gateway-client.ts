/**
 * Transport-agnostic client for the OpenClaw gateway's WebSocket control protocol (v4).
 *
 * The caller supplies the socket: Node 24's global `WebSocket` in runtime tests, or a
 * Workers `response.webSocket` (after `accept()`) inside the SessionDO. The client signs the
 * connect challenge with the session's device identity, correlates requests and responses
 * by id with per-request deadlines, and fans events out to subscribers. It never reconnects
 * on its own: the DO owns that policy (and the pairing step, see admin-rpc.ts).
 */

import type { DeviceIdentity } from "./device-identity";
import { GatewayClosedError, GatewayRequestError, GatewayTimeoutError } from "./gateway-errors";
import { PendingRequests } from "./pending-requests";
import {
  type ChatAbortParams,
  type ChatAbortResult,
  type ChatSendParams,
  type ChatSendResult,
  type ClientInfo,
  type ConnectChallenge,
  type ConnectParams,
  type EventFrame,
  type HelloOk,
  PROTOCOL_VERSION,
  parseFrame,
} from "./protocol";

/** The slice of the standard WebSocket API the client needs (Node 24 global, Workers). */
export interface WebSocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
  addEventListener(type: "close", listener: (event: { code: number; reason: string }) => void): void;
  addEventListener(type: "error", listener: (event: unknown) => void): void;
}

/** Default RPC deadline; chat.send answers in ~0.1 s, admin methods in well under 10 s. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Challenge + connect deadline; the challenge arrives within ~50 ms of the upgrade. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 15_000;
/** How long to keep retrying `UNAVAILABLE` (startup-sidecars) before giving up. */
export const DEFAULT_STARTUP_RETRY_BUDGET_MS = 60_000;
/** Bounds on the server's `retryAfterMs` hint, as the reference client clamps it. */
const STARTUP_RETRY_MIN_MS = 100;
const STARTUP_RETRY_MAX_MS = 2_000;

/** Operator scopes a session driver needs: chat (write), history (read), approvals, config/pairing (admin). */
export const OPERATOR_SCOPES = ["operator.read", "operator.write", "operator.approvals", "operator.admin"];
/** `tool-events`: live tool lifecycle events; `approvals`: exec/plugin approvals route to us. */
export const CLIENT_CAPS = ["tool-events", "approvals"];
const DEFAULT_CLIENT: ClientInfo = {
  id: "gateway-client",
  version: "0.1.0",
  platform: "linux",
  mode: "backend",
};

export interface GatewayClientOptions {
  /** Opens a fresh socket to the gateway's root path (`ws://host:18789/`). */
  connect: () => Promise<WebSocketLike>;
  /** Shared gateway token (`OPENCLAW_GATEWAY_TOKEN`). */
  token: string;
  /** The session's persisted device identity; required for non-loopback connections. */
  identity: DeviceIdentity;
  /** Overrides for the `client` block; default gateway-client/backend/linux. */
  clientInfo?: Partial<ClientInfo>;
  scopes?: string[];
  caps?: string[];
  requestTimeoutMs?: number;
  handshakeTimeoutMs?: number;
  startupRetryBudgetMs?: number;
}

type EventListener = (payload: unknown, frame: EventFrame) => void;

export class GatewayClient {
  private socket: WebSocketLike | undefined;
  private readonly pending = new PendingRequests();
  private readonly listeners = new Map<string, Set<EventListener>>();
  private readonly closeListeners = new Set<(error: GatewayClosedError) => void>();
  private challengeWaiter: ((challenge: ConnectChallenge) => void) | undefined;
  private earlyChallenge: ConnectChallenge | undefined;
  private helloOk: HelloOk | undefined;
  private readonly client: ClientInfo;

  constructor(private readonly options: GatewayClientOptions) {
    this.client = { ...DEFAULT_CLIENT, ...options.clientInfo };
  }

  /** The last successful handshake, or undefined while not connected. */
  get hello(): HelloOk | undefined {
    return this.helloOk;
  }

  /**
   * Opens a socket and completes the handshake. Retries the gateway's startup `UNAVAILABLE`
   * within the retry budget. Throws {@link PairingRequiredError} when the device must be
   * approved first; call `connect()` again after approval.
   */
  async connect(): Promise<HelloOk> {
    const budget = this.options.startupRetryBudgetMs ?? DEFAULT_STARTUP_RETRY_BUDGET_MS;
    const deadline = Date.now() + budget;
    for (;;) {
      try {
        this.helloOk = await this.handshake();
        return this.helloOk;
      } catch (error) {
        this.abandonSocket();
        if (!(error instanceof GatewayRequestError) || !error.isStartupUnavailable) throw error;
        const wait = clamp(
          error.retryAfterMs ?? STARTUP_RETRY_MIN_MS,
          STARTUP_RETRY_MIN_MS,
          STARTUP_RETRY_MAX_MS,
        );
        if (Date.now() + wait > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, wait)); // server-directed backoff
      }
    }
  }

  /** Sends a request; resolves with its payload or rejects with a typed error. */
  request<T = unknown>(method: string, params?: unknown, options: { timeoutMs?: number } = {}): Promise<T> {
    const socket = this.socket;
    if (!socket) return Promise.reject(new GatewayClosedError(undefined, "not connected"));
    const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const send = (id: string) => socket.send(JSON.stringify({ type: "req", id, method, params }));
    return this.pending.start<T>(method, timeoutMs, send);
  }

  /** Subscribes to one event name (e.g. "chat", "agent"), or "*" for all; returns an unsubscribe. */
  on(event: string, listener: EventListener): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Called once per lost connection (after connect succeeded or failed). */
  onClose(listener: (error: GatewayClosedError) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** Starts a turn; returns at once with `runId` (= idempotencyKey). */
  chatSend(params: ChatSendParams): Promise<ChatSendResult> {
    return this.request<ChatSendResult>("chat.send", params);
  }

  /** Aborts the session's active run (or `runId`); partial text stays in the transcript. */
  chatAbort(params: ChatAbortParams): Promise<ChatAbortResult> {
    return this.request<ChatAbortResult>("chat.abort", params);
  }

  /** Closes the socket; pending requests reject with {@link GatewayClosedError}. */
  close(code = 1000, reason = "client closing"): void {
    const socket = this.socket;
    this.dropSocket(new GatewayClosedError(code, reason));
    socket?.close(code, reason);
  }

  private async handshake(): Promise<HelloOk> {
    const socket = await this.options.connect();
    this.attach(socket);
    const timeoutMs = this.options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    const challenge = await this.waitForChallenge(timeoutMs);
    const scopes = this.options.scopes ?? OPERATOR_SCOPES;
    const device = await this.options.identity.signConnect({
      clientId: this.client.id,
      clientMode: this.client.mode,
      role: "operator",
      scopes,
      signedAtMs: challenge.ts,
      token: this.options.token,
      nonce: challenge.nonce,
      platform: this.client.platform,
      deviceFamily: this.client.deviceFamily,
    });
    const params: ConnectParams = {
      minProtocol: PROTOCOL_VERSION,
      maxProtocol: PROTOCOL_VERSION,
      client: this.client,
      role: "operator",
      scopes,
      caps: this.options.caps ?? CLIENT_CAPS,
      auth: { token: this.options.token },
      device,
    };
    return this.request<HelloOk>("connect", params, { timeoutMs });
  }

  private waitForChallenge(timeoutMs: number): Promise<ConnectChallenge> {
    const early = this.earlyChallenge;
    this.earlyChallenge = undefined;
    if (early) return Promise.resolve(early);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.challengeWaiter = undefined;
        reject(new GatewayTimeoutError("connect.challenge", timeoutMs));
      }, timeoutMs);
      const unsubscribe = this.onClose((error) => {
        clearTimeout(timer);
        reject(error);
      });
      this.challengeWaiter = (challenge) => {
        clearTimeout(timer);
        unsubscribe();
        this.challengeWaiter = undefined;
        resolve(challenge);
      };
    });
  }

  private attach(socket: WebSocketLike): void {
    this.socket = socket;
    this.earlyChallenge = undefined;
    socket.addEventListener("message", (event) => {
      if (this.socket === socket && typeof event.data === "string") this.dispatch(event.data);
    });
    socket.addEventListener("close", (event) => {
      if (this.socket === socket) this.dropSocket(new GatewayClosedError(event.code, event.reason));
    });
    socket.addEventListener("error", () => {
      // A close event always follows; pending work is rejected there.
    });
  }

  private dispatch(text: string): void {
    const frame = parseFrame(text);
    if (!frame || frame.type === "req") return;
    if (frame.type === "res") {
      this.pending.settle(frame);
      return;
    }
    if (frame.event === "connect.challenge") {
      const challenge = frame.payload as ConnectChallenge;
      // Kept if it beats the waiter (a transport may deliver it as soon as the socket opens).
      if (this.challengeWaiter) this.challengeWaiter(challenge);
      else this.earlyChallenge = challenge;
      return;
    }
    for (const key of [frame.event, "*"]) {
      for (const listener of this.listeners.get(key) ?? []) listener(frame.payload, frame);
    }
  }

  /** After a failed handshake: forget the socket and close it (the server may not have). */
  private abandonSocket(): void {
    const socket = this.socket;
    this.dropSocket(new GatewayClosedError(undefined, "handshake failed"));
    try {
      socket?.close(1000, "handshake failed");
    } catch {
      // already closed
    }
  }

  /** Forgets the current socket, rejecting everything pending on it. */
  private dropSocket(error = new GatewayClosedError(undefined, "connection dropped")): void {
    if (!this.socket) return;
    this.socket = undefined;
    this.helloOk = undefined;
    this.pending.rejectAll(error);
    for (const listener of [...this.closeListeners]) listener(error);
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}
