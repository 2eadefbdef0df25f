/**
 * Session threads (`client.beta.sessions.threads`): a session runs one primary thread (the
 * session's own agent) and a child thread for each sub-agent it spawns. Shapes as the official
 * SDK types them (`BetaManagedAgentsSessionThread`); the thread's events are the session event
 * catalog's (src/schemas/session-events.ts).
 */
import { z } from "@hono/zod-openapi";
import { AgentSchema } from "./agents";
import { LimitQuery, PageQuery } from "./common";

export const THREAD_STATUSES = ["running", "idle", "rescheduling", "terminated"] as const;
export type ThreadStatus = (typeof THREAD_STATUSES)[number];

/** The definition a thread runs, as it was when the thread was created. */
const agentDefinition = AgentSchema.pick({
  name: true,
  description: true,
  model: true,
  system: true,
  tools: true,
  mcp_servers: true,
  skills: true,
  execution_identity: true,
}).shape;

/** A thread of a saved agent, pinned to one version. */
export const SessionThreadAgentSchema = z
  .object({ type: z.literal("agent"), id: z.string(), version: z.number().int().min(1), ...agentDefinition })
  .openapi("SessionThreadAgent");

/** A thread of an agent defined inline when it was spawned (no id, no version). */
export const InlineThreadAgentSchema = z
  .object({ type: z.literal("inline"), ...agentDefinition })
  .openapi("InlineAgent");

export const ThreadAgentSchema = z.discriminatedUnion("type", [
  SessionThreadAgentSchema,
  InlineThreadAgentSchema,
]);
export type ThreadAgent = z.infer<typeof ThreadAgentSchema>;

export const SessionThreadUsageSchema = z
  .object({
    input_tokens: z.number(),
    output_tokens: z.number(),
    cache_read_input_tokens: z.number(),
    cache_creation: z.object({
      ephemeral_5m_input_tokens: z.number(),
      ephemeral_1h_input_tokens: z.number(),
    }),
    active_seconds: z.number(),
  })
  .openapi("SessionThreadUsage");

export const SessionThreadSchema = z
  .object({
    id: z.string().openapi({ example: "sthr_011CZkZVWa6oJjw1rgXZpnBt" }),
    type: z.literal("session_thread"),
    session_id: z.string(),
    /** Null for the primary thread. */
    parent_thread_id: z.string().nullable(),
    agent: ThreadAgentSchema,
    status: z.enum(THREAD_STATUSES),
    /** Null until the thread's first status transition. */
    stats: z
      .object({
        active_seconds: z.number(),
        duration_seconds: z.number(),
        startup_seconds: z.number(),
      })
      .nullable(),
    /** Null until the thread's first idle transition. */
    usage: SessionThreadUsageSchema.nullable(),
    workflow_run_id: z.null(),
    created_at: z.string(),
    updated_at: z.string(),
    archived_at: z.string().nullable(),
  })
  .openapi("SessionThread");
export type SessionThreadWire = z.infer<typeof SessionThreadSchema>;

export const ThreadListQuerySchema = z.object({
  limit: LimitQuery,
  page: PageQuery,
  "statuses[]": z.union([z.enum(THREAD_STATUSES), z.array(z.enum(THREAD_STATUSES))]).optional(),
});
export type ThreadListQuery = z.infer<typeof ThreadListQuerySchema>;
