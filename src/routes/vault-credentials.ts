/**
 * `/v1/vaults/{vault_id}/credentials` — Claude Managed Agents wire: create, retrieve, update,
 * list, archive, delete. Mounted by src/routes/vaults.ts, whose middleware has already checked
 * the keyring. Responses are built from the public columns only (`credentialToWire`), so no
 * code path here can return a secret.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { createDb } from "../db/client";
import { keyringFromEnv } from "../lib/keyring";
import { validationHook } from "../middleware/validation";
import { COMMON_ERRORS, CONFLICT_ERROR, idParam, pageOf } from "../schemas/common";
import {
  CredentialCreateSchema,
  CredentialSchema,
  CredentialUpdateSchema,
  VaultListQuerySchema,
} from "../schemas/vaults";
import {
  archiveCredential,
  createCredential,
  credentialToWire,
  deleteCredential,
  getCredential,
  listCredentials,
  updateCredential,
} from "../vaults/credential-store";
import { defineRoute, jsonBody, jsonResponse } from "./define-route";

export const credentialRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

const VaultParam = idParam("vault_id", "vlt_");
const CredentialParams = VaultParam.extend(idParam("credential_id", "vcrd_").shape);
const DeletedSchema = z
  .object({ id: z.string(), type: z.literal("vault_credential_deleted") })
  .openapi("VaultCredentialDeleted");
const tags = ["vaults"];

credentialRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/{vault_id}/credentials",
    tags,
    summary: "Add a credential to a vault (secrets are write-only)",
    scope: "write",
    audit: "vaults.credentials.create",
    member: {},
    request: { params: VaultParam, body: jsonBody(CredentialCreateSchema) },
    responses: {
      200: jsonResponse(CredentialSchema, "The new credential"),
      ...COMMON_ERRORS,
      ...CONFLICT_ERROR,
    },
  }),
  async (c) => {
    const keyring = await keyringFromEnv(c.env);
    const { vault_id } = c.req.valid("param");
    const row = await createCredential(
      createDb(c.env.DB),
      keyring,
      vault_id,
      c.req.valid("json"),
      Date.now(),
    );
    c.set("auditTarget", row.id);
    return c.json(credentialToWire(row), 200);
  },
);

credentialRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/{vault_id}/credentials",
    tags,
    summary: "List a vault's credentials, newest first",
    scope: "read",
    audit: false,
    member: {},
    request: { params: VaultParam, query: VaultListQuerySchema },
    responses: {
      200: jsonResponse(pageOf(CredentialSchema), "A page of credentials"),
      ...COMMON_ERRORS,
    },
  }),
  async (c) => {
    const q = c.req.valid("query");
    const page = await listCredentials(createDb(c.env.DB), c.req.valid("param").vault_id, {
      limit: q.limit,
      page: q.page,
      includeArchived: q.include_archived,
    });
    return c.json({ data: page.data.map(credentialToWire), next_page: page.next_page }, 200);
  },
);

credentialRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/{vault_id}/credentials/{credential_id}",
    tags,
    summary: "Retrieve a credential",
    scope: "read",
    audit: false,
    member: {},
    request: { params: CredentialParams },
    responses: { 200: jsonResponse(CredentialSchema, "The credential"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const { vault_id, credential_id } = c.req.valid("param");
    return c.json(credentialToWire(await getCredential(createDb(c.env.DB), vault_id, credential_id)), 200);
  },
);

credentialRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/{vault_id}/credentials/{credential_id}",
    tags,
    summary: "Update a credential (same auth type; mcp_server_url and secret_name are immutable)",
    scope: "write",
    audit: "vaults.credentials.update",
    member: {},
    request: { params: CredentialParams, body: jsonBody(CredentialUpdateSchema) },
    responses: { 200: jsonResponse(CredentialSchema, "The updated credential"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const keyring = await keyringFromEnv(c.env);
    const { vault_id, credential_id } = c.req.valid("param");
    c.set("auditTarget", credential_id);
    const db = createDb(c.env.DB);
    const row = await updateCredential(db, keyring, vault_id, credential_id, c.req.valid("json"), Date.now());
    return c.json(credentialToWire(row), 200);
  },
);

credentialRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/{vault_id}/credentials/{credential_id}/archive",
    tags,
    summary: "Archive a credential: sessions stop using it",
    scope: "write",
    audit: "vaults.credentials.archive",
    member: {},
    request: { params: CredentialParams },
    responses: { 200: jsonResponse(CredentialSchema, "The archived credential"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const { vault_id, credential_id } = c.req.valid("param");
    c.set("auditTarget", credential_id);
    const row = await archiveCredential(createDb(c.env.DB), vault_id, credential_id, Date.now());
    return c.json(credentialToWire(row), 200);
  },
);

credentialRoutes.openapi(
  defineRoute({
    method: "delete",
    path: "/{vault_id}/credentials/{credential_id}",
    tags,
    summary: "Delete a credential and its encrypted secrets for good",
    scope: "write",
    audit: "vaults.credentials.delete",
    member: {},
    request: { params: CredentialParams },
    responses: {
      200: jsonResponse(DeletedSchema, "Deleted"),
      ...COMMON_ERRORS,
    },
  }),
  async (c) => {
    const { vault_id, credential_id } = c.req.valid("param");
    c.set("auditTarget", credential_id);
    await deleteCredential(createDb(c.env.DB), vault_id, credential_id);
    return c.json({ id: credential_id, type: "vault_credential_deleted" as const }, 200);
  },
);
