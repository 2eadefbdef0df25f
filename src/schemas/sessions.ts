/**
 * Wire schemas for sessions (`client.beta.sessions`): the session object, create and update
 * bodies and the list query. Field names follow `@anthropic-ai/sdk` 1.12.0.
 */

import { z } from "@hono/zod-openapi";
import { AgentToolParamsSchema } from "./agent-tools";
import { AgentSchema, McpServerSchema, ModelParamSchema, SkillParamsSchema } from "./agents";
import {
  BooleanQuery,
  decimalIntQuery,
  LimitQuery,
  noControlChars,
  PageQuery,
  TimestampQuery,
} from "./common";
import { MetadataPatchSchema, MetadataSchema } from "./metadata";
import { SessionUsageSchema, UserMessageParamsSchema } from "./session-events";
import { SessionBudgetSchema } from "./session-limits";

export const SESSION_STATUSES = ["idle", "running", "rescheduling", "terminated"] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

const AgentRefSchema = z.strictObject({
  type: z.literal("agent"),
  id: z.string().min(1),
  version: z.number().int().min(1).optional(),
});
const AgentWithOverridesSchema = z.strictObject({
  type: z.literal("agent_with_overrides"),
  id: z.string().min(1),
  version: z.number().int().min(1).optional(),
  model: ModelParamSchema.optional(),
  system: z.string().nullish(),
  tools: z.array(AgentToolParamsSchema).optional(),
  mcp_servers: z.array(McpServerSchema).optional(),
  skills: z.array(SkillParamsSchema).optional(),
});

/** `agent`: an id (latest version), a pinned reference, or a reference with overrides. */
export const SessionAgentParamSchema = z.union([
  z.string().min(1),
  z.discriminatedUnion("type", [AgentRefSchema, AgentWithOverridesSchema]),
]);
export type SessionAgentParam = z.infer<typeof SessionAgentParamSchema>;

export const SessionCreateSchema = z
  .strictObject({
    agent: SessionAgentParamSchema,
    environment_id: z.string().min(1),
    title: z.string().max(512).check(noControlChars).nullish(),
    metadata: MetadataSchema.optional(),
    vault_ids: z.array(z.string().min(1)).max(20).optional(),
    resources: z.array(z.unknown()).max(0, "session resources are not supported yet").optional(),
    budget: SessionBudgetSchema.nullish(),
    initial_events: z.array(UserMessageParamsSchema).max(50).optional(),
  })
  .openapi("SessionCreate");
export type SessionCreate = z.infer<typeof SessionCreateSchema>;

export const SessionUpdateSchema = z
  .strictObject({
    title: z.string().max(512).check(noControlChars).nullish(),
    metadata: MetadataPatchSchema.nullish(),
  })
  .openapi("SessionUpdate");
export type SessionUpdate = z.infer<typeof SessionUpdateSchema>;

export const SessionSchema = z
  .object({
    id: z.string(),
    type: z.literal("session"),
    status: z.enum(SESSION_STATUSES),
    /** The agent the session runs: its definition at the version the session uses. */
    agent: AgentSchema.omit({ created_at: true, updated_at: true, archived_at: true }).openapi(
      "SessionAgent",
    ),
    environment_id: z.string(),
    title: z.string().nullable(),
    metadata: z.record(z.string(), z.string()),
    vault_ids: z.array(z.string()),
    resources: z.array(z.unknown()),
    outcome_evaluations: z.array(z.unknown()),
    budget: SessionBudgetSchema.nullable(),
    stats: z.object({ active_seconds: z.number(), duration_seconds: z.number() }),
    usage: SessionUsageSchema,
    created_at: z.string(),
    updated_at: z.string(),
    archived_at: z.string().nullable(),
  })
  .openapi("Session");
/** A session as the API returns it. */
export type SessionWire = z.infer<typeof SessionSchema>;

export const SessionListQuerySchema = z.object({
  limit: LimitQuery,
  page: PageQuery,
  order: z.enum(["asc", "desc"]).default("desc"),
  "statuses[]": z.union([z.enum(SESSION_STATUSES), z.array(z.enum(SESSION_STATUSES))]).optional(),
  agent_id: z.string().min(1).optional(),
  agent_version: decimalIntQuery(1).optional(),
  "created_at[gt]": TimestampQuery,
  "created_at[gte]": TimestampQuery,
  "created_at[lt]": TimestampQuery,
  "created_at[lte]": TimestampQuery,
  include_archived: BooleanQuery,
});
export type SessionListQuery = z.infer<typeof SessionListQuerySchema>;
