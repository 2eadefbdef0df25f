/** Wire shapes of Clawplane API keys (`/v1/api_keys`). The secret appears only on create. */
import { z } from "@hono/zod-openapi";
import { SCOPES } from "../auth/principal";
import { BooleanQuery, LimitQuery, noControlChars, PageQuery } from "./common";

export const ScopeSchema = z.enum(SCOPES).openapi({ description: "read < write < admin" });

export const ApiKeySchema = z
  .object({
    id: z.string(),
    type: z.literal("api_key"),
    name: z.string(),
    /** First characters of the key so a human can recognise it; never the whole secret. */
    key_prefix: z.string(),
    scopes: z.array(ScopeSchema),
    created_by: z.string(),
    created_at: z.string(),
    last_used_at: z.string().nullable(),
    expires_at: z.string().nullable(),
    revoked_at: z.string().nullable(),
  })
  .openapi("ApiKey");
export type ApiKey = z.infer<typeof ApiKeySchema>;

export const ApiKeyCreatedSchema = ApiKeySchema.extend({
  key: z.string().openapi({ description: "The secret. Shown once: store it now." }),
}).openapi("ApiKeyCreated");

export const ApiKeyCreateSchema = z
  .object({
    name: z.string().trim().min(1).max(255).check(noControlChars),
    scopes: z
      .array(ScopeSchema)
      .min(1)
      .default(["read", "write"])
      .transform((s) => [...new Set(s)]),
    expires_at: z
      .string()
      .datetime({ offset: true })
      .nullable()
      .optional()
      .refine((v) => v == null || Date.parse(v) > Date.now(), "must be in the future"),
  })
  .strict()
  .openapi("ApiKeyCreate");
export type ApiKeyCreate = z.infer<typeof ApiKeyCreateSchema>;

export const ApiKeyListQuerySchema = z.object({
  limit: LimitQuery,
  page: PageQuery,
  include_revoked: BooleanQuery,
});
