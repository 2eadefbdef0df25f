/**
 * `/v1/sessions/{id}/threads` — a session's threads (CMA `client.beta.sessions.threads`): list,
 * retrieve, archive, and each thread's events, listed or streamed (catch-up from
 * `Last-Event-ID`, then live). The session's Durable Object holds them (src/session/session-threads.ts).
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { validationHook } from "../middleware/validation";
import { COMMON_ERRORS, idParam, pageOf } from "../schemas/common";
import {
  EventListQuerySchema,
  SessionEventSchema,
  StreamEventSchema,
  StreamQuerySchema,
} from "../schemas/session-events";
import { SessionThreadSchema, ThreadListQuerySchema } from "../schemas/session-threads";
import { sessionClient } from "../session/stub";
import { defineRoute, jsonResponse } from "./define-route";
import { eventPageOf, eventQueryOf, relayStream } from "./session-events";
import { SessionParam } from "./sessions";

export const sessionThreadRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

const ThreadParams = SessionParam.extend(idParam("thread_id", "sthr_").shape);

sessionThreadRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/{session_id}/threads",
    tags: ["sessions"],
    summary: "List a session's threads: the primary thread, then its sub-agents' threads, oldest first",
    scope: "read",
    audit: false,
    member: {},
    request: { params: SessionParam, query: ThreadListQuerySchema },
    responses: { 200: jsonResponse(pageOf(SessionThreadSchema), "A page of threads"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const page = await sessionClient(c.env, c.req.valid("param").session_id).listThreads(
      c.req.valid("query"),
    );
    return c.json(page, 200);
  },
);

sessionThreadRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/{session_id}/threads/{thread_id}",
    tags: ["sessions"],
    summary: "Retrieve a session thread: agent, parent, status, usage and stats",
    scope: "read",
    audit: false,
    member: {},
    request: { params: ThreadParams },
    responses: { 200: jsonResponse(SessionThreadSchema, "The thread"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const { session_id, thread_id } = c.req.valid("param");
    return c.json(await sessionClient(c.env, session_id).getThread(thread_id), 200);
  },
);

sessionThreadRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/{session_id}/threads/{thread_id}/archive",
    tags: ["sessions"],
    summary: "Archive a child thread: its run stops and it ends terminated",
    scope: "write",
    audit: "sessions.threads.archive",
    member: {},
    request: { params: ThreadParams },
    responses: { 200: jsonResponse(SessionThreadSchema, "The archived thread"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const { session_id, thread_id } = c.req.valid("param");
    c.set("auditTarget", session_id);
    return c.json(await sessionClient(c.env, session_id).archiveThread(thread_id), 200);
  },
);

sessionThreadRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/{session_id}/threads/{thread_id}/events",
    tags: ["sessions"],
    summary: "List a thread's events (oldest first by default)",
    scope: "read",
    audit: false,
    member: {},
    request: { params: ThreadParams, query: EventListQuerySchema },
    responses: {
      200: jsonResponse(pageOf(SessionEventSchema), "A page of the thread's events"),
      ...COMMON_ERRORS,
    },
  }),
  async (c) => {
    const { session_id, thread_id } = c.req.valid("param");
    const q = c.req.valid("query");
    const { rows } = await sessionClient(c.env, session_id).listThreadEvents(thread_id, eventQueryOf(q));
    return c.json(eventPageOf(rows, q.limit), 200);
  },
);

sessionThreadRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/{session_id}/threads/{thread_id}/stream",
    tags: ["sessions"],
    summary: "Stream a thread's events over SSE: its history (after Last-Event-ID, if given), then live",
    scope: "read",
    audit: false,
    member: {},
    request: { params: ThreadParams, query: StreamQuerySchema },
    responses: {
      200: {
        description: "Server-sent events of one thread",
        content: { "text/event-stream": { schema: StreamEventSchema } },
      },
      ...COMMON_ERRORS,
    },
  }),
  async (c) => {
    const { session_id, thread_id } = c.req.valid("param");
    // Existence first, so an unknown session or thread gets the JSON error envelope, not a stream.
    await sessionClient(c.env, session_id).getThread(thread_id);
    return relayStream(c, session_id, `/threads/${encodeURIComponent(thread_id)}/stream`);
  },
);
