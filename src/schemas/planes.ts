/** Wire shapes of the Agents Plane API (`/v1/planes…`); see planes-api.md for the contract. */
import { RuntimePoolStatusSchema } from "./runtime-pool";
import { z } from "@hono/zod-openapi";
import { AGENT_CREATE_FIELDS, AGENT_UPDATE_FIELDS, AgentSchema } from "./agents";
import { BooleanQuery, LimitQuery, noControlChars, PageQuery } from "./common";
import { CloudConfigParamsSchema } from "./environments";
import { MetadataPatchSchema, MetadataSchema } from "./metadata";
import { WarmPoolSizeParamsSchema, WarmPoolSizeSchema } from "./warm-pool-size";

/** Plane and member names: lower-case slugs, 1–63 characters, no leading/trailing hyphen. */
export const SlugSchema = z
  .string()
  .min(1)
  .max(63)
  .regex(
    /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/,
    "must be a slug: a-z, 0-9 and '-', not starting or ending with '-'",
  );

/** Container instance types a plane may ask for (Cloudflare Containers' names). */
export const INSTANCE_TYPES = [
  "lite",
  "basic",
  "standard-1",
  "standard-2",
  "standard-3",
  "standard-4",
] as const;

const { name: _name, ...templateFields } = AGENT_CREATE_FIELDS;
/** An agent create body without `name`: what every member's agent is made from. */
export const PlaneTemplateSchema = z.strictObject(templateFields).openapi("PlaneTemplate", {
  additionalProperties: false,
});
export type PlaneTemplateInput = z.infer<typeof PlaneTemplateSchema>;

const { name: _n, version: _v, ...patchFields } = AGENT_UPDATE_FIELDS;
/** Agent fields changed on top of a template (an agent update body without name and version). */
export const PlaneTemplatePatchSchema = z.strictObject(patchFields).openapi("PlaneTemplatePatch", {
  additionalProperties: false,
});
export type PlaneTemplatePatch = z.infer<typeof PlaneTemplatePatchSchema>;

// Not `warm_pool`: a pool per member's environment would multiply; the plane's own `warm_pool` serves them all.
const { type: _type, warm_pool: _pool, ...cloudFields } = CloudConfigParamsSchema.shape;
/** The cloud environment config (networking, packages) each member's own environment gets. */
export const PlaneEnvironmentSchema = z.strictObject(cloudFields).openapi("PlaneEnvironmentParams", {
  additionalProperties: false,
});

const InstanceTypeSchema = z.enum(INSTANCE_TYPES);
const BudgetSchema = z
  .number()
  .nonnegative()
  .max(1_000_000)
  .nullish()
  .openapi({ description: "Per-member budget in USD per calendar month (UTC); null = none" });

export const PlaneCreateSchema = z
  .strictObject({
    name: SlugSchema,
    description: z.string().max(1024).nullish(),
    template: PlaneTemplateSchema,
    environment: PlaneEnvironmentSchema.optional(),
    instance_type: InstanceTypeSchema.optional(),
    region: z.string().min(1).max(64).optional(),
    runtime_version: z.string().min(1).max(64).optional(),
    monthly_budget_usd: BudgetSchema,
    /** Warm runtimes reserved for the members' sessions, billed to the plane; null/omitted: none. */
    warm_pool: WarmPoolSizeParamsSchema.nullish(),
    metadata: MetadataSchema.optional(),
  })
  .openapi("PlaneCreate", { additionalProperties: false });
export type PlaneCreate = z.infer<typeof PlaneCreateSchema>;

export const PlaneUpdateSchema = z
  .strictObject({
    description: z.string().max(1024).nullish(),
    instance_type: InstanceTypeSchema.optional(),
    region: z.string().min(1).max(64).optional(),
    monthly_budget_usd: BudgetSchema,
    /** Omitted keeps it; null removes the plane's pool (its members use the deployment's). */
    warm_pool: WarmPoolSizeParamsSchema.nullish(),
    metadata: MetadataPatchSchema.nullish(),
  })
  .openapi("PlaneUpdate", { additionalProperties: false });
export type PlaneUpdate = z.infer<typeof PlaneUpdateSchema>;

const {
  id: _i,
  type: _t,
  version: _ver,
  created_at: _c,
  updated_at: _u,
  archived_at: _a,
  name: _nm,
  ...specShape
} = AgentSchema.shape;
export const PlaneTemplateWireSchema = z.object(specShape).openapi("PlaneTemplateResolved");

export const PlaneSchema = z
  .object({
    type: z.literal("plane"),
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    template: PlaneTemplateWireSchema,
    template_version: z.number().int(),
    runtime_version: z.string(),
    environment: z.record(z.string(), z.unknown()),
    instance_type: z.string(),
    region: z.string(),
    monthly_budget_usd: z.number().nullable(),
    /** The plane's own warm pool (its cost is the plane's), or null: the deployment's shared pool. */
    warm_pool: WarmPoolSizeSchema.nullable(),
    metadata: z.record(z.string(), z.string()),
    created_at: z.string(),
    updated_at: z.string(),
    admin_token: z.string().optional().openapi({ description: "Only in the create response: shown once" }),
  })
  .openapi("Plane");
export type Plane = z.infer<typeof PlaneSchema>;

export const PlaneListQuerySchema = z.object({ limit: LimitQuery, page: PageQuery });

export const MemberCreateSchema = z
  .strictObject({
    name: SlugSchema,
    owner: z.string().min(1).max(256).check(noControlChars),
    template: PlaneTemplatePatchSchema.optional(),
    metadata: MetadataSchema.optional(),
  })
  .openapi("PlaneMemberCreate", { additionalProperties: false });
export type MemberCreate = z.infer<typeof MemberCreateSchema>;

export const MemberSchema = z
  .object({
    type: z.literal("plane_member"),
    id: z.string(),
    plane_id: z.string(),
    name: z.string(),
    owner: z.string(),
    agent_id: z.string(),
    environment_id: z.string(),
    vault_id: z.string(),
    status: z.enum(["active", "removed"]),
    template_version: z.number().int(),
    runtime_version: z.string(),
    metadata: z.record(z.string(), z.string()),
    created_at: z.string(),
    removed_at: z.string().nullable(),
    token: z.string().optional().openapi({ description: "Only in the add-agent response: shown once" }),
  })
  .openapi("PlaneMember");
export type Member = z.infer<typeof MemberSchema>;

export const MemberListQuerySchema = z.object({
  limit: LimitQuery,
  page: PageQuery,
  include_removed: BooleanQuery,
});

export const MemberRemovedSchema = z
  .object({ type: z.literal("plane_member_removed"), id: z.string(), sessions_ended: z.number().int() })
  .openapi("PlaneMemberRemoved");

export const PlaneTokenSchema = z
  .object({
    type: z.literal("plane_token"),
    id: z.string(),
    plane_id: z.string(),
    member_id: z.string().nullable(),
    token: z.string().openapi({ description: "Shown once" }),
    created_at: z.string(),
  })
  .openapi("PlaneToken");
export type PlaneToken = z.infer<typeof PlaneTokenSchema>;

/** An admin token as listed: never the secret, only the prefix shown to tell tokens apart. */
export const PlaneAdminTokenSchema = z
  .object({
    type: z.literal("plane_admin_token"),
    id: z.string(),
    plane_id: z.string(),
    token_prefix: z.string(),
    created_by: z.string(),
    created_at: z.string(),
    revoked_at: z.string().nullable(),
  })
  .openapi("PlaneAdminToken");
export type PlaneAdminToken = z.infer<typeof PlaneAdminTokenSchema>;

export const PlaneAdminTokenListSchema = z
  .object({ data: z.array(PlaneAdminTokenSchema), next_page: z.null() })
  .openapi("PlaneAdminTokenList");

export const PlaneTokenParam = z.object({
  plane: z.string().min(1),
  token_id: z.string().min(1),
});

export const PlaneDeletedSchema = z
  .object({ type: z.literal("plane_deleted"), id: z.string() })
  .openapi("PlaneDeleted");

const RolloutProgressSchema = z.object({
  id: z.string(),
  status: z.enum(["in_progress", "completed", "rolled_back", "failed"]),
  target: z.object({ template_version: z.number().int(), runtime_version: z.string() }),
  members_total: z.number().int(),
  members_upgraded: z.number().int(),
  sessions_pending: z.number().int(),
});

export const MemberStatusSchema = z.object({
  id: z.string(),
  name: z.string(),
  owner: z.string(),
  agent_id: z.string(),
  agent_version: z.number().int(),
  health: z.enum(["healthy", "idle", "degraded", "over_budget"]),
  sessions: z.object({ active: z.number().int(), live: z.number().int(), total: z.number().int() }),
  runtime_state: z.enum(["running", "idle", "stopped"]),
  last_activity_at: z.string().nullable(),
  runtime_version: z.string(),
  template_version: z.number().int(),
  cost_this_month_usd: z.number(),
  tokens_this_month: z.object({ input: z.number().int(), output: z.number().int() }),
  budget_usd: z.number().nullable(),
  budget_remaining_usd: z.number().nullable(),
});

export const PlaneStatusSchema = z
  .object({
    type: z.literal("plane_status"),
    plane: z.object({
      id: z.string(),
      name: z.string(),
      template_version: z.number().int(),
      runtime_version: z.string(),
    }),
    members: z.array(MemberStatusSchema),
    totals: z.object({
      members: z.number().int(),
      sessions_active: z.number().int(),
      sessions_total: z.number().int(),
      /** The members' model cost this month. */
      cost_this_month_usd: z.number(),
      /**
       * The plane's own warm pools' waiting cost this month (estimated, `runtime_pool.cost`): the
       * plane's, not a member's; counted with the members' cost against the plane's whole budget
       * (per-member budget × members), past which its pools stop refilling.
       */
      warm_pool_cost_this_month_usd: z.number(),
    }),
    rollout: RolloutProgressSchema.nullable(),
    /** The deployment's warm pool, which serves this plane's new sessions too. */
    runtime_pool: RuntimePoolStatusSchema,
  })
  .openapi("PlaneStatus");
export type PlaneStatus = z.infer<typeof PlaneStatusSchema>;

export const PlaneStatusQuerySchema = z.object({
  member: z.string().min(1).max(128).optional().openapi({ description: "Only this member (id or name)" }),
});

export const LogsQuerySchema = z.object({
  limit: LimitQuery,
  page: PageQuery,
  follow: BooleanQuery.openapi({ description: "`true`: an SSE stream of live items (`event: log`)" }),
  last_event_id: z.string().max(256).optional().openapi({
    description:
      "With `follow=true`: resume after this item id (as `Last-Event-ID`): missed session events are replayed first",
  }),
});

export const LogItemSchema = z
  .union([
    z.object({
      session_id: z.string(),
      event: z
        .record(z.string(), z.unknown())
        .openapi({ description: "The CMA session event, secrets redacted" }),
    }),
    z.object({
      source: z.literal("runtime"),
      session_id: z.string(),
      time: z.string().openapi({ description: "RFC 3339: when the session's gateway wrote the line" }),
      line: z
        .string()
        .openapi({ description: "The gateway's log line (level, subsystem, message), redacted" }),
    }),
  ])
  .openapi("PlaneLogItem");

export const UpgradeCreateSchema = z
  .strictObject({
    template: PlaneTemplatePatchSchema.optional(),
    runtime_version: z.string().min(1).max(64).optional(),
  })
  .openapi("PlaneUpgradeCreate", { additionalProperties: false });
export type UpgradeCreate = z.infer<typeof UpgradeCreateSchema>;

const VersionPairSchema = z.object({ template_version: z.number().int(), runtime_version: z.string() });
export const RolloutSchema = z
  .object({
    type: z.literal("plane_rollout"),
    id: z.string(),
    plane_id: z.string(),
    status: z.enum(["in_progress", "completed", "rolled_back", "failed"]),
    from: VersionPairSchema,
    to: VersionPairSchema,
    members_total: z.number().int(),
    members_upgraded: z.number().int(),
    sessions_pending: z.number().int(),
    error: z.string().nullable(),
    created_at: z.string(),
    completed_at: z.string().nullable(),
    rolled_back_at: z.string().nullable(),
  })
  .openapi("PlaneRollout");
export type Rollout = z.infer<typeof RolloutSchema>;
