/**
 * Wire schemas for vaults and vault credentials, following `@anthropic-ai/sdk` 1.12.0
 * (`resources/beta/vaults`). Three shapes per auth type: create params (with write-only
 * secrets), update params (secrets optional; immutable fields only tolerated when unchanged,
 * see src/vaults/credential-auth.ts), and the response (secrets absent by construction).
 *
 * Auth objects are strict so a misspelt secret field is a 400 rather than silently dropped.
 * No message here ever echoes an input value, so validation errors cannot leak a secret.
 */
import { z } from "@hono/zod-openapi";
import { BooleanQuery, LimitQuery, noControlChars, PageQuery } from "./common";
import { isHostPattern } from "./hostnames";
import { MetadataPatchSchema, MetadataSchema } from "./metadata";

/** Longest accepted secret (token, access/refresh token, client secret, secret value), in characters. */
export const MAX_SECRET_CHARS = 16_384;
/** Most `allowed_hosts` entries of a limited-networking credential. */
export const MAX_ALLOWED_HOSTS = 16;
/** Longest display name, in characters. */
export const MAX_DISPLAY_NAME_CHARS = 255;
/** Longest URL (MCP server, token endpoint), in characters. */
const MAX_URL_CHARS = 2048;

const Secret = z.string().min(1).max(MAX_SECRET_CHARS);
const HttpUrl = z.url({ protocol: /^https?$/, message: "must be an http(s) URL" }).max(MAX_URL_CHARS);
const Rfc3339 = z.iso.datetime({ offset: true, message: "must be an RFC 3339 timestamp" });
/**
 * Variables the runtime itself depends on: a credential named like one would replace it with a
 * placeholder in the agent's container (breaking the process loader, Node, OpenClaw or the shell).
 */
const RESERVED_SECRET_NAME =
  /^(PATH|HOME|USER|SHELL|PWD|TMPDIR|LANG|TZ|HOSTNAME|NODE_.*|NPM_CONFIG_.*|LD_.*|OPENCLAW_.*|CLAWPLANE_.*|CLOUDFLARE_.*|SSL_CERT_.*|REQUESTS_CA_BUNDLE|CURL_CA_BUNDLE)$/i;
const SecretName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, "must be an environment variable name (A-Z, 0-9, _; ≤128)")
  .refine((name) => !RESERVED_SECRET_NAME.test(name), {
    message: "is reserved for the agent runtime (PATH, HOME, NODE_*, LD_*, OPENCLAW_*, CLAWPLANE_*, …)",
  });
const DisplayName = z.string().min(1).max(MAX_DISPLAY_NAME_CHARS).check(noControlChars);
const Timestamp = z.string().openapi({ format: "date-time" });

const TokenEndpointAuthParams = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("none") }),
  z.strictObject({ type: z.literal("client_secret_basic"), client_secret: Secret }),
  z.strictObject({ type: z.literal("client_secret_post"), client_secret: Secret }),
]);

const Networking = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("unrestricted") }),
  z.strictObject({
    type: z.literal("limited"),
    allowed_hosts: z
      .array(
        z.string().refine(isHostPattern, {
          message: "must be a hostname, an IPv4 address, or a wildcard like *.example.com",
        }),
      )
      .min(1)
      .max(MAX_ALLOWED_HOSTS),
  }),
]);
export type CredentialNetworking = z.infer<typeof Networking>;

const InjectionLocationParams = z.strictObject({
  header: z.boolean().optional(),
  body: z.boolean().optional(),
});

/** `auth` of a credential create body. */
export const CredentialAuthCreateSchema = z
  .discriminatedUnion("type", [
    z.strictObject({ type: z.literal("static_bearer"), mcp_server_url: HttpUrl, token: Secret }),
    z.strictObject({
      type: z.literal("mcp_oauth"),
      mcp_server_url: HttpUrl,
      access_token: Secret,
      expires_at: Rfc3339.nullish(),
      refresh: z
        .strictObject({
          client_id: z.string().min(1).max(512),
          refresh_token: Secret,
          token_endpoint: HttpUrl,
          token_endpoint_auth: TokenEndpointAuthParams,
          scope: z.string().max(2048).nullish(),
          resource: z.string().max(MAX_URL_CHARS).nullish(),
        })
        .nullish(),
    }),
    z.strictObject({
      type: z.literal("environment_variable"),
      secret_name: SecretName,
      secret_value: Secret,
      networking: Networking,
      injection_location: InjectionLocationParams.optional(),
    }),
  ])
  .openapi("CredentialAuthCreate");
export type CredentialAuthCreate = z.infer<typeof CredentialAuthCreateSchema>;

const TokenEndpointAuthUpdate = z.strictObject({
  type: z.enum(["client_secret_basic", "client_secret_post"]),
  client_secret: Secret.nullish(),
});

/** `auth` of a credential update body: same `type` as stored; omitted fields keep their value. */
export const CredentialAuthUpdateSchema = z
  .discriminatedUnion("type", [
    z.strictObject({
      type: z.literal("static_bearer"),
      token: Secret.nullish(),
      mcp_server_url: z.string().optional(),
    }),
    z.strictObject({
      type: z.literal("mcp_oauth"),
      access_token: Secret.nullish(),
      expires_at: Rfc3339.nullish(),
      mcp_server_url: z.string().optional(),
      refresh: z
        .strictObject({
          refresh_token: Secret.nullish(),
          scope: z.string().max(2048).nullish(),
          token_endpoint_auth: TokenEndpointAuthUpdate.optional(),
        })
        .nullish(),
    }),
    z.strictObject({
      type: z.literal("environment_variable"),
      secret_value: Secret.nullish(),
      networking: Networking.nullish(),
      injection_location: InjectionLocationParams.optional(),
      secret_name: z.string().optional(),
    }),
  ])
  .openapi("CredentialAuthUpdate");
export type CredentialAuthUpdate = z.infer<typeof CredentialAuthUpdateSchema>;

/** `auth` as stored in clear and returned: no write-only field can appear here. */
export const CredentialAuthSchema = z
  .discriminatedUnion("type", [
    z.object({ type: z.literal("static_bearer"), mcp_server_url: z.string() }),
    z.object({
      type: z.literal("mcp_oauth"),
      mcp_server_url: z.string(),
      expires_at: z.string().nullable().optional(),
      refresh: z
        .object({
          client_id: z.string(),
          token_endpoint: z.string(),
          token_endpoint_auth: z.object({
            type: z.enum(["none", "client_secret_basic", "client_secret_post"]),
          }),
          scope: z.string().nullable().optional(),
          resource: z.string().nullable().optional(),
        })
        .nullable()
        .optional(),
    }),
    z.object({
      type: z.literal("environment_variable"),
      secret_name: z.string(),
      networking: Networking,
      injection_location: z.object({ header: z.boolean(), body: z.boolean() }),
    }),
  ])
  .openapi("CredentialAuth");
export type CredentialAuth = z.infer<typeof CredentialAuthSchema>;

/** The `vault` object. */
export const VaultSchema = z
  .object({
    id: z.string().openapi({ example: "vlt_011CZkZDLs7fYzm1hXNPeRjv" }),
    type: z.literal("vault"),
    display_name: z.string(),
    metadata: MetadataSchema,
    created_at: Timestamp,
    updated_at: Timestamp,
    archived_at: Timestamp.nullable(),
  })
  .openapi("Vault");
export type Vault = z.infer<typeof VaultSchema>;

/** The `vault_credential` object; secrets are never part of it. */
export const CredentialSchema = z
  .object({
    id: z.string().openapi({ example: "vcrd_011CZkZDLs7fYzm1hXNPeRjv" }),
    type: z.literal("vault_credential"),
    vault_id: z.string(),
    display_name: z.string().nullable(),
    auth: CredentialAuthSchema,
    metadata: MetadataSchema,
    created_at: Timestamp,
    updated_at: Timestamp,
    archived_at: Timestamp.nullable(),
  })
  .openapi("VaultCredential");
export type Credential = z.infer<typeof CredentialSchema>;

/** Body of `POST /v1/vaults`. */
export const VaultCreateSchema = z
  .strictObject({
    display_name: DisplayName,
    metadata: MetadataSchema.optional(),
  })
  .openapi("VaultCreate", { additionalProperties: false });
export type VaultCreate = z.infer<typeof VaultCreateSchema>;

/** Body of `POST /v1/vaults/{id}`: omitted or null fields keep their value; metadata is a patch. */
export const VaultUpdateSchema = z
  .strictObject({
    display_name: DisplayName.nullish(),
    metadata: MetadataPatchSchema.nullish(),
  })
  .openapi("VaultUpdate", { additionalProperties: false });
export type VaultUpdate = z.infer<typeof VaultUpdateSchema>;

/** Body of `POST /v1/vaults/{id}/credentials`. */
export const CredentialCreateSchema = z
  .strictObject({
    auth: CredentialAuthCreateSchema,
    display_name: z.string().max(MAX_DISPLAY_NAME_CHARS).check(noControlChars).nullish(),
    metadata: MetadataSchema.optional(),
  })
  .openapi("VaultCredentialCreate", { additionalProperties: false });
export type CredentialCreate = z.infer<typeof CredentialCreateSchema>;

/** Body of `POST /v1/vaults/{id}/credentials/{cid}`. */
export const CredentialUpdateSchema = z
  .strictObject({
    auth: CredentialAuthUpdateSchema.optional(),
    display_name: DisplayName.nullish(),
    metadata: MetadataPatchSchema.nullish(),
  })
  .openapi("VaultCredentialUpdate", { additionalProperties: false });
export type CredentialUpdate = z.infer<typeof CredentialUpdateSchema>;

/** Query of both list endpoints. */
export const VaultListQuerySchema = z.object({
  limit: LimitQuery,
  page: PageQuery,
  include_archived: BooleanQuery,
});

/** Response of `POST /v1/vaults/rotate`. */
export const KeyRotationSchema = z
  .object({
    type: z.literal("vault_key_rotation"),
    current_key_id: z.string(),
    reencrypted: z.number().int(),
    failed: z.array(z.string()).openapi({ description: "Ids of credentials that could not be decrypted" }),
    remaining: z.number().int().openapi({ description: "Rows still under an old key (call again)" }),
  })
  .openapi("VaultKeyRotation");
