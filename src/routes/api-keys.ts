/**
 * `/v1/api_keys`: admins create keys (the secret is returned once), list them (never with
 * the secret) and revoke them. Requires the `admin` scope.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { forgetApiKey } from "../db/api-key-cache";
import { apiKeyToWire, createApiKey, getApiKey, listApiKeys, revokeApiKey } from "../db/api-keys";
import { createDb } from "../db/client";
import { validationHook } from "../middleware/validation";
import {
  ApiKeyCreatedSchema,
  ApiKeyCreateSchema,
  ApiKeyListQuerySchema,
  ApiKeySchema,
} from "../schemas/api-keys";
import { COMMON_ERRORS, idParam, pageOf } from "../schemas/common";
import { defineRoute, jsonBody, jsonResponse } from "./define-route";

export const apiKeyRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

const KeyParam = idParam("api_key_id", "key_");

apiKeyRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/",
    tags: ["api keys"],
    summary: "Create an API key (the secret is in this response only)",
    scope: "admin",
    audit: "api_keys.create",
    request: { body: jsonBody(ApiKeyCreateSchema) },
    responses: { 201: jsonResponse(ApiKeyCreatedSchema, "The new key, with its secret"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const principal = c.get("principal");
    const body = c.req.valid("json");
    const { row, secret } = await createApiKey(createDb(c.env.DB), {
      name: body.name,
      scopes: body.scopes,
      createdBy: principal.id,
      expiresAt: body.expires_at ? Date.parse(body.expires_at) : null,
    });
    c.set("auditTarget", row.id);
    return c.json({ ...apiKeyToWire(row), key: secret }, 201);
  },
);

apiKeyRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/",
    tags: ["api keys"],
    summary: "List API keys (newest first; secrets are never shown)",
    scope: "admin",
    audit: false,
    request: { query: ApiKeyListQuerySchema },
    responses: { 200: jsonResponse(pageOf(ApiKeySchema), "A page of keys"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const q = c.req.valid("query");
    const page = await listApiKeys(createDb(c.env.DB), {
      limit: q.limit,
      page: q.page,
      includeRevoked: q.include_revoked,
    });
    return c.json({ data: page.data.map(apiKeyToWire), next_page: page.next_page }, 200);
  },
);

apiKeyRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/{api_key_id}",
    tags: ["api keys"],
    summary: "Retrieve an API key's metadata",
    scope: "admin",
    audit: false,
    request: { params: KeyParam },
    responses: { 200: jsonResponse(ApiKeySchema, "The key"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const row = await getApiKey(createDb(c.env.DB), c.req.valid("param").api_key_id);
    return c.json(apiKeyToWire(row), 200);
  },
);

apiKeyRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/{api_key_id}/revoke",
    tags: ["api keys"],
    summary: "Revoke an API key; it stops working at once where it was revoked, and everywhere within 10 s",
    scope: "admin",
    audit: "api_keys.revoke",
    request: { params: KeyParam },
    responses: { 200: jsonResponse(ApiKeySchema, "The revoked key"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const row = await revokeApiKey(createDb(c.env.DB), c.req.valid("param").api_key_id, Date.now());
    // This isolate refuses it from the next request; others once their cached copy expires.
    forgetApiKey(row.id);
    return c.json(apiKeyToWire(row), 200);
  },
);
