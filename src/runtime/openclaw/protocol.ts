/**
 * OpenClaw gateway WebSocket control protocol v4: frame shapes and the payloads Clawplane
 * relies on. Shapes were checked against a running openclaw 2026.9.6 (see
 * test/runtime/OBSERVED-EVENTS.md); fields we do not use are left out or typed loosely
 * because the gateway adds fields between releases.
 */

/** The only protocol version this client speaks (sent as min and max). */
export const PROTOCOL_VERSION = 4;

/** Error shape inside a failed response. Branch on `code` and `details.code`, never `message`. */
export interface GatewayErrorShape {
  code: string;
  message: string;
  details?: Record<string, unknown>;
  retryable?: boolean;
  retryAfterMs?: number;
}

export interface RequestFrame {
  type: "req";
  id: string;
  method: string;
  params?: unknown;
}

export type ResponseFrame =
  | { type: "res"; id: string; ok: true; payload: unknown }
  | { type: "res"; id: string; ok: false; error: GatewayErrorShape };

export interface EventFrame {
  type: "event";
  event: string;
  payload: unknown;
  /** Per-connection event counter; absent on `connect.challenge`. */
  seq?: number;
  stateVersion?: unknown;
}

export type GatewayFrame = RequestFrame | ResponseFrame | EventFrame;

/** Top-level error codes the client treats specially. */
export const GatewayErrorCodes = {
  /** Device identity not (yet) approved; `details.requestId` names the pending pairing. */
  NOT_PAIRED: "NOT_PAIRED",
  /** Retryable while startup sidecars finish (`details.reason: "startup-sidecars"`). */
  UNAVAILABLE: "UNAVAILABLE",
  FORBIDDEN: "FORBIDDEN",
} as const;

/** `details.code` on a pairing failure. */
export const PAIRING_REQUIRED_DETAIL = "PAIRING_REQUIRED";
/** `details.reason` on the retryable startup `UNAVAILABLE`. */
export const STARTUP_SIDECARS_REASON = "startup-sidecars";

/** First frame from the server on every socket. */
export interface ConnectChallenge {
  nonce: string;
  /** Server time in ms; must be echoed as `device.signedAt`. */
  ts: number;
  capabilities?: string[];
}

/** `client` block of `connect`. `id` and `mode` are server-side enums. */
export interface ClientInfo {
  /** e.g. "gateway-client" */
  id: string;
  version: string;
  /** e.g. "linux"; part of the v3 signature (lowercased). */
  platform: string;
  /** e.g. "backend" */
  mode: string;
  deviceFamily?: string;
}

export interface ConnectParams {
  minProtocol: number;
  maxProtocol: number;
  client: ClientInfo;
  role: "operator";
  scopes: string[];
  caps: string[];
  auth: { token: string };
  device?: { id: string; publicKey: string; signature: string; signedAt: number; nonce: string };
}

/** Successful `connect` payload. */
export interface HelloOk {
  type: "hello-ok";
  protocol: number;
  server: { version: string; buildId?: string; bootId?: string; connId: string };
  features: { methods: string[]; events: string[]; capabilities?: string[] };
  snapshot: Record<string, unknown>;
  auth: { role: string; scopes: string[]; deviceToken?: string; method?: string };
  policy: { maxPayload: number; maxBufferedBytes: number; tickIntervalMs: number };
}

/** `chat.send` params; `idempotencyKey` becomes the run id. */
export interface ChatSendParams {
  sessionKey: string;
  message: string;
  idempotencyKey: string;
  agentId?: string;
  thinking?: string;
  queueMode?: "steer" | "followup" | "collect" | "interrupt";
  timeoutMs?: number;
}

/** Returned immediately; the run continues as `chat`/`agent` events. */
export interface ChatSendResult {
  runId: string;
  status: string;
}

export interface ChatAbortParams {
  sessionKey: string;
  runId?: string;
}

export interface ChatAbortResult {
  ok: boolean;
  aborted: boolean;
  runIds: string[];
}

export type ChatState = "status" | "delta" | "final" | "aborted" | "error";

/** Text-only assistant message carried by `chat` events. */
export interface ChatMessage {
  role: "assistant";
  content: Array<{ type: "text"; text: string }>;
  timestamp: number;
}

/**
 * `chat` event payload. `seq` is per run. `delta` carries the whole text so far in `message`
 * plus the increment in `deltaText` (`replace: true` = start over). `final` may omit
 * `message` (observed after tool turns): take the text from the last delta or from
 * `agent` lifecycle `end` → `data.terminalReply.text`.
 */
export interface ChatEventPayload {
  runId: string;
  sessionKey: string;
  agentId?: string;
  seq: number;
  state: ChatState;
  /** state "status": preparing_workspace | preparing_context | starting_model */
  phase?: string;
  deltaText?: string;
  replace?: boolean;
  message?: ChatMessage;
  /** "stop" on final; "rpc" when ended by chat.abort */
  stopReason?: string;
  errorMessage?: string;
  errorKind?: string;
  errorDetail?: Record<string, unknown>;
}

/**
 * `agent` event payload. Streams seen: run_status, lifecycle, assistant, usage, item, tool,
 * command_output. `data` is stream-specific (see OBSERVED-EVENTS.md).
 */
export interface AgentEventPayload {
  runId: string;
  sessionKey?: string;
  sessionId?: string;
  agentId?: string;
  stream: string;
  data: Record<string, unknown>;
  seq?: number;
  ts?: number;
  isHeartbeat?: boolean;
}

/** Parses one text frame; returns undefined for anything that is not a protocol frame. */
export function parseFrame(text: string): GatewayFrame | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const type = (value as { type?: unknown }).type;
  if (type === "event" && typeof (value as EventFrame).event === "string") return value as EventFrame;
  if (type === "res" && typeof (value as ResponseFrame).id === "string") return value as ResponseFrame;
  if (type === "req" && typeof (value as RequestFrame).method === "string") return value as RequestFrame;
  return undefined;
}
