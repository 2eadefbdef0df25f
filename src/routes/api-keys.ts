/**
 * `/v1/api_keys`: admins create keys (the secret is returned once), list them (never with
 * the secret) and revoke them. Requires the `admin` scope.
 */
import { createRoute, OpenAPIHono, type z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { requireScope, type Scope } from "../auth/principal";
import { type ApiKeyRow, createApiKey, getApiKey, listApiKeys, revokeApiKey } from "../db/api-keys";
import { createDb } from "../db/client";
import { toRfc3339, toRfc3339OrNull } from "../lib/time";
import { validationHook } from "../middleware/validation";
import {
  type ApiKey,
  ApiKeyCreatedSchema,
  ApiKeyCreateSchema,
  ApiKeyListQuerySchema,
  ApiKeySchema,
} from "../schemas/api-keys";
import { COMMON_ERRORS, idParam, pageOf } from "../schemas/common";

export const apiKeyRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

function toWire(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    type: "api_key",
    name: row.name,
    key_prefix: row.keyPrefix,
    scopes: row.scopes as Scope[],
    created_by: row.createdBy,
    created_at: toRfc3339(row.createdAt),
    last_used_at: toRfc3339OrNull(row.lastUsedAt),
    expires_at: toRfc3339OrNull(row.expiresAt),
    revoked_at: toRfc3339OrNull(row.revokedAt),
  };
}

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});
const KeyParam = idParam("api_key_id", "key_");

apiKeyRoutes.openapi(
  createRoute({
    method: "post",
    path: "/",
    tags: ["api keys"],
    summary: "Create an API key (the secret is in this response only)",
    request: { body: { required: true, content: { "application/json": { schema: ApiKeyCreateSchema } } } },
    responses: { 201: json(ApiKeyCreatedSchema, "The new key, with its secret"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const principal = c.get("principal");
    requireScope(principal, "admin");
    const body = c.req.valid("json");
    const { row, secret } = await createApiKey(createDb(c.env.DB), {
      name: body.name,
      scopes: body.scopes,
      createdBy: principal.id,
      expiresAt: body.expires_at ? Date.parse(body.expires_at) : null,
    });
    c.set("auditTarget", row.id);
    return c.json({ ...toWire(row), key: secret }, 201);
  },
);

apiKeyRoutes.openapi(
  createRoute({
    method: "get",
    path: "/",
    tags: ["api keys"],
    summary: "List API keys (newest first; secrets are never shown)",
    request: { query: ApiKeyListQuerySchema },
    responses: { 200: json(pageOf(ApiKeySchema), "A page of keys"), ...COMMON_ERRORS },
  }),
  async (c) => {
    requireScope(c.get("principal"), "admin");
    const q = c.req.valid("query");
    const page = await listApiKeys(createDb(c.env.DB), {
      limit: q.limit,
      page: q.page,
      includeRevoked: q.include_revoked,
    });
    return c.json({ data: page.data.map(toWire), next_page: page.next_page }, 200);
  },
);

apiKeyRoutes.openapi(
  createRoute({
    method: "get",
    path: "/{api_key_id}",
    tags: ["api keys"],
    summary: "Retrieve an API key's metadata",
    request: { params: KeyParam },
    responses: { 200: json(ApiKeySchema, "The key"), ...COMMON_ERRORS },
  }),
  async (c) => {
    requireScope(c.get("principal"), "admin");
    const row = await getApiKey(createDb(c.env.DB), c.req.valid("param").api_key_id);
    return c.json(toWire(row), 200);
  },
);

apiKeyRoutes.openapi(
  createRoute({
    method: "post",
    path: "/{api_key_id}/revoke",
    tags: ["api keys"],
    summary: "Revoke an API key; it stops working at once",
    request: { params: KeyParam },
    responses: { 200: json(ApiKeySchema, "The revoked key"), ...COMMON_ERRORS },
  }),
  async (c) => {
    requireScope(c.get("principal"), "admin");
    const row = await revokeApiKey(createDb(c.env.DB), c.req.valid("param").api_key_id, Date.now());
    return c.json(toWire(row), 200);
  },
);
