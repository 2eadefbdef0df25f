/**
 * The session's connection to its OpenClaw gateway: starts the runtime if needed, waits for
 * readiness, opens the WebSocket control connection through the runtime seam (pairing the
 * session's device identity over the admin RPC when the gateway asks), and subscribes to the
 * session's message events. One link per Durable Object instance; it is rebuilt after a drop.
 */
import { RUNTIME_READY_DEADLINE_MS } from "../config";
import {
  type AgentRuntime,
  OPENCLAW_PORT,
  RuntimeStartError,
  type RuntimeStartOptions,
  stoppedWhileStarting,
  type WarmPoolOutcome,
} from "../runtime/agent-runtime";
import { connectWithPairing } from "../runtime/openclaw/admin-rpc";
import type { DeviceIdentity } from "../runtime/openclaw/device-identity";
import { GatewayClient, type WebSocketLike } from "../runtime/openclaw/gateway-client";
import type { EventFrame } from "../runtime/openclaw/protocol";
import { waitForGatewayReady } from "../runtime/readiness";

/** The host part is ignored by both runtimes; it only makes the URL well-formed. */
const GATEWAY_URL = "http://gateway.local";

export interface LinkOptions {
  runtime: AgentRuntime;
  gatewayToken: string;
  identity: DeviceIdentity;
  /** OpenClaw session key of this session (`agent:main:<session id>`). */
  sessionKey: string;
  /**
   * The options of a runtime start (env, egress, warm pool and its plan), asked for only when
   * the runtime has to be started: built by the session, which may have built them already.
   */
  startOptions: () => Promise<RuntimeStartOptions>;
  /** How a pooled start went (claimed, or why it booted cold), when the runtime has a pool. */
  onWarmPool?: (outcome: WarmPoolOutcome) => void;
  /** Called just before the runtime is started: not when it was running already. */
  onStart?: () => void;
  onEvent: (frame: EventFrame) => void;
  onClose: (reason: string) => void;
  /** Called with each step of the link's setup as it completes (epoch ms), for the start's timing log. */
  mark?: (phase: LinkPhase) => void;
  /**
   * Aborted when the session stops while the link is being set up (archive, delete, idle sleep
   * during a start begun at create): no start begins after it, and the setup ends with an error.
   */
  signal?: AbortSignal;
}

/** The steps of a link's setup, in order (`started`/`claimed` only when the runtime was started). */
export type LinkPhase = "checked" | "started" | "ready" | "connected" | "subscribed" | "history";

export interface LinkState {
  client: GatewayClient;
  /** True when the gateway holds no transcript for this session (a fresh runtime). */
  freshTranscript: boolean;
  /** True when this link's start claimed a warm runtime (a pool member new to this session). */
  claimed?: boolean;
}

/** Opens a WebSocket to the gateway through the runtime seam (HTTP upgrade). */
async function openSocket(runtime: AgentRuntime): Promise<WebSocketLike> {
  const res = await runtime.fetch(
    OPENCLAW_PORT,
    new Request(`${GATEWAY_URL}/`, { headers: { Upgrade: "websocket" } }),
  );
  const ws = res.webSocket;
  if (!ws) throw new RuntimeStartError(`the gateway refused the WebSocket upgrade (HTTP ${res.status})`);
  ws.accept();
  return ws as unknown as WebSocketLike;
}

/**
 * The session's events a link needs: its whole messages (`session.message`, per-call usage)
 * and the gateway's session operations (`session.operation`, e.g. a completed compaction, sent
 * only to `sessions.subscribe` clients). Both at once: one round trip on the warm path.
 */
export async function subscribeSessionEvents(client: GatewayClient, sessionKey: string): Promise<void> {
  await Promise.all([
    client.request("sessions.messages.subscribe", { key: sessionKey }),
    client.request("sessions.subscribe", {}),
  ]);
}

/**
 * Throws once the session stopped the setup (`LinkOptions.signal`): the abort's reason when the
 * session gave one (it says why it stopped), else the plain stopped error.
 */
function stopped(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  throw signal.reason instanceof RuntimeStartError ? signal.reason : stoppedWhileStarting();
}

/** Starts (if needed) and connects; resolves once the session's events are subscribed. */
export async function openLink(opts: LinkOptions): Promise<LinkState> {
  const { runtime } = opts;
  // Whether this link's start claimed a warm runtime: a pool member that ran only the pool's
  // data-free warm-up, so it holds no transcript of this session. (A cold start may reuse a state
  // dir: a local runtime keeps it across idle sleep.)
  let claimed = false;
  const start = async () => {
    stopped(opts.signal);
    opts.onStart?.();
    const options = await opts.startOptions();
    stopped(opts.signal);
    const result = await runtime.start(options);
    if (result?.pool) opts.onWarmPool?.(result.pool);
    claimed = result?.pool?.outcome === "claimed";
    opts.mark?.("started");
  };
  const running = await runtime.isRunning();
  opts.mark?.("checked");
  if (!running) await start();
  try {
    stopped(opts.signal);
    await waitForGatewayReady(runtime, { deadlineMs: RUNTIME_READY_DEADLINE_MS, signal: opts.signal });
  } catch (err) {
    // A runtime that was still going down when we looked (it died mid-turn) is gone by now:
    // start a fresh one, once. A runtime that fails again is reported.
    if (!(err instanceof RuntimeStartError) || (await runtime.isRunning())) throw err;
    await start();
    await waitForGatewayReady(runtime, { deadlineMs: RUNTIME_READY_DEADLINE_MS, signal: opts.signal });
  }
  stopped(opts.signal);
  opts.mark?.("ready");

  const client = new GatewayClient({
    connect: () => openSocket(runtime),
    token: opts.gatewayToken,
    identity: opts.identity,
  });
  client.on("*", (_payload, frame) => opts.onEvent(frame));
  client.onClose((err) => opts.onClose(err.message));
  await connectWithPairing(client, {
    fetch: (url, init) => runtime.fetch(OPENCLAW_PORT, new Request(url, init)),
    origin: GATEWAY_URL,
    token: opts.gatewayToken,
  });
  opts.mark?.("connected");
  await subscribeSessionEvents(client, opts.sessionKey);
  opts.mark?.("subscribed");
  // A claimed runtime has never run this session: no need to ask (0.1–0.35 s on a new gateway).
  let freshTranscript = true;
  if (!claimed) {
    const history = await client
      .request<{ messages?: unknown[] }>("chat.history", { sessionKey: opts.sessionKey, limit: 1 })
      .catch(() => ({ messages: [] }));
    opts.mark?.("history");
    freshTranscript = (history.messages?.length ?? 0) === 0;
  }
  // Stopped while the connection came up: no link is handed out (the session stops the runtime
  // once its start has settled).
  if (opts.signal?.aborted) {
    client.close(1000, "stopped while starting");
    stopped(opts.signal);
  }
  return claimed ? { client, freshTranscript, claimed } : { client, freshTranscript };
}
