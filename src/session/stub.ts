/**
 * The Worker's typed handle on a session's Durable Object (addressed by the session id).
 * Calls return plain values or throw the same `ApiError` the object raised (see rpc-result).
 */
import type { SessionEvent, UserEventInput } from "../schemas/session-events";
import type { SessionWire } from "../schemas/sessions";
import type { EventQuery, LoggedEvent } from "./event-log";
import { type RpcResult, unwrap } from "./rpc-result";
import type { SessionDO } from "./session-do";
import type { SessionAgent, SessionRecord } from "./session-record";

export function sessionStub(env: Env, sessionId: string): DurableObjectStub<SessionDO> {
  const ns = env.SESSIONS as unknown as DurableObjectNamespace<SessionDO>;
  return ns.get(ns.idFromName(sessionId));
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
    listEvents: (query: EventQuery) => rpc<{ rows: LoggedEvent[] }>(stub.listEvents(query)),
    /** Agents Plane rollouts: a newer agent version the session takes up at its next turn. */
    adoptAgentVersion: (agent: SessionAgent, restartRuntime: boolean) =>
      rpc<{ pending: boolean }>(stub.adoptAgentVersion(agent, restartRuntime)),
    /** Agents Plane oversight: the running runtime's recent log lines (none when stopped). */
    runtimeLogs: (query: { cursor?: number; limit: number }) =>
      rpc<{ lines: string[]; cursor: number | null }>(stub.runtimeLogs(query)),
    /** The SSE stream (the object's fetch handler). */
    stream: (request: Request) => stub.fetch(request),
  };
}
