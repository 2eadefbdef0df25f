/**
 * Our agents as A2A 1.0 agents, for inbound tailnet peers: the agent card and the JSON-RPC
 * endpoint (`SendMessage`, `GetTask`) of each agent some peer was granted.
 *
 * Served the way OpenClaw's `channels.a2a` serves it (so an OpenClaw gateway configured with
 * `peers.<name>.url` = our endpoint talks to us unchanged): bearer auth with the credential we
 * issued the peer (HTTP 401 otherwise), JSON-RPC errors with HTTP 200, `-32000` when the peer's
 * rate limit is spent, `-32004` for methods we do not serve, `-32601` for unknown ones. An agent
 * the peer was not granted answers exactly like an agent that does not exist.
 *
 * A message runs in the session of its (peer, agent, contextId) — one session per conversation,
 * visible through the sessions API — and its answer is the A2A task's artifact. Blocking by
 * default; with `configuration.returnImmediately` (what OpenClaw's outbound sends) the task is
 * answered WORKING and finished in the background, for `GetTask` — and, for a peer that never
 * polls (OpenClaw), also pushed to it as our own `SendMessage` (src/a2a/reply-push.ts).
 */
import { and, eq } from "drizzle-orm";
import { type AgentRecord, getAgent } from "../db/agents";
import { appendAudit } from "../db/audit";
import { createDb, type Db } from "../db/client";
import { peerInboundCredentials, peerTasks, planeMembers } from "../db/schema";
import { ApiError } from "../errors";
import { describeError, log } from "../lib/log";
import { openConversation } from "../openai/conversation";
import { Turn } from "../openai/turn";
import { type PeerRow, peerByInboundToken } from "../peers/peer-store";
import { type PeerMessageVia, recordPeerMessage, utf8Bytes } from "../peers/peer-traffic";
import { sessionClient } from "../session/stub";
import { deliverReply, markPolled } from "./reply-push";

/** A2A contextIds we accept as given (OpenClaw's rule); anything else gets a fresh one. */
const CONTEXT_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Longest text we hand the agent (OpenClaw truncates at 64 KiB too). */
const MAX_TEXT_CHARS = 65_536;
/** Longest a blocking SendMessage waits for the agent's answer (OpenClaw's default reply timeout). */
const BLOCKING_TIMEOUT_MS = 120_000;

const RPC = {
  parse: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  taskNotFound: -32001,
  unsupported: -32004,
  /** OpenClaw's code for rate limits and server-side failures. */
  server: -32000,
} as const;

const UNSUPPORTED = new Set([
  "CancelTask",
  "tasks/cancel",
  "ListTasks",
  "SendStreamingMessage",
  "message/stream",
  "SubscribeToTask",
  "tasks/resubscribe",
  "GetExtendedAgentCard",
  "CreateTaskPushNotificationConfig",
  "GetTaskPushNotificationConfig",
  "ListTaskPushNotificationConfig",
  "DeleteTaskPushNotificationConfig",
]);

type RpcId = string | number | null;

function rpcError(id: RpcId, code: number, message: string, status = 200): Response {
  return Response.json({ jsonrpc: "2.0", id, error: { code, message } }, { status });
}

function rpcResult(id: RpcId, result: unknown): Response {
  return Response.json({ jsonrpc: "2.0", id, result });
}

/** The agent, if `peer` was granted it and it is live; null otherwise (never says which). */
async function grantedAgent(db: Db, peer: PeerRow | null, agentId: string): Promise<AgentRecord | null> {
  if (peer && !peer.agentIds.includes(agentId)) return null;
  try {
    const agent = await getAgent(db, agentId);
    return agent.archivedAt === null ? agent : null;
  } catch (err) {
    if (err instanceof ApiError && err.code === "agent_not_found") return null;
    throw err;
  }
}

/** Whether any live inbound peer is granted `agentId` (only those agents have a public card). */
async function servesPeers(db: Db, agentId: string): Promise<boolean> {
  const rows = await db.query.peers.findMany({ where: (p, { isNull }) => isNull(p.deletedAt) });
  return rows.some((p) => p.direction !== "outbound" && p.agentIds.includes(agentId));
}

/**
 * `GET …/.well-known/agent-card.json`: public, like OpenClaw's, but only for agents granted to
 * an inbound peer (everything else is a 404). Declares the bearer scheme peers authenticate with.
 */
export async function agentCard(env: Env, agentId: string, endpointUrl: string): Promise<Response> {
  const db = createDb(env.DB);
  const agent = await grantedAgent(db, null, agentId);
  if (!agent || !(await servesPeers(db, agentId)))
    return Response.json({ error: "Not Found" }, { status: 404 });
  const spec = agent.spec as { name: string; description?: string | null };
  return Response.json({
    name: spec.name,
    description: spec.description || `Clawplane agent ${spec.name}`,
    supportedInterfaces: [{ url: endpointUrl, protocolBinding: "JSONRPC", protocolVersion: "1.0" }],
    provider: { organization: "Clawplane", url: new URL(endpointUrl).origin },
    version: String(agent.version),
    capabilities: { streaming: false, pushNotifications: false },
    securitySchemes: { bearer: { httpAuthSecurityScheme: { scheme: "Bearer" } } },
    securityRequirements: [{ schemes: { bearer: { list: [] } } }],
    defaultInputModes: ["text/plain"],
    defaultOutputModes: ["text/plain"],
    skills: [{ id: agent.id, name: spec.name, description: spec.description || spec.name, tags: [] }],
  });
}

export interface InboundContext {
  env: Env;
  agentId: string;
  apiOrigin: string;
  requestId: string;
  waitUntil: (promise: Promise<unknown>) => void;
  /** The path the call took: relayed by our tailnet connector, or the Worker's public HTTPS. */
  via: Extract<PeerMessageVia, "tailnet_connector" | "public_https">;
}

/** `POST …/v1`: one JSON-RPC call from a peer. */
export async function handleA2aCall(request: Request, ctx: InboundContext): Promise<Response> {
  const db = createDb(ctx.env.DB);
  const auth = request.headers.get("authorization") ?? "";
  const found = auth.startsWith("Bearer ") ? await peerByInboundToken(db, auth.slice(7).trim()) : null;
  if (!found) return Response.json({ error: "Unauthorized" }, { status: 401 });
  const { peer, credential } = found;
  await db
    .update(peerInboundCredentials)
    .set({ lastUsedAt: Date.now() })
    .where(eq(peerInboundCredentials.id, credential.id));

  let call: { id?: RpcId; method?: unknown; params?: unknown };
  try {
    call = JSON.parse(await request.text());
  } catch {
    return rpcError(null, RPC.parse, "Parse error");
  }
  if (!call || typeof call !== "object" || Array.isArray(call)) {
    return rpcError(null, RPC.invalidRequest, "Invalid Request: one JSON-RPC call per request");
  }
  const id = typeof call.id === "string" || typeof call.id === "number" ? call.id : null;
  const agent = await grantedAgent(db, peer, ctx.agentId);
  if (!agent) return rpcError(id, RPC.invalidRequest, `no agent ${ctx.agentId} for this peer`, 404);
  if (!(await withinRateLimit(ctx.env, peer))) {
    await audit(db, ctx, peer, "peers.message_in", "failure", 429, "rate_limited");
    await recordPeerMessage(db, {
      direction: "in",
      peerId: peer.id,
      agentId: agent.id,
      sessionId: null,
      planeId: peer.planeId,
      bytesIn: 0,
      bytesOut: 0,
      outcome: "failure",
      state: "rate_limited",
      via: ctx.via,
      durationMs: null,
    });
    return rpcError(id, RPC.server, `Rate limit exceeded (${peer.rateLimitPerMinute} per minute)`);
  }
  const method = typeof call.method === "string" ? call.method : "";
  if (method === "SendMessage" || method === "message/send") {
    return sendMessage(db, ctx, peer, agent, id, call.params);
  }
  if (method === "GetTask" || method === "tasks/get") return getTask(db, peer, id, call.params);
  if (UNSUPPORTED.has(method)) return rpcError(id, RPC.unsupported, `Unsupported operation: ${method}`);
  return rpcError(id, RPC.methodNotFound, "Method not found");
}

async function withinRateLimit(env: Env, peer: PeerRow): Promise<boolean> {
  const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(`peer-in:${peer.id}`));
  const verdict = await stub.take(peer.rateLimitPerMinute, peer.rateLimitPerMinute);
  return verdict.allowed;
}

function audit(
  db: Db,
  ctx: InboundContext,
  peer: PeerRow,
  action: string,
  outcome: "success" | "failure",
  status: number,
  errorCode: string | null = null,
) {
  return appendAudit(db, {
    at: Date.now(),
    requestId: ctx.requestId,
    actorType: "peer",
    actorId: peer.id,
    action,
    target: ctx.agentId,
    outcome,
    status,
    errorCode,
    planeId: peer.planeId,
  }).catch((err) => log("error", "audit write failed", { request_id: ctx.requestId, ...describeError(err) }));
}

/** The text of a message's `text` and `data` parts (0.3 `kind` parts parse too), newline-joined. */
function messageText(message: { parts?: unknown }): string {
  if (!Array.isArray(message.parts)) return "";
  return message.parts
    .map((p) => {
      const part = p as { text?: unknown; data?: unknown };
      if (typeof part.text === "string") return part.text;
      if (part.data !== undefined) return JSON.stringify(part.data);
      return "";
    })
    .filter(Boolean)
    .join("\n")
    .slice(0, MAX_TEXT_CHARS);
}

async function sendMessage(
  db: Db,
  ctx: InboundContext,
  peer: PeerRow,
  agent: AgentRecord,
  id: RpcId,
  raw: unknown,
): Promise<Response> {
  const params = (raw ?? {}) as {
    message?: { messageId?: unknown; contextId?: unknown; role?: unknown; parts?: unknown };
    configuration?: { returnImmediately?: unknown };
  };
  const message = params.message;
  const text = message && typeof message.messageId === "string" ? messageText(message) : "";
  if (!message || !text)
    return rpcError(id, RPC.invalidParams, "Invalid params: message with messageId and a text part");
  const contextId =
    typeof message.contextId === "string" && CONTEXT_ID.test(message.contextId)
      ? message.contextId
      : `ctx-${crypto.randomUUID()}`;

  const session = await openConversation({
    db,
    env: ctx.env,
    principalId: `peer:${peer.id}`,
    agent,
    user: contextId,
    apiOrigin: ctx.apiOrigin,
    environmentId: await memberEnvironment(db, agent.id),
    label: {
      title: `A2A: ${peer.name}`,
      metadata: { source: "a2a", peer_id: peer.id, context_id: contextId },
    },
  });
  const now = Date.now();
  const taskId = crypto.randomUUID();
  await db.insert(peerTasks).values({
    id: taskId,
    peerId: peer.id,
    agentId: agent.id,
    contextId,
    sessionId: session.id,
    state: "TASK_STATE_WORKING",
    reply: null,
    createdAt: now,
    updatedAt: now,
  });
  const bytes = utf8Bytes(text);
  const returnImmediately = params.configuration?.returnImmediately === true;
  const fromAgent = message.role === "ROLE_AGENT" || message.role === "agent";
  const started = { taskId, contextId, createdAt: now, returnImmediately, fromAgent };
  const run = runTask(db, ctx, peer, started, session, text, bytes);
  if (returnImmediately) {
    ctx.waitUntil(run);
    return rpcResult(id, {
      task: taskWire({ id: taskId, contextId, state: "TASK_STATE_WORKING", reply: null }),
    });
  }
  const finished = await Promise.race([
    run.then(() => true),
    new Promise<false>((resolve) => setTimeout(() => resolve(false), BLOCKING_TIMEOUT_MS)),
  ]);
  // Past the timeout the task keeps running (as OpenClaw does): the peer polls GetTask.
  if (!finished) ctx.waitUntil(run);
  const task = await db.query.peerTasks.findFirst({ where: eq(peerTasks.id, taskId) });
  return rpcResult(id, {
    task: taskWire(task ?? { id: taskId, contextId, state: "TASK_STATE_WORKING", reply: null }),
  });
}

/** A plane member's agent talks in the member's own environment; other agents in the default one. */
async function memberEnvironment(db: Db, agentId: string): Promise<string | undefined> {
  const member = await db.query.planeMembers.findFirst({
    where: and(eq(planeMembers.agentId, agentId), eq(planeMembers.status, "active")),
  });
  return member?.environmentId;
}

async function runTask(
  db: Db,
  ctx: InboundContext,
  peer: PeerRow,
  {
    taskId,
    contextId,
    createdAt,
    returnImmediately,
    fromAgent,
  }: { taskId: string; contextId: string; createdAt: number; returnImmediately: boolean; fromAgent: boolean },
  session: Parameters<typeof Turn.start>[1],
  text: string,
  bytes: number,
): Promise<void> {
  const started = Date.now();
  const events = sessionClient(ctx.env, session.id);
  const noted = (what: string) => (err: unknown) =>
    log("warn", `a2a ${what} event not recorded`, { session_id: session.id, ...describeError(err) });
  await events
    .recordPeerEvent({
      type: "session.peer_message_received",
      peer_id: peer.id,
      peer_name: peer.name,
      context_id: contextId,
      task_id: taskId,
      bytes,
      via: ctx.via,
    })
    .catch(noted("message"));
  let state = "TASK_STATE_COMPLETED";
  let reply = "";
  try {
    const turn = await Turn.start(ctx.env, session, `[A2A message from peer ${peer.name}]\n${text}`);
    for await (const part of turn.parts()) {
      if (part.kind === "text") reply += part.text;
      else if (part.kind === "failed") {
        state = "TASK_STATE_FAILED";
        reply = part.message;
      }
    }
  } catch (err) {
    state = "TASK_STATE_FAILED";
    reply = err instanceof ApiError ? err.message : "the agent could not take the message";
    log("warn", "a2a inbound turn failed", {
      peer_id: peer.id,
      session_id: session.id,
      ...describeError(err),
    });
  }
  await db.update(peerTasks).set({ state, reply, updatedAt: Date.now() }).where(eq(peerTasks.id, taskId));
  const pushed = await deliverReply(ctx.env, db, peer, {
    id: taskId,
    contextId,
    createdAt,
    returnImmediately,
    fromAgent,
    reply,
  });
  if (pushed.delivery === "pushed_message" || pushed.error) {
    await audit(
      db,
      ctx,
      peer,
      "peers.reply_push",
      pushed.error ? "failure" : "success",
      pushed.error ? 502 : 200,
      pushed.error ? "peer_unreachable" : null,
    );
    if (pushed.error)
      log("warn", "a2a reply push failed", { peer_id: peer.id, task_id: taskId, error: pushed.error });
  }
  await events
    .recordPeerEvent({
      type: "session.peer_reply_sent",
      peer_id: peer.id,
      task_id: taskId,
      state,
      bytes: utf8Bytes(reply),
      delivery: pushed.delivery,
    })
    .catch(noted("reply"));
  await recordPeerMessage(db, {
    direction: "in",
    peerId: peer.id,
    agentId: ctx.agentId,
    sessionId: session.id,
    planeId: peer.planeId,
    bytesIn: bytes,
    bytesOut: utf8Bytes(reply),
    outcome: state === "TASK_STATE_COMPLETED" ? "success" : "failure",
    state,
    via: ctx.via,
    durationMs: Date.now() - started,
  });
  await audit(
    db,
    ctx,
    peer,
    "peers.message_in",
    state === "TASK_STATE_COMPLETED" ? "success" : "failure",
    200,
    null,
  );
  log("info", "a2a inbound message", {
    peer_id: peer.id,
    agent_id: ctx.agentId,
    session_id: session.id,
    bytes,
    state,
  });
}

async function getTask(db: Db, peer: PeerRow, id: RpcId, raw: unknown): Promise<Response> {
  const taskId = (raw as { id?: unknown } | null)?.id;
  if (typeof taskId !== "string") return rpcError(id, RPC.invalidParams, "Invalid params: id");
  const task = await db.query.peerTasks.findFirst({
    where: and(eq(peerTasks.id, taskId), eq(peerTasks.peerId, peer.id)),
  });
  if (!task) return rpcError(id, RPC.taskNotFound, "Task not found");
  if (task.polledAt === null) await markPolled(db, task.id);
  return rpcResult(id, taskWire(task));
}

/** An A2A 1.0 Task: the answer is one artifact with one text part; history is not kept. */
function taskWire(task: { id: string; contextId: string; state: string; reply: string | null }) {
  const done = task.state === "TASK_STATE_COMPLETED";
  return {
    id: task.id,
    contextId: task.contextId,
    status: {
      state: task.state,
      timestamp: new Date().toISOString(),
      ...(task.state === "TASK_STATE_FAILED" && task.reply
        ? { message: { messageId: crypto.randomUUID(), role: "ROLE_AGENT", parts: [{ text: task.reply }] } }
        : {}),
    },
    artifacts: done ? [{ artifactId: `${task.id}-reply`, parts: [{ text: task.reply ?? "" }] }] : [],
    history: [],
  };
}
