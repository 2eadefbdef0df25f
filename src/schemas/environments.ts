/**
 * Wire schemas for environments: the `environment` object the API returns, the create and
 * update bodies, and the list query. Field names, enums and optionality follow
 * `@anthropic-ai/sdk` 1.12.0 (`resources/beta/environments`).
 *
 * Request config fields are optional and nullable because update preserves what is omitted;
 * `domain/environment-spec.ts` turns them into the fully populated stored form.
 */
import { z } from "@hono/zod-openapi";
import {
  DEFAULT_SLEEP_AFTER_SECONDS,
  DEFAULT_WORKSPACE_MAX_MB,
  MAX_SLEEP_AFTER_SECONDS,
  MAX_WORKSPACE_MAX_MB,
  MIN_SLEEP_AFTER_SECONDS,
  MIN_WORKSPACE_MAX_MB,
} from "../config";
import { BooleanQuery, LimitQuery, noControlChars, PageQuery } from "./common";
import { isHostPattern } from "./hostnames";
import { MetadataPatchSchema, MetadataSchema } from "./metadata";
import { packageSpecProblem } from "./package-specs";
import { WarmPoolSizeParamsSchema, WarmPoolSizeSchema } from "./warm-pool-size";

/** The package managers an environment can install from, in response order. */
export const PACKAGE_MANAGERS = ["apt", "cargo", "gem", "go", "npm", "pip"] as const;
export type PackageManager = (typeof PACKAGE_MANAGERS)[number];

const UnrestrictedNetworkSchema = z
  .strictObject({ type: z.literal("unrestricted") })
  .openapi("UnrestrictedNetwork");

const AllowedHostSchema = z.string().refine(isHostPattern, {
  message: "must be a hostname, an IPv4 address, or a wildcard like *.example.com",
});

/** Limited networking as sent; omitted fields default (create) or preserve (update). */
export const LimitedNetworkParamsSchema = z
  .strictObject({
    type: z.literal("limited"),
    allowed_hosts: z.array(AllowedHostSchema).nullish(),
    allow_mcp_servers: z.boolean().nullish(),
    allow_package_managers: z.boolean().nullish(),
  })
  .openapi("LimitedNetworkParams");
export type LimitedNetworkParams = z.infer<typeof LimitedNetworkParamsSchema>;

/** Limited networking as stored and returned. */
export const LimitedNetworkSchema = z
  .object({
    type: z.literal("limited"),
    allowed_hosts: z.array(z.string()),
    allow_mcp_servers: z.boolean(),
    allow_package_managers: z.boolean(),
  })
  .openapi("LimitedNetwork");

/** One manager's list as sent: each entry a spec in that manager's own syntax (package-specs.ts). */
function packageList(manager: PackageManager) {
  return z.array(
    z
      .string()
      .min(1)
      .max(256)
      .superRefine((spec, ctx) => {
        const problem = packageSpecProblem(manager, spec);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      }),
  );
}

/** Packages as sent; each list is optional and nullable. */
export const PackagesParamsSchema = z
  .strictObject({
    type: z.literal("packages").optional(),
    apt: packageList("apt").nullish(),
    cargo: packageList("cargo").nullish(),
    gem: packageList("gem").nullish(),
    go: packageList("go").nullish(),
    npm: packageList("npm").nullish(),
    pip: packageList("pip").nullish(),
  })
  .openapi("PackagesParams");
export type PackagesParams = z.infer<typeof PackagesParamsSchema>;

/** Packages as stored and returned: every list present. */
export const PackagesSchema = z
  .object({
    type: z.literal("packages").optional(),
    apt: z.array(z.string()),
    cargo: z.array(z.string()),
    gem: z.array(z.string()),
    go: z.array(z.string()),
    npm: z.array(z.string()),
    pip: z.array(z.string()),
  })
  .openapi("Packages");
export type Packages = z.infer<typeof PackagesSchema>;

const SLEEP_AFTER_DESCRIPTION = `Clawplane: seconds without a turn after which a session's runtime is stopped (idle sleep); the next message starts it again with the conversation restored. ${MIN_SLEEP_AFTER_SECONDS}-${MAX_SLEEP_AFTER_SECONDS}, default ${DEFAULT_SLEEP_AFTER_SECONDS}.`;

const WORKSPACE_MAX_DESCRIPTION = `Clawplane: the most a session's workspace (the agent's working directory, /workspace) may hold, in MB (10^6 bytes). The workspace is saved durably after every turn and before idle sleep, and restored into a fresh runtime; a workspace over the cap is not saved and the session reports \`session.error\` with \`error_code: "workspace_too_large"\`. ${MIN_WORKSPACE_MAX_MB}-${MAX_WORKSPACE_MAX_MB}, default ${DEFAULT_WORKSPACE_MAX_MB}.`;

/** `cloud` config as sent. */
export const CloudConfigParamsSchema = z
  .strictObject({
    type: z.literal("cloud"),
    networking: z
      .discriminatedUnion("type", [UnrestrictedNetworkSchema, LimitedNetworkParamsSchema])
      .nullish(),
    packages: PackagesParamsSchema.nullish(),
    sleep_after_seconds: z
      .number()
      .int()
      .min(MIN_SLEEP_AFTER_SECONDS)
      .max(MAX_SLEEP_AFTER_SECONDS)
      .nullish()
      .openapi({
        description: `${SLEEP_AFTER_DESCRIPTION} Omitted keeps the current value; null resets it.`,
      }),
    workspace_max_mb: z
      .number()
      .int()
      .min(MIN_WORKSPACE_MAX_MB)
      .max(MAX_WORKSPACE_MAX_MB)
      .nullish()
      .openapi({
        description: `${WORKSPACE_MAX_DESCRIPTION} Omitted keeps the current value; null resets it.`,
      }),
    /** Clawplane: this environment's own warm pool (schemas/warm-pool-size.ts). Omitted keeps it; null removes it. */
    warm_pool: WarmPoolSizeParamsSchema.nullish(),
  })
  .openapi("CloudConfigParams");
export type CloudConfigParams = z.infer<typeof CloudConfigParamsSchema>;

/** A self-hosted environment; identical in request and response form. */
export const SelfHostedConfigSchema = z
  .strictObject({ type: z.literal("self_hosted") })
  .openapi("SelfHostedConfig");

/** Environment config as sent on create or update. */
export const EnvironmentConfigParamsSchema = z.discriminatedUnion("type", [
  CloudConfigParamsSchema,
  SelfHostedConfigSchema,
]);
export type EnvironmentConfigParams = z.infer<typeof EnvironmentConfigParamsSchema>;

/** `cloud` config as stored and returned. */
export const CloudConfigSchema = z
  .object({
    type: z.literal("cloud"),
    networking: z.discriminatedUnion("type", [UnrestrictedNetworkSchema, LimitedNetworkSchema]),
    packages: PackagesSchema,
    sleep_after_seconds: z.number().int().openapi({ description: SLEEP_AFTER_DESCRIPTION }),
    workspace_max_mb: z.number().int().openapi({ description: WORKSPACE_MAX_DESCRIPTION }),
    /** Clawplane: the environment's own warm pool, or null (the plane's or the deployment's serves it). */
    warm_pool: WarmPoolSizeSchema.nullable(),
  })
  .openapi("CloudConfig");
export type CloudConfig = z.infer<typeof CloudConfigSchema>;

/** Environment config as stored and returned. */
export const EnvironmentConfigSchema = z.discriminatedUnion("type", [
  CloudConfigSchema,
  SelfHostedConfigSchema,
]);
export type EnvironmentConfig = z.infer<typeof EnvironmentConfigSchema>;

const ScopeSchema = z.enum(["organization", "account"]);

/** The `environment` object returned by create, retrieve, update, list and archive. */
export const EnvironmentSchema = z
  .object({
    id: z.string().openapi({ example: "env_011CZkZ9X2dpNyB7HsEFoRfW" }),
    type: z.literal("environment"),
    name: z.string(),
    description: z.string().nullable(),
    config: EnvironmentConfigSchema,
    metadata: MetadataSchema,
    scope: ScopeSchema.optional(),
    created_at: z.string().openapi({ format: "date-time" }),
    updated_at: z.string().openapi({ format: "date-time" }),
    archived_at: z.string().nullable().openapi({ format: "date-time" }),
  })
  .openapi("Environment");
export type Environment = z.infer<typeof EnvironmentSchema>;

const nameField = z.string().min(1, "name must not be empty").max(256).check(noControlChars);

/** Body of `POST /v1/environments`. */
export const EnvironmentCreateSchema = z
  .strictObject({
    name: nameField,
    description: z.string().nullish(),
    config: EnvironmentConfigParamsSchema.nullish(),
    metadata: MetadataSchema.optional(),
    scope: ScopeSchema.nullish(),
  })
  .openapi("EnvironmentCreate", { additionalProperties: false });
export type EnvironmentCreate = z.infer<typeof EnvironmentCreateSchema>;

/** Body of `POST /v1/environments/{id}`; every field optional, omitted preserves. */
export const EnvironmentUpdateSchema = z
  .strictObject({
    name: nameField.nullish(),
    description: z.string().nullish(),
    config: EnvironmentConfigParamsSchema.nullish(),
    metadata: MetadataPatchSchema.nullish(),
    scope: ScopeSchema.nullish(),
  })
  .openapi("EnvironmentUpdate", { additionalProperties: false });
export type EnvironmentUpdate = z.infer<typeof EnvironmentUpdateSchema>;

/** Query of `GET /v1/environments`. */
export const EnvironmentListQuerySchema = z.object({
  limit: LimitQuery,
  page: PageQuery,
  include_archived: BooleanQuery,
});
export type EnvironmentListQuery = z.infer<typeof EnvironmentListQuerySchema>;
