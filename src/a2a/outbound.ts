/**
 * Our agents calling tailnet peers: what the `peer_send` and `peer_list` tools
 * (container/plugins/clawplane-peers) reach. The runtime authenticates as its session (the
 * session token it already holds for the LLM proxy); the Worker decides everything else:
 *
 *   session token → the session's agent → the peer must be granted to that agent and callable
 *   outbound (policy) → the peer's rate limit → the peer's token, opened from its sealed
 *   envelope for this one request → the tailnet transport → the peer's A2A `SendMessage`
 *   (or `/tools/invoke`) → the reply as the tool result, or later as an event.
 *
 * Each message is audited (`peers.message_out`: session, peer, size, outcome) and appears in
 * the session's events (`agent.peer_message`, `agent.peer_reply`). The peer's token never
 * leaves the Worker: the runtime names peers, never credentials.
 *
 *   GET  <base>/peers   the peers this session's agent may message: [{name, protocol}]
 *   POST <base>/send    {peer, message, wait?}: wait (default) → {state, reply}; else → {message_id}
 */
import { appendAudit } from "../db/audit";
import { memberOfAgent } from "../db/channels";
import { createDb, type Db } from "../db/client";
import { ApiError, type ErrorCode } from "../errors";
import { keyringFromEnv } from "../lib/keyring";
import { describeError, log } from "../lib/log";
import { sessionIdFromToken } from "../llm/session-token";
import { PeerCallError, type PeerReply, sendA2aMessage, sendToolsInvoke } from "../peers/a2a-client";
import { openOutboundToken, outboundPeersOf, type PeerRow } from "../peers/peer-store";
import { type PeerMessageVia, recordPeerMessage, utf8Bytes } from "../peers/peer-traffic";
import { tailnetTransport } from "../peers/transport";
import { sessionClient } from "../session/stub";

/** Longest message an agent may send a peer (OpenClaw's A2A channel truncates past 64 KiB). */
export const MAX_PEER_MESSAGE_CHARS = 65_536;

export interface PeerCallContext {
  env: Env;
  requestId: string;
  waitUntil: (promise: Promise<unknown>) => void;
  /** Set by a container's entrypoint: the session its props name; the token must be that session's. */
  expectedSessionId?: string;
}

interface Caller {
  sessionId: string;
  agentId: string;
  /** The plane of the member whose agent this is (null: an org agent): its admins read the audit rows. */
  planeId: string | null;
}

function failure(code: ErrorCode, message: string, status: number): Response {
  return Response.json({ type: "error", error: { type: code, message } }, { status });
}

/** Routes one call of a session's runtime; `path` is what follows the base (`/peers`, `/send`). */
export async function handlePeerCall(
  request: Request,
  path: string,
  ctx: PeerCallContext,
): Promise<Response> {
  const authorized = await authenticate(request, ctx);
  if (!authorized) return failure("invalid_session_token", "a valid session token is required", 401);
  const db = createDb(ctx.env.DB);
  const caller: Caller = {
    ...authorized,
    planeId: (await memberOfAgent(db, authorized.agentId))?.planeId ?? null,
  };
  if (request.method === "GET" && path === "/peers") {
    const peers = await outboundPeersOf(db, caller.agentId);
    return Response.json({ data: peers.map((p) => ({ name: p.name, protocol: p.protocol })) });
  }
  if (request.method === "POST" && path === "/send") return send(db, request, caller, ctx);
  return failure("not_found", "no such peer call", 404);
}

async function authenticate(request: Request, ctx: PeerCallContext): Promise<Omit<Caller, "planeId"> | null> {
  const auth = request.headers.get("authorization") ?? "";
  const token = auth.startsWith("Bearer ") ? auth.slice(7).trim() : "";
  const sessionId = sessionIdFromToken(token);
  if (!sessionId || (ctx.expectedSessionId && sessionId !== ctx.expectedSessionId)) return null;
  return sessionClient(ctx.env, sessionId)
    .authorizePeerCall(token)
    .catch(() => null);
}

interface SendBody {
  peer: string;
  message: string;
  wait: boolean;
}

function parseSend(raw: unknown): SendBody | string {
  const b = (raw ?? {}) as { peer?: unknown; message?: unknown; wait?: unknown };
  if (typeof b.peer !== "string" || !b.peer) return "peer: the name of one of your peers is required";
  if (typeof b.message !== "string" || !b.message.trim()) return "message: a non-empty text is required";
  if (b.message.length > MAX_PEER_MESSAGE_CHARS)
    return `message: at most ${MAX_PEER_MESSAGE_CHARS} characters`;
  if (b.wait !== undefined && typeof b.wait !== "boolean") return "wait: true or false";
  return { peer: b.peer, message: b.message, wait: b.wait !== false };
}

async function send(db: Db, request: Request, caller: Caller, ctx: PeerCallContext): Promise<Response> {
  const body = parseSend(await request.json().catch(() => null));
  if (typeof body === "string") return failure("invalid_request", body, 400);
  const peer = (await outboundPeersOf(db, caller.agentId)).find((p) => p.name === body.peer);
  if (!peer) {
    await audit(db, ctx, caller, body.peer, "failure", 404, "peer_not_found");
    return failure("peer_not_found", `you have no peer named '${body.peer}' (peer_list shows yours)`, 404);
  }
  // This message's row in the peer traffic log, whatever becomes of it.
  const traffic = {
    direction: "out" as const,
    peerId: peer.id,
    agentId: caller.agentId,
    sessionId: caller.sessionId,
    planeId: peer.planeId,
    bytesIn: utf8Bytes(body.message),
    via: transportVia(ctx.env),
  };
  if (!(await withinRateLimit(ctx.env, peer))) {
    await audit(db, ctx, caller, peer.id, "failure", 429, "rate_limited");
    await recordPeerMessage(db, {
      ...traffic,
      bytesOut: 0,
      outcome: "failure",
      state: "rate_limited",
      durationMs: null,
    });
    return failure(
      "rate_limited",
      `the rate limit for peer '${peer.name}' (${peer.rateLimitPerMinute}/min) is spent`,
      429,
    );
  }
  const session = sessionClient(ctx.env, caller.sessionId);
  const contextId = `clawplane-${caller.sessionId}`;
  const messageId = await session.recordPeerEvent({
    type: "agent.peer_message",
    peer_id: peer.id,
    peer_name: peer.name,
    context_id: contextId,
    content: [{ type: "text", text: body.message }],
    wait: body.wait,
  });
  const started = Date.now();
  const exchange = exchangeWith(ctx, peer, body.message, contextId).then(async (reply) => {
    await session
      .recordPeerEvent({
        type: "agent.peer_reply",
        peer_message_id: messageId ?? "",
        peer_id: peer.id,
        peer_name: peer.name,
        state: reply.state,
        content: [{ type: "text", text: reply.text }],
        is_error: reply.isError,
      })
      .catch((err) =>
        log("warn", "peer reply event not recorded", { session_id: caller.sessionId, ...describeError(err) }),
      );
    await recordPeerMessage(db, {
      ...traffic,
      bytesOut: utf8Bytes(reply.text),
      outcome: reply.isError ? "failure" : "success",
      state: reply.state,
      durationMs: Date.now() - started,
    });
    await audit(
      db,
      ctx,
      caller,
      peer.id,
      reply.isError ? "failure" : "success",
      reply.isError ? 502 : 200,
      reply.isError ? reply.state : null,
    );
    log("info", "peer message out", {
      session_id: caller.sessionId,
      peer_id: peer.id,
      bytes: traffic.bytesIn,
      state: reply.state,
    });
    return reply;
  });
  if (!body.wait) {
    ctx.waitUntil(exchange);
    return Response.json({ message_id: messageId, status: "sent", peer: peer.name });
  }
  const reply = await exchange;
  return Response.json(
    {
      message_id: messageId,
      peer: peer.name,
      state: reply.state,
      reply: reply.text,
      is_error: reply.isError,
    },
    { status: reply.isError ? 502 : 200 },
  );
}

/** One exchange with the peer: never throws; failures become an error reply the agent can read. */
async function exchangeWith(
  ctx: PeerCallContext,
  peer: PeerRow,
  text: string,
  contextId: string,
): Promise<PeerReply & { isError: boolean }> {
  try {
    const token = await openOutboundToken(await keyringFromEnv(ctx.env), peer);
    if (!token) throw new PeerCallError("no token is stored for this peer", "refused");
    const transport = tailnetTransport(ctx.env);
    const target = { address: peer.address, port: peer.port, a2aPath: peer.path };
    const reply =
      peer.protocol === "a2a"
        ? await sendA2aMessage(transport, target, token, { text, contextId })
        : await sendToolsInvoke(transport, target, token, { text, sessionKey: `agent:main:${contextId}` });
    const ok = reply.state === "TASK_STATE_COMPLETED" || reply.state === "completed";
    const pending = !reply.terminal;
    return {
      ...reply,
      text: pending ? "The peer is still working on it; no answer within the time limit." : reply.text,
      isError: !ok,
    };
  } catch (err) {
    const message =
      err instanceof PeerCallError || err instanceof ApiError ? err.message : "the peer could not be reached";
    if (!(err instanceof PeerCallError))
      log("warn", "peer call failed", { peer_id: peer.id, ...describeError(err) });
    const state = err instanceof PeerCallError && err.kind === "refused" ? "refused" : "unreachable";
    return { taskId: null, contextId, state, text: message, terminal: true, isError: true };
  }
}

function transportVia(env: Env): PeerMessageVia {
  return tailnetTransport(env).kind === "loopback_double" ? "loopback_double" : "tailnet_connector";
}

async function withinRateLimit(env: Env, peer: PeerRow): Promise<boolean> {
  const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(`peer-out:${peer.id}`));
  return (await stub.take(peer.rateLimitPerMinute, peer.rateLimitPerMinute)).allowed;
}

function audit(
  db: Db,
  ctx: PeerCallContext,
  caller: Caller,
  target: string,
  outcome: "success" | "failure",
  status: number,
  errorCode: string | null,
) {
  return appendAudit(db, {
    at: Date.now(),
    requestId: ctx.requestId,
    actorType: "session",
    actorId: caller.sessionId,
    action: "peers.message_out",
    target,
    outcome,
    status,
    errorCode,
    planeId: caller.planeId,
  }).catch((err) => log("error", "audit write failed", { request_id: ctx.requestId, ...describeError(err) }));
}
