/**
 * `/v1/sessions/{id}/events` — send user events (returns at once; messages queue durably),
 * list history with filters and pagination, and stream catch-up plus live events over SSE.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { requireScope } from "../auth/principal";
import { decodeCursor, encodeCursor } from "../lib/cursor";
import { validationHook } from "../middleware/validation";
import { COMMON_ERRORS, CONFLICT_ERROR, pageOf } from "../schemas/common";
import {
  EventListQuerySchema,
  SendEventsSchema,
  SessionEventSchema,
  StreamEventSchema,
  StreamQuerySchema,
} from "../schemas/session-events";
import { sessionClient } from "../session/stub";
import { SessionParam } from "./sessions";

export const sessionEventRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

sessionEventRoutes.openapi(
  createRoute({
    method: "post",
    path: "/{session_id}/events",
    tags: ["sessions"],
    summary: "Send user events; messages are queued and run in order",
    request: {
      params: SessionParam,
      body: { required: true, content: { "application/json": { schema: SendEventsSchema } } },
    },
    responses: {
      200: {
        description: "The accepted events, echoed with their ids",
        content: { "application/json": { schema: z.object({ data: z.array(SessionEventSchema) }) } },
      },
      ...COMMON_ERRORS,
      ...CONFLICT_ERROR,
    },
  }),
  async (c) => {
    requireScope(c.get("principal"), "write");
    const { session_id } = c.req.valid("param");
    c.set("auditTarget", session_id);
    const data = await sessionClient(c.env, session_id).send(c.req.valid("json").events);
    return c.json({ data }, 200);
  },
);

sessionEventRoutes.openapi(
  createRoute({
    method: "get",
    path: "/{session_id}/events",
    tags: ["sessions"],
    summary: "List a session's events (oldest first by default)",
    request: { params: SessionParam, query: EventListQuerySchema },
    responses: {
      200: {
        description: "A page of events",
        content: { "application/json": { schema: pageOf(SessionEventSchema) } },
      },
      ...COMMON_ERRORS,
    },
  }),
  async (c) => {
    requireScope(c.get("principal"), "read");
    const q = c.req.valid("query");
    const types = q["types[]"];
    const { rows } = await sessionClient(c.env, c.req.valid("param").session_id).listEvents({
      limit: q.limit,
      order: q.order,
      cursorSeq: q.page ? decodeCursor(q.page).key : undefined,
      types: types === undefined ? undefined : Array.isArray(types) ? types : [types],
      processedGt: q["created_at[gt]"],
      processedGte: q["created_at[gte]"],
      processedLt: q["created_at[lt]"],
      processedLte: q["created_at[lte]"],
    });
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    const next_page =
      rows.length > q.limit && last ? encodeCursor({ key: last.seq, id: last.event.id }) : null;
    return c.json({ data: page.map((r) => r.event), next_page }, 200);
  },
);

sessionEventRoutes.openapi(
  createRoute({
    method: "get",
    path: "/{session_id}/events/stream",
    tags: ["sessions"],
    summary: "Stream events over SSE: catch-up (from Last-Event-ID, else from the start) then live",
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
    requireScope(c.get("principal"), "read");
    const { session_id } = c.req.valid("param");
    const session = sessionClient(c.env, session_id);
    // Existence first, so an unknown session gets the JSON error envelope, not a stream.
    await session.describe();
    const url = new URL(c.req.url);
    const headers = new Headers();
    const lastEventId = c.req.header("last-event-id");
    if (lastEventId) headers.set("last-event-id", lastEventId);
    const stream = await session.stream(
      new Request(`http://session/stream${url.search}`, { headers, signal: c.req.raw.signal }),
    );
    // A response from another object has immutable headers, and later middleware adds some.
    return new Response(stream.body, stream);
  },
);
