/**
 * The Worker's one typed handle on a session's Durable Object (addressed by the session id):
 * every call to a session goes through `sessionClient`. Calls return plain values or throw the
 * same `ApiError` the object raised (see rpc-result).
 */
import type { EgressSecrets } from "../egress/secret-substitution";
import type { ModelCallGrant, ModelCallUsage } from "../llm/metering";
import type { McpGrant, McpToolCall } from "../mcp/proxy";
import type { PeerEventBody, SessionEvent, UserEventInput } from "../schemas/session-events";
import type { SessionThreadWire, ThreadListQuery } from "../schemas/session-threads";
import type { SessionWire } from "../schemas/sessions";
import type { BeamCaller, BeamRunEventBody } from "./beam-tools";
import type { EventQuery, LoggedEvent } from "./event-log";
import { type RpcResult, unwrap } from "./rpc-result";
import type { RuntimeLogTail } from "./runtime-logs";
import type { SessionDO } from "./session-do";
import type { SessionAgent, SessionRecord } from "./session-record";

function sessionStub(env: Env, sessionId: string): DurableObjectStub<SessionDO> {
  return env.SESSIONS.get(env.SESSIONS.idFromName(sessionId));
}

// RPC return types are structurally re-derived by workers-types; these casts restore ours.
const rpc = <T>(p: unknown) => unwrap(p as Promise<RpcResult<T>>);

export function sessionClient(env: Env, sessionId: string) {
  const stub = sessionStub(env, sessionId);
  return {
    create: (record: SessionRecord, initial: UserEventInput[]) =>
      rpc<SessionWire>(stub.create(record, initial)),
    describe: () => rpc<SessionWire>(stub.describe()),
    updateInfo: (change: { title?: string | null; metadata?: Record<string, string> }) =>
      rpc<SessionWire>(stub.updateInfo(change)),
    archive: () => rpc<SessionWire>(stub.archive()),
    destroy: () => rpc<{ id: string }>(stub.destroy()),
    send: (events: UserEventInput[]) => rpc<SessionEvent[]>(stub.send(events)),
    /** `send`, refused (409 `session_running`) unless the session is idle: the OpenAI endpoint. */
    sendWhenIdle: (events: UserEventInput[]) => rpc<SessionEvent[]>(stub.sendWhenIdle(events)),
    listEvents: (query: EventQuery) => rpc<{ rows: LoggedEvent[] }>(stub.listEvents(query)),
    listThreads: (query: ThreadListQuery) =>
      rpc<{ data: SessionThreadWire[]; next_page: string | null }>(stub.listThreads(query)),
    getThread: (threadId: string) => rpc<SessionThreadWire>(stub.getThread(threadId)),
    archiveThread: (threadId: string) => rpc<SessionThreadWire>(stub.archiveThread(threadId)),
    listThreadEvents: (threadId: string, query: EventQuery) =>
      rpc<{ rows: LoggedEvent[] }>(stub.listThreadEvents(threadId, query)),
    /** The SSE stream (the object's fetch handler): `/stream`, or `/threads/{id}/stream`. */
    stream: (request: Request) => stub.fetch(request),
    /** LLM proxy meter: one model call granted to the session's token (null: not this session's). */
    authorizeModelCall: (token: string, requestedModel?: string) =>
      rpc<ModelCallGrant | null>(stub.authorizeModelCall(token, requestedModel)),
    /** LLM proxy meter: a model call's usage added to the session. */
    recordModelUsage: (usage: ModelCallUsage) => rpc<void>(stub.recordModelUsage(usage)),
    /** MCP proxy: the session's servers, vaults and networking for its token (null: none). */
    authorizeMcpCall: (token: string, calls: McpToolCall[]) =>
      rpc<McpGrant | null>(stub.authorizeMcpCall(token, calls)),
    /** Tailnet peers: the session and agent behind a runtime's token (null: not this session's). */
    authorizePeerCall: (token: string) =>
      rpc<{ sessionId: string; agentId: string } | null>(stub.authorizePeerCall(token)),
    /** Tailnet peers: logs a peer exchange event; its id (null: the session is gone). */
    recordPeerEvent: (body: PeerEventBody) => rpc<string | null>(stub.recordPeerEvent(body)),
    /** Beam calls: the session, its agent and its `beam_agent` entry behind a runtime's token (null: not this session's). */
    authorizeBeamCall: (token: string) => rpc<BeamCaller | null>(stub.authorizeBeamCall(token)),
    /** Beam calls: logs a beam run event; its id (null: the session is gone). */
    recordBeamEvent: (body: BeamRunEventBody) => rpc<string | null>(stub.recordBeamEvent(body)),
    /** Egress edge: the session's placeholder → secret table (null: none). */
    egressSecrets: () => rpc<EgressSecrets | null>(stub.egressSecrets()),
    /** Agents Plane rollouts: a newer agent version the session takes up at its next turn. */
    adoptAgentVersion: (agent: SessionAgent, restartRuntime: boolean) =>
      rpc<{ pending: boolean }>(stub.adoptAgentVersion(agent, restartRuntime)),
    /** Agents Plane oversight: the running runtime's recent log lines (none when stopped). */
    runtimeLogs: (query: { cursor?: number; limit: number }) => rpc<RuntimeLogTail>(stub.runtimeLogs(query)),
  };
}
