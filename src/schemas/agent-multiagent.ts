/**
 * Schemas for an agent's `multiagent` orchestration settings: the older `coordinator` roster
 * and the `multiagent_20261001` configuration (advisor, subagents, workflows).
 *
 * The stored form fills every default but keeps roster entries as references: an agent id sent
 * as a bare string becomes `{type:"agent", id}`, and `{type:"self"}` is kept. Pinning each
 * reference to a concrete `version` needs the agent store, so it belongs to the caller that
 * has one; `version` is therefore optional in the stored form.
 */
import { z } from "@hono/zod-openapi";

const AgentRefParamsSchema = z.strictObject({
  type: z.literal("agent"),
  id: z.string().min(1),
  version: z.number().int().min(1).optional(),
});
const SelfRefSchema = z.strictObject({ type: z.literal("self") });
const AdvisorEntrySchema = z.strictObject({ type: z.literal("advisor"), model: z.string().min(1) });

/** An entry of a predefined-agents list as sent: an agent id, an agent reference, or `self`. */
export const PredefinedAgentParamsSchema = z.union([z.string().min(1), AgentRefParamsSchema, SelfRefSchema]);
export type PredefinedAgentParams = z.infer<typeof PredefinedAgentParamsSchema>;

/** A stored agent reference; `version` is absent until the caller pins it. */
export const AgentRefSchema = z
  .object({ type: z.literal("agent"), id: z.string(), version: z.number().int().optional() })
  .openapi("MultiagentAgentReference");
/** A stored predefined agent: a reference, or `self` for the agent owning the configuration. */
export const PredefinedAgentSchema = z.union([AgentRefSchema, SelfRefSchema]);
export type PredefinedAgent = z.infer<typeof PredefinedAgentSchema>;

const ToggleSchema = z.strictObject({ type: z.enum(["enabled", "disabled"]) });

const AdvisorParamsSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("enabled"), model: z.string().min(1) }),
  z.strictObject({ type: z.literal("disabled") }),
]);

/**
 * Clawplane extension: caps on sub-agent threads, enforced by the session (never by the
 * model). Absent: {@link DEFAULT_SPAWN_LIMITS}.
 */
const spawnLimitFields = {
  /** How deep threads may nest: 1 lets the agent spawn children that spawn nothing. */
  max_depth: z.number().int().min(1).max(5).optional(),
  /** How many of the session's child threads may run at once. */
  max_concurrent: z.number().int().min(1).max(16).optional(),
  /** How long one child's run may take before it is stopped and its thread terminated. */
  timeout_seconds: z.number().int().min(1).max(86_400).optional(),
};
export const DEFAULT_SPAWN_LIMITS = { max_depth: 1, max_concurrent: 4 } as const;

const spawnParams = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("enabled"),
    inline_agents: ToggleSchema.nullish(),
    predefined_agents: z.array(PredefinedAgentParamsSchema).max(20).nullish(),
    ...spawnLimitFields,
  }),
  z.strictObject({ type: z.literal("disabled") }),
]);

/** The coordinator topology as sent: 1–20 roster entries. */
export const CoordinatorParamsSchema = z.strictObject({
  type: z.literal("coordinator"),
  agents: z
    .array(z.union([PredefinedAgentParamsSchema, AdvisorEntrySchema]))
    .min(1)
    .max(20),
});

/** `multiagent_20261001` as sent; on update it is merged into a stored one level by level. */
export const Multiagent20261001ParamsSchema = z.strictObject({
  type: z.literal("multiagent_20261001"),
  advisor: AdvisorParamsSchema.nullish(),
  subagents: spawnParams.nullish(),
  workflows: spawnParams.nullish(),
});
export type Multiagent20261001Params = z.infer<typeof Multiagent20261001ParamsSchema>;
export type SpawnParams = z.infer<typeof spawnParams>;

/** `multiagent` as sent on create or update. */
export const MultiagentParamsSchema = z
  .discriminatedUnion("type", [CoordinatorParamsSchema, Multiagent20261001ParamsSchema])
  .openapi("MultiagentParams");
export type MultiagentParams = z.infer<typeof MultiagentParamsSchema>;

const SpawnSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("enabled"),
    inline_agents: ToggleSchema,
    predefined_agents: z.array(PredefinedAgentSchema),
    ...spawnLimitFields,
  }),
  z.object({ type: z.literal("disabled") }),
]);
export type Spawn = z.infer<typeof SpawnSchema>;

const AdvisorSchema = AdvisorParamsSchema;
export type Advisor = z.infer<typeof AdvisorSchema>;

/** `multiagent` as stored and returned. */
export const MultiagentSchema = z
  .discriminatedUnion("type", [
    z.object({
      type: z.literal("coordinator"),
      agents: z.array(z.union([AgentRefSchema, SelfRefSchema, AdvisorEntrySchema])),
    }),
    z.object({
      type: z.literal("multiagent_20261001"),
      advisor: AdvisorSchema,
      subagents: SpawnSchema,
      workflows: SpawnSchema,
    }),
  ])
  .openapi("Multiagent");
export type Multiagent = z.infer<typeof MultiagentSchema>;
