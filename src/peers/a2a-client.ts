/**
 * Calling a peer: A2A 1.0 over JSON-RPC (what OpenClaw 2026.9.6's `channels.a2a` serves, verified
 * between two real gateways, see README "Tailnet peers") and OpenClaw's `/tools/invoke`
 * `sessions_send` for gateways without A2A. Every byte goes through the tailnet transport
 * (src/peers/transport.ts); the token is an argument, used for one request, never kept.
 *
 * Wire (A2A spec §9 JSON-RPC binding; OpenClaw code + our runs): `POST /a2a/v1` with
 * `Authorization: Bearer`, `A2A-Version: 1.0`, `{jsonrpc:"2.0", id, method:"SendMessage",
 * params:{message:{messageId, contextId, role:"ROLE_USER", parts:[{text}]}}}` → `result.task`
 * (`{id, contextId, status:{state}, artifacts:[{parts:[{text}]}]}`), blocking by default until a
 * terminal state or the peer's reply timeout (then still `TASK_STATE_WORKING`: poll `GetTask`).
 */
import { type TailnetTarget, type TailnetTransport, TailnetUnreachableError } from "./transport";

/** Longest a peer call may take end to end; OpenClaw's own default reply timeout is 120 s. */
export const PEER_CALL_TIMEOUT_MS = 150_000;
/** Longest the reachability probe waits for the card. */
export const PEER_PROBE_TIMEOUT_MS = 10_000;
/** Largest answer read from a peer (OpenClaw caps its responses at 1 MiB too). */
const MAX_RESPONSE_BYTES = 1_048_576;

export const A2A_PATH = "/a2a/v1";
export const AGENT_CARD_PATH = "/.well-known/agent-card.json";

/**
 * Where a peer's card is: OpenClaw serves one card at the root; a peer with its own A2A path
 * (another Clawplane: `/a2a/agents/<id>/v1`) serves its card beside it.
 */
export function agentCardPath(target: TailnetTarget): string {
  const path = target.a2aPath;
  if (!path || path === A2A_PATH) return AGENT_CARD_PATH;
  return `${path.replace(/\/v1$/, "")}${AGENT_CARD_PATH}`;
}

/** A2A task states that end a task (spec §4.1.3); WORKING/SUBMITTED mean "ask again later". */
const TERMINAL = new Set([
  "TASK_STATE_COMPLETED",
  "TASK_STATE_FAILED",
  "TASK_STATE_CANCELED",
  "TASK_STATE_REJECTED",
]);

export class PeerCallError extends Error {
  constructor(
    message: string,
    /** "unreachable" (no path, timeout, HTTP error), "refused" (401/403), "protocol" (not A2A), "rpc" (JSON-RPC error). */
    readonly kind: "unreachable" | "refused" | "protocol" | "rpc",
    readonly rpcCode?: number,
  ) {
    super(message);
    this.name = "PeerCallError";
  }
}

export interface PeerReply {
  taskId: string | null;
  contextId: string | null;
  /** A2A task state (`TASK_STATE_COMPLETED`, ...), or `completed` for `/tools/invoke`. */
  state: string;
  /** The reply text (all text parts of all artifacts, newline-joined); empty while working. */
  text: string;
  terminal: boolean;
}

async function readBody(res: Response): Promise<string> {
  const text = await res.text();
  if (text.length > MAX_RESPONSE_BYTES) throw new PeerCallError("the peer's answer is too large", "protocol");
  return text;
}

async function send(
  transport: TailnetTransport,
  target: TailnetTarget,
  path: string,
  init: RequestInit,
  timeoutMs: number,
): Promise<Response> {
  try {
    return await transport.fetch(target, path, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    if (err instanceof TailnetUnreachableError) throw new PeerCallError(err.message, "unreachable");
    const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
    throw new PeerCallError(
      timedOut
        ? `the peer did not answer within ${Math.round(timeoutMs / 1000)} s`
        : "the peer could not be reached",
      "unreachable",
    );
  }
}

/** What `peers test` reports. */
export interface ProbeResult {
  reachable: boolean;
  latencyMs: number | null;
  status: number | null;
  card: Record<string, unknown> | null;
  error: string | null;
}

/**
 * Reachability and the peer's public card: `GET /.well-known/agent-card.json` (A2A peers; no
 * auth, as OpenClaw serves it) or `GET /readyz` (OpenClaw gateways reached by `/tools/invoke`).
 */
export async function probePeer(
  transport: TailnetTransport,
  target: TailnetTarget,
  protocol: "a2a" | "openclaw_tools_invoke",
): Promise<ProbeResult> {
  const started = performance.now();
  let res: Response;
  try {
    res = await send(
      transport,
      target,
      protocol === "a2a" ? agentCardPath(target) : "/readyz",
      { method: "GET" },
      PEER_PROBE_TIMEOUT_MS,
    );
  } catch (err) {
    return { reachable: false, latencyMs: null, status: null, card: null, error: (err as Error).message };
  }
  const body = await readBody(res).catch(() => "");
  const latencyMs = Math.round((performance.now() - started) * 10) / 10;
  if (!res.ok) {
    return {
      reachable: true,
      latencyMs,
      status: res.status,
      card: null,
      error: `the peer answered HTTP ${res.status}`,
    };
  }
  if (protocol !== "a2a") return { reachable: true, latencyMs, status: res.status, card: null, error: null };
  const card = parseJson(body);
  if (!isAgentCard(card)) {
    return {
      reachable: true,
      latencyMs,
      status: res.status,
      card: null,
      error: "the peer's answer is not an A2A agent card",
    };
  }
  return { reachable: true, latencyMs, status: res.status, card, error: null };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The fields A2A 1.0 requires of a card that we rely on (name and at least one interface). */
function isAgentCard(value: unknown): value is Record<string, unknown> {
  if (!value || typeof value !== "object") return false;
  const card = value as { name?: unknown; supportedInterfaces?: unknown };
  return typeof card.name === "string" && Array.isArray(card.supportedInterfaces);
}

interface JsonRpcAnswer {
  result?: unknown;
  error?: { code?: unknown; message?: unknown };
}

async function rpc(
  transport: TailnetTransport,
  target: TailnetTarget,
  token: string,
  method: string,
  params: unknown,
  timeoutMs: number,
): Promise<unknown> {
  const res = await send(
    transport,
    target,
    target.a2aPath || A2A_PATH,
    {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}`, "a2a-version": "1.0" },
      body: JSON.stringify({ jsonrpc: "2.0", id: crypto.randomUUID(), method, params }),
    },
    timeoutMs,
  );
  const body = await readBody(res);
  if (res.status === 401 || res.status === 403)
    throw new PeerCallError("the peer refused our credential", "refused");
  if (!res.ok) throw new PeerCallError(`the peer answered HTTP ${res.status}`, "unreachable");
  const answer = parseJson(body) as JsonRpcAnswer | undefined;
  if (!answer || typeof answer !== "object")
    throw new PeerCallError("the peer's answer is not JSON-RPC", "protocol");
  if (answer.error) {
    const code = typeof answer.error.code === "number" ? answer.error.code : undefined;
    const message = typeof answer.error.message === "string" ? answer.error.message.slice(0, 500) : "error";
    throw new PeerCallError(`the peer answered JSON-RPC error ${code ?? "?"}: ${message}`, "rpc", code);
  }
  return answer.result;
}

/** The reply carried by an A2A Task (or a bare Message result). */
export function replyOf(result: unknown): PeerReply {
  const r = (result ?? {}) as { task?: unknown; message?: unknown };
  const task = (r.task ?? (r.message ? undefined : result)) as
    | { id?: unknown; contextId?: unknown; status?: { state?: unknown }; artifacts?: unknown }
    | undefined;
  if (!task && r.message) {
    const m = r.message as { contextId?: unknown; parts?: unknown };
    return {
      taskId: null,
      contextId: str(m.contextId),
      state: "TASK_STATE_COMPLETED",
      text: textOf(m.parts),
      terminal: true,
    };
  }
  const state = str(task?.status?.state);
  if (!task || !state) throw new PeerCallError("the peer's answer carries no A2A task", "protocol");
  const artifacts = Array.isArray(task.artifacts) ? task.artifacts : [];
  const statusText = textOf((task.status as { message?: { parts?: unknown } } | undefined)?.message?.parts);
  const text =
    artifacts
      .map((a) => textOf((a as { parts?: unknown }).parts))
      .filter(Boolean)
      .join("\n") || statusText;
  return { taskId: str(task.id), contextId: str(task.contextId), state, text, terminal: TERMINAL.has(state) };
}

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);

function textOf(parts: unknown): string {
  if (!Array.isArray(parts)) return "";
  return parts
    .map((p) => (p && typeof (p as { text?: unknown }).text === "string" ? (p as { text: string }).text : ""))
    .filter(Boolean)
    .join("\n");
}

/**
 * A2A `SendMessage`, blocking: the peer answers when its run ends (or, past its reply timeout,
 * with a still-working task, which is then polled with `GetTask` until terminal or `timeoutMs`).
 */
export async function sendA2aMessage(
  transport: TailnetTransport,
  target: TailnetTarget,
  token: string,
  message: { text: string; contextId: string },
  timeoutMs = PEER_CALL_TIMEOUT_MS,
): Promise<PeerReply> {
  const deadline = Date.now() + timeoutMs;
  let reply = await exchangeOnce(transport, target, token, message, deadline);
  // An OpenClaw gateway's first run on a fresh state dir can fail once for reasons of its own
  // (seen between two real gateways; its docs advise retrying FAILED tasks): retry once.
  if (reply.state === "TASK_STATE_FAILED" && Date.now() < deadline) {
    reply = await exchangeOnce(transport, target, token, message, deadline);
  }
  return reply;
}

async function exchangeOnce(
  transport: TailnetTransport,
  target: TailnetTarget,
  token: string,
  message: { text: string; contextId: string },
  deadline: number,
): Promise<PeerReply> {
  const params = {
    message: {
      messageId: crypto.randomUUID(),
      contextId: message.contextId,
      role: "ROLE_USER",
      parts: [{ text: message.text }],
    },
  };
  let reply = replyOf(await rpc(transport, target, token, "SendMessage", params, deadline - Date.now()));
  let wait = 500;
  while (!reply.terminal && reply.taskId && Date.now() + wait < deadline) {
    await new Promise((r) => setTimeout(r, wait));
    wait = Math.min(wait * 2, 5_000);
    reply = replyOf(
      await rpc(transport, target, token, "GetTask", { id: reply.taskId }, deadline - Date.now()),
    );
  }
  return reply;
}

/**
 * OpenClaw `/tools/invoke` with `sessions_send` (openclaw-runtime reference §10, verified): the
 * peer gateway must allow the tool (`gateway.tools.allow: ["sessions_send"]`).
 */
export async function sendToolsInvoke(
  transport: TailnetTransport,
  target: TailnetTarget,
  token: string,
  message: { text: string; sessionKey: string },
  timeoutMs = PEER_CALL_TIMEOUT_MS,
): Promise<PeerReply> {
  const res = await send(
    transport,
    target,
    "/tools/invoke",
    {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({
        tool: "sessions_send",
        args: {
          sessionKey: message.sessionKey,
          message: message.text,
          timeoutSeconds: Math.floor(timeoutMs / 1000),
        },
      }),
    },
    timeoutMs,
  );
  const body = parseJson(await readBody(res)) as
    | { ok?: unknown; result?: { reply?: unknown; status?: unknown } }
    | undefined;
  if (res.status === 401 || res.status === 403)
    throw new PeerCallError("the peer refused our credential", "refused");
  if (!res.ok || !body?.ok)
    throw new PeerCallError(`the peer answered HTTP ${res.status}`, res.ok ? "protocol" : "unreachable");
  return {
    taskId: null,
    contextId: message.sessionKey,
    state: "completed",
    text: typeof body.result?.reply === "string" ? body.result.reply : "",
    terminal: true,
  };
}

/**
 * Our answer to a peer's earlier message, sent as a `SendMessage` of our own — how OpenClaw's
 * `channels.a2a` expects answers, since its outbound never polls `GetTask` (connectors.md §4.3;
 * OpenClaw pushes its own error replies the same way). Sent as OpenClaw sends: in the peer's
 * `contextId`, `returnImmediately` (nothing waits on the peer's run), `ROLE_AGENT`, naming the task
 * it answers. Resolves with the state the peer gave its task; throws {@link PeerCallError}.
 */
export async function pushA2aMessage(
  transport: TailnetTransport,
  target: TailnetTarget,
  token: string,
  message: { text: string; contextId: string; answersTaskId: string },
  timeoutMs = PEER_PROBE_TIMEOUT_MS,
): Promise<string> {
  const params = {
    message: {
      messageId: crypto.randomUUID(),
      contextId: message.contextId,
      role: "ROLE_AGENT",
      parts: [{ text: message.text }],
      referenceTaskIds: [message.answersTaskId],
    },
    configuration: { returnImmediately: true },
  };
  return replyOf(await rpc(transport, target, token, "SendMessage", params, timeoutMs)).state;
}
