/**
 * `/v1/sessions/{id}/events` — send user events (returns at once; messages queue durably),
 * list history with filters and pagination, and stream catch-up plus live events over SSE.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { decodeCursor, encodeCursor } from "../lib/cursor";
import { validationHook } from "../middleware/validation";
import { COMMON_ERRORS, CONFLICT_ERROR, pageOf } from "../schemas/common";
import {
  type EventListQuery,
  EventListQuerySchema,
  SendEventsSchema,
  SessionEventSchema,
  StreamEventSchema,
  StreamQuerySchema,
} from "../schemas/session-events";
import type { EventQuery, LoggedEvent } from "../session/event-log";
import { sessionClient } from "../session/stub";
import { defineRoute, jsonBody, jsonResponse } from "./define-route";
import { SessionParam } from "./sessions";

export const sessionEventRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

sessionEventRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/{session_id}/events",
    tags: ["sessions"],
    summary: "Send user events; messages are queued and run in order",
    scope: "write",
    audit: "sessions.events.send",
    member: { budget: "user_message" },
    request: { params: SessionParam, body: jsonBody(SendEventsSchema) },
    responses: {
      200: jsonResponse(
        z.object({ data: z.array(SessionEventSchema) }),
        "The accepted events, echoed with their ids",
      ),
      ...COMMON_ERRORS,
      ...CONFLICT_ERROR,
    },
  }),
  async (c) => {
    const { session_id } = c.req.valid("param");
    c.set("auditTarget", session_id);
    const data = await sessionClient(c.env, session_id).send(c.req.valid("json").events);
    return c.json({ data }, 200);
  },
);

sessionEventRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/{session_id}/events",
    tags: ["sessions"],
    summary: "List a session's events (oldest first by default)",
    scope: "read",
    audit: false,
    member: {},
    request: { params: SessionParam, query: EventListQuerySchema },
    responses: {
      200: jsonResponse(pageOf(SessionEventSchema), "A page of events"),
      ...COMMON_ERRORS,
    },
  }),
  async (c) => {
    const q = c.req.valid("query");
    const { rows } = await sessionClient(c.env, c.req.valid("param").session_id).listEvents(eventQueryOf(q));
    return c.json(eventPageOf(rows, q.limit), 200);
  },
);

/** The event log query an event list's query parameters ask for (sessions and threads alike). */
export function eventQueryOf(q: EventListQuery): EventQuery {
  const types = q["types[]"];
  return {
    limit: q.limit,
    order: q.order,
    cursorSeq: q.page ? decodeCursor(q.page).key : undefined,
    types: types === undefined ? undefined : Array.isArray(types) ? types : [types],
    processedGt: q["created_at[gt]"],
    processedGte: q["created_at[gte]"],
    processedLt: q["created_at[lt]"],
    processedLte: q["created_at[lte]"],
  };
}

/** One page of events from `limit + 1` rows of the log. */
export function eventPageOf(rows: LoggedEvent[], limit: number) {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const next_page = rows.length > limit && last ? encodeCursor({ key: last.seq, id: last.event.id }) : null;
  return { data: page.map((r) => r.event), next_page };
}

/**
 * Relays a session object's SSE stream (`path` on the object), passing `Last-Event-ID` and the
 * query on. The caller has checked the session exists, so errors come as the JSON envelope.
 */
export async function relayStream(c: Context<AppEnv>, sessionId: string, path: string): Promise<Response> {
  const url = new URL(c.req.url);
  const headers = new Headers();
  const lastEventId = c.req.header("last-event-id");
  if (lastEventId) headers.set("last-event-id", lastEventId);
  const stream = await sessionClient(c.env, sessionId).stream(
    new Request(`http://session${path}${url.search}`, { headers, signal: c.req.raw.signal }),
  );
  // A response from another object has immutable headers, and later middleware adds some.
  return new Response(stream.body, stream);
}

sessionEventRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/{session_id}/events/stream",
    tags: ["sessions"],
    summary: "Stream events over SSE: catch-up (from Last-Event-ID, else from the start) then live",
    scope: "read",
    audit: false,
    member: {},
    request: { params: SessionParam, query: StreamQuerySchema },
    responses: {
      200: {
        description: "Server-sent events: catch-up, then live session events",
        content: { "text/event-stream": { schema: StreamEventSchema } },
      },
      ...COMMON_ERRORS,
    },
  }),
  async (c) => {
    const { session_id } = c.req.valid("param");
    // Existence first, so an unknown session gets the JSON error envelope, not a stream.
    await sessionClient(c.env, session_id).describe();
    return relayStream(c, session_id, "/stream");
  },
);
