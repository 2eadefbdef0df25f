/**
 * `/v1/vaults/{vault_id}/credentials` — Claude Managed Agents wire: create, retrieve, update,
 * list, archive, delete. Mounted by src/routes/vaults.ts, whose middleware has already checked
 * the keyring. Responses are built from the public columns only (`credentialToWire`), so no
 * code path here can return a secret.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { requireScope } from "../auth/principal";
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

export const credentialRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

const VaultParam = idParam("vault_id", "vlt_");
const CredentialParams = VaultParam.extend(idParam("credential_id", "vcrd_").shape);
const credentialJson = (description: string) => ({
  description,
  content: { "application/json": { schema: CredentialSchema } },
});
const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});
const DeletedSchema = z
  .object({ id: z.string(), type: z.literal("vault_credential_deleted") })
  .openapi("VaultCredentialDeleted");
const tags = ["vaults"];

credentialRoutes.openapi(
  createRoute({
    method: "post",
    path: "/{vault_id}/credentials",
    tags,
    summary: "Add a credential to a vault (secrets are write-only)",
    request: { params: VaultParam, body: jsonBody(CredentialCreateSchema) },
    responses: { 200: credentialJson("The new credential"), ...COMMON_ERRORS, ...CONFLICT_ERROR },
  }),
  async (c) => {
    requireScope(c.get("principal"), "write");
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
  createRoute({
    method: "get",
    path: "/{vault_id}/credentials",
    tags,
    summary: "List a vault's credentials, newest first",
    request: { params: VaultParam, query: VaultListQuerySchema },
    responses: {
      200: {
        description: "A page of credentials",
        content: { "application/json": { schema: pageOf(CredentialSchema) } },
      },
      ...COMMON_ERRORS,
    },
  }),
  async (c) => {
    requireScope(c.get("principal"), "read");
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
  createRoute({
    method: "get",
    path: "/{vault_id}/credentials/{credential_id}",
    tags,
    summary: "Retrieve a credential",
    request: { params: CredentialParams },
    responses: { 200: credentialJson("The credential"), ...COMMON_ERRORS },
  }),
  async (c) => {
    requireScope(c.get("principal"), "read");
    const { vault_id, credential_id } = c.req.valid("param");
    return c.json(credentialToWire(await getCredential(createDb(c.env.DB), vault_id, credential_id)), 200);
  },
);

credentialRoutes.openapi(
  createRoute({
    method: "post",
    path: "/{vault_id}/credentials/{credential_id}",
    tags,
    summary: "Update a credential (same auth type; mcp_server_url and secret_name are immutable)",
    request: { params: CredentialParams, body: jsonBody(CredentialUpdateSchema) },
    responses: { 200: credentialJson("The updated credential"), ...COMMON_ERRORS },
  }),
  async (c) => {
    requireScope(c.get("principal"), "write");
    const keyring = await keyringFromEnv(c.env);
    const { vault_id, credential_id } = c.req.valid("param");
    c.set("auditTarget", credential_id);
    const db = createDb(c.env.DB);
    const row = await updateCredential(db, keyring, vault_id, credential_id, c.req.valid("json"), Date.now());
    return c.json(credentialToWire(row), 200);
  },
);

credentialRoutes.openapi(
  createRoute({
    method: "post",
    path: "/{vault_id}/credentials/{credential_id}/archive",
    tags,
    summary: "Archive a credential: sessions stop using it",
    request: { params: CredentialParams },
    responses: { 200: credentialJson("The archived credential"), ...COMMON_ERRORS },
  }),
  async (c) => {
    requireScope(c.get("principal"), "write");
    const { vault_id, credential_id } = c.req.valid("param");
    c.set("auditTarget", credential_id);
    const row = await archiveCredential(createDb(c.env.DB), vault_id, credential_id, Date.now());
    return c.json(credentialToWire(row), 200);
  },
);

credentialRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/{vault_id}/credentials/{credential_id}",
    tags,
    summary: "Delete a credential and its encrypted secrets for good",
    request: { params: CredentialParams },
    responses: {
      200: { description: "Deleted", content: { "application/json": { schema: DeletedSchema } } },
      ...COMMON_ERRORS,
    },
  }),
  async (c) => {
    requireScope(c.get("principal"), "write");
    const { vault_id, credential_id } = c.req.valid("param");
    c.set("auditTarget", credential_id);
    await deleteCredential(createDb(c.env.DB), vault_id, credential_id);
    return c.json({ id: credential_id, type: "vault_credential_deleted" as const }, 200);
  },
);
