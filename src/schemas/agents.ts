/**
 * Wire schemas for agents: the `agent` object the API returns, the create and update bodies, and
 * the query strings of retrieve and list. Field names, enums and optionality follow
 * `@anthropic-ai/sdk` 1.12.0 (`resources/beta/agents`).
 *
 * Create and update bodies reject unknown top-level fields so a typo is reported instead of
 * silently ignored. Cross-field rules (unique names, MCP references, tool counts) live in
 * `domain/agent-spec.ts`, which needs the whole resulting agent to judge them.
 */
import { z } from "@hono/zod-openapi";
import { MultiagentParamsSchema, MultiagentSchema } from "./agent-multiagent";
import { AgentToolParamsSchema, AgentToolSchema } from "./agent-tools";
import { BooleanQuery, decimalIntQuery, LimitQuery, noControlChars, PageQuery } from "./common";
import { MetadataPatchSchema, MetadataSchema } from "./metadata";
import { SessionLimitsSchema } from "./session-limits";

const EFFORT_LEVELS = ["low", "medium", "high", "xhigh", "max"] as const;
const SPEEDS = ["standard", "fast"] as const;

/** Model configuration as stored and returned; `model` is always this object in responses. */
export const ModelConfigSchema = z
  .object({
    id: z.string().openapi({ example: "claude-opus-4-8" }),
    effort: z.object({ type: z.enum(EFFORT_LEVELS) }).optional(),
    speed: z.enum(SPEEDS).optional(),
    inference_geo: z.string().optional(),
  })
  .openapi("ModelConfig");
export type ModelConfig = z.infer<typeof ModelConfigSchema>;

/** Model configuration as sent; `effort` also accepts the bare level string. */
export const ModelConfigParamsSchema = z
  .strictObject({
    id: z.string().min(1),
    effort: z.union([z.enum(EFFORT_LEVELS), z.strictObject({ type: z.enum(EFFORT_LEVELS) })]).nullish(),
    speed: z.enum(SPEEDS).nullish(),
    inference_geo: z.string().min(1).nullish(),
  })
  .openapi("ModelConfigParams");
export type ModelConfigParams = z.infer<typeof ModelConfigParamsSchema>;

/** `model` on create or update: a model id string or a model configuration object. */
export const ModelParamSchema = z.union([z.string().min(1), ModelConfigParamsSchema]);
export type ModelParam = z.infer<typeof ModelParamSchema>;

/** A URL-based MCP server; identical in request and response form. */
export const McpServerSchema = z
  .strictObject({
    type: z.literal("url"),
    name: z.string().min(1).max(255).check(noControlChars),
    url: z.url({ protocol: /^https?$/ }),
  })
  .openapi("McpServerUrlDefinition");
export type McpServer = z.infer<typeof McpServerSchema>;

/** A skill as sent; `version` defaults to `"latest"`. */
export const SkillParamsSchema = z
  .strictObject({
    type: z.enum(["anthropic", "custom"]),
    skill_id: z.string().min(1),
    version: z.string().min(1).nullish(),
  })
  .openapi("SkillParams");

/** A skill as stored and returned. */
export const SkillSchema = z
  .object({ type: z.enum(["anthropic", "custom"]), skill_id: z.string(), version: z.string() })
  .openapi("Skill");
export type Skill = z.infer<typeof SkillSchema>;

/** The principal runs of the agent execute as; identical in request and response form. */
export const ExecutionIdentitySchema = z
  .discriminatedUnion("type", [
    z.strictObject({ type: z.literal("service_account") }),
    z.strictObject({ type: z.literal("aws_role"), role_arn: z.string().min(1).max(2048) }),
  ])
  .openapi("ExecutionIdentity");
export type ExecutionIdentity = z.infer<typeof ExecutionIdentitySchema>;

/** The `agent` object returned by create, retrieve, update, list, archive and versions. */
export const AgentSchema = z
  .object({
    id: z.string().openapi({ example: "agent_011CZkYpogX7uDKUyvBTophP" }),
    type: z.literal("agent"),
    name: z.string(),
    description: z.string().nullable(),
    model: ModelConfigSchema,
    system: z.string().nullable(),
    tools: z.array(AgentToolSchema),
    mcp_servers: z.array(McpServerSchema),
    skills: z.array(SkillSchema),
    multiagent: MultiagentSchema.nullable(),
    execution_identity: ExecutionIdentitySchema,
    session_limits: SessionLimitsSchema.nullable().openapi({
      description: "Clawplane extension: per-session quotas for every session of this agent.",
    }),
    metadata: MetadataSchema,
    version: z.number().int().min(1),
    created_at: z.string().openapi({ format: "date-time" }),
    updated_at: z.string().openapi({ format: "date-time" }),
    archived_at: z.string().nullable().openapi({ format: "date-time" }),
  })
  .openapi("Agent");
export type Agent = z.infer<typeof AgentSchema>;

const nameField = z.string().min(1, "name must not be empty").max(256).check(noControlChars);

/** The fields of `POST /v1/agents` (also the base of an Agents Plane template). */
export const AGENT_CREATE_FIELDS = {
  name: nameField,
  model: ModelParamSchema,
  description: z.string().nullish(),
  system: z.string().nullish(),
  tools: z.array(AgentToolParamsSchema).optional(),
  mcp_servers: z.array(McpServerSchema).optional(),
  skills: z.array(SkillParamsSchema).optional(),
  multiagent: MultiagentParamsSchema.nullish(),
  execution_identity: ExecutionIdentitySchema.nullish(),
  session_limits: SessionLimitsSchema.nullish(),
  metadata: MetadataSchema.optional(),
};

/** Body of `POST /v1/agents`. */
export const AgentCreateSchema = z.strictObject(AGENT_CREATE_FIELDS).openapi("AgentCreate", {
  additionalProperties: false,
});
export type AgentCreate = z.infer<typeof AgentCreateSchema>;

/**
 * Body of `POST /v1/agents/{id}`. Every field is optional: omitted preserves. `name` and `model`
 * accept null here only so that the domain layer can answer "cannot be cleared" for that field.
 */
export const AGENT_UPDATE_FIELDS = {
  name: z.string().max(256).check(noControlChars).nullish(),
  model: ModelParamSchema.nullish(),
  description: z.string().nullish(),
  system: z.string().nullish(),
  tools: z.array(AgentToolParamsSchema).nullish(),
  mcp_servers: z.array(McpServerSchema).nullish(),
  skills: z.array(SkillParamsSchema).nullish(),
  multiagent: MultiagentParamsSchema.nullish(),
  execution_identity: ExecutionIdentitySchema.nullish(),
  session_limits: SessionLimitsSchema.nullish(),
  metadata: MetadataPatchSchema.nullish(),
  version: z
    .number()
    .int()
    .min(1)
    .optional()
    .openapi({ description: "The version the update was based on; a mismatch fails with 409." }),
};
export const AgentUpdateSchema = z.strictObject(AGENT_UPDATE_FIELDS).openapi("AgentUpdate", {
  additionalProperties: false,
});
export type AgentUpdate = z.infer<typeof AgentUpdateSchema>;

/** Query of `GET /v1/agents/{id}`: an optional version to read instead of the latest. */
export const AgentVersionQuerySchema = z.object({
  version: decimalIntQuery(1).optional(),
});
export type AgentVersionQuery = z.infer<typeof AgentVersionQuerySchema>;

/** Query of `GET /v1/agents`. */
export const AgentListQuerySchema = z.object({
  limit: LimitQuery,
  page: PageQuery,
  "created_at[gte]": z.iso.datetime({ offset: true }).optional(),
  "created_at[lte]": z.iso.datetime({ offset: true }).optional(),
  include_archived: BooleanQuery,
});
export type AgentListQuery = z.infer<typeof AgentListQuerySchema>;
