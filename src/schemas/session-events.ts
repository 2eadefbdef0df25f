/**
 * Wire schemas for session events (`client.beta.sessions.events`): what a client may send and
 * the list query. Text blocks are checked strictly; other block types (image, document,
 * search_result) are accepted by shape and passed to the agent as their text where they have one.
 */
import { z } from "@hono/zod-openapi";
import { MAX_EVENTS_PER_SEND, MAX_PAGE_LIMIT } from "../config";
import { decimalIntQuery, PageQuery, TimestampQuery } from "./common";

const TextBlockSchema = z.strictObject({ type: z.literal("text"), text: z.string() });
const OtherBlockSchema = z.looseObject({ type: z.enum(["image", "document", "search_result", "redacted"]) });
export const ContentBlockSchema = z.union([TextBlockSchema, OtherBlockSchema]);

export const UserMessageParamsSchema = z.strictObject({
  type: z.literal("user.message"),
  content: z.array(ContentBlockSchema).min(1, "a message needs at least one content block"),
});

export const UserEventParamsSchema = z.discriminatedUnion("type", [
  UserMessageParamsSchema,
  z.strictObject({ type: z.literal("user.interrupt"), session_thread_id: z.string().min(1).optional() }),
  z.strictObject({
    type: z.literal("user.tool_confirmation"),
    tool_use_id: z.string().min(1),
    result: z.enum(["allow", "deny"]),
    deny_message: z.string().optional(),
    session_thread_id: z.string().optional(),
  }),
  z.strictObject({
    type: z.literal("user.custom_tool_result"),
    custom_tool_use_id: z.string().min(1),
    content: z.array(ContentBlockSchema).optional(),
    is_error: z.boolean().optional(),
    session_thread_id: z.string().optional(),
  }),
]);

export const SendEventsSchema = z
  .strictObject({ events: z.array(UserEventParamsSchema).min(1).max(MAX_EVENTS_PER_SEND) })
  .openapi("SendEvents");
export type SendEvents = z.infer<typeof SendEventsSchema>;

export const SessionEventSchema = z
  .looseObject({ id: z.string(), type: z.string(), processed_at: z.string().nullable() })
  .openapi("SessionEvent");

/**
 * Cold-start progress, Clawplane's own span pair (not in the CMA catalog; clients that do not
 * know a type skip it, the official SDKs included). Emitted only by a turn that has to start the
 * session's runtime, before the turn's first model call: `span.runtime_start` when the start
 * begins, `span.runtime_ready` once the runtime answers. A start that fails is followed by
 * `session.error` instead of `span.runtime_ready`.
 */
export const RuntimeStartEventSchema = z
  .object({ id: z.string(), type: z.literal("span.runtime_start"), processed_at: z.string() })
  .openapi("RuntimeStartEvent");
export const RuntimeReadyEventSchema = z
  .object({
    id: z.string(),
    type: z.literal("span.runtime_ready"),
    processed_at: z.string(),
    /** The `span.runtime_start` event this one ends. */
    runtime_start_id: z.string(),
    /** When the start began (RFC 3339). */
    started_at: z.string(),
    /** Milliseconds from the start to a runtime ready to run the turn. */
    ready_ms: z.number().int().nonnegative(),
  })
  .openapi("RuntimeReadyEvent");

export const EventListQuerySchema = z.object({
  limit: decimalIntQuery(1, MAX_PAGE_LIMIT).default(MAX_PAGE_LIMIT),
  page: PageQuery,
  order: z.enum(["asc", "desc"]).default("asc"),
  "types[]": z.union([z.string().min(1), z.array(z.string().min(1))]).optional(),
  "created_at[gt]": TimestampQuery,
  "created_at[gte]": TimestampQuery,
  "created_at[lt]": TimestampQuery,
  "created_at[lte]": TimestampQuery,
});
export type EventListQuery = z.infer<typeof EventListQuerySchema>;

export const StreamQuerySchema = z.object({
  "event_deltas[]": z
    .union([
      z.enum(["agent.message", "agent.thinking"]),
      z.array(z.enum(["agent.message", "agent.thinking"])),
    ])
    .optional(),
  last_event_id: z.string().min(1).optional(),
});
