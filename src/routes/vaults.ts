/**
 * `/v1/vaults` — Claude Managed Agents wire: create, retrieve, update, list, archive, delete,
 * the credentials under each vault (src/routes/vault-credentials.ts), and Clawplane's
 * admin-only `POST /v1/vaults/rotate`, which re-encrypts credentials under the current key.
 *
 * Every vault route first checks the `VAULT_ENCRYPTION_KEYS` keyring, so a deployment without
 * it answers 503 naming the secret on vault routes, and only there.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { memberConstraints } from "../auth/principal";
import { createDb } from "../db/client";
import { keyringFromEnv } from "../lib/keyring";
import { validationHook } from "../middleware/validation";
import { reencryptTeleportCredentials } from "../beams/teleport-connection";
import { reencryptTailnetClients } from "../peers/tailnet-client";
import { reencryptPeerTokens } from "../peers/peer-store";
import { COMMON_ERRORS, idParam, pageOf } from "../schemas/common";
import {
  KeyRotationSchema,
  VaultCreateSchema,
  VaultListQuerySchema,
  VaultSchema,
  VaultUpdateSchema,
} from "../schemas/vaults";
import { reencryptChannelSecrets } from "../vaults/channel-secrets";
import { reencryptAll } from "../vaults/secrets";
import {
  archiveVault,
  createVault,
  deleteVault,
  getVault,
  listVaults,
  updateVault,
  vaultToWire,
} from "../vaults/vault-store";
import { defineRoute, jsonBody, jsonResponse } from "./define-route";
import { credentialRoutes } from "./vault-credentials";

/** Most rows one rotate call re-encrypts; callers repeat while `remaining` > 0. */
const ROTATE_MAX_ROWS_PER_CALL = 1_000;

export const vaultRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

vaultRoutes.use("*", async (c, next) => {
  await keyringFromEnv(c.env);
  await next();
});

const VaultParam = idParam("vault_id", "vlt_");
const DeletedSchema = z.object({ id: z.string(), type: z.literal("vault_deleted") }).openapi("VaultDeleted");
const tags = ["vaults"];

// Registered before `/{vault_id}` so that "rotate" is never taken for a vault id.
vaultRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/rotate",
    tags,
    summary: "Re-encrypt credentials under the current vault key (admin)",
    scope: "admin",
    audit: "vaults.rotate_keys",
    responses: {
      200: jsonResponse(KeyRotationSchema, "Sweep result"),
      ...COMMON_ERRORS,
    },
  }),
  async (c) => {
    const keyring = await keyringFromEnv(c.env);
    const db = createDb(c.env.DB);
    // Everything sealed under the vault keyring moves with it: vault credentials, tailnet peers'
    // outbound tokens, chat channels' platform secrets and Teleport bot credentials.
    const sweeps = [
      await reencryptAll(db, keyring, { maxRows: ROTATE_MAX_ROWS_PER_CALL }),
      await reencryptPeerTokens(db, keyring, ROTATE_MAX_ROWS_PER_CALL),
      await reencryptChannelSecrets(db, keyring, ROTATE_MAX_ROWS_PER_CALL),
      await reencryptTeleportCredentials(db, keyring),
      await reencryptTailnetClients(db, keyring),
    ];
    return c.json(
      {
        type: "vault_key_rotation" as const,
        current_key_id: keyring.currentId,
        reencrypted: sweeps.reduce((n, s) => n + s.reencrypted, 0),
        failed: sweeps.flatMap((s) => s.failed),
        remaining: sweeps.reduce((n, s) => n + s.remaining, 0),
      },
      200,
    );
  },
);

vaultRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/",
    tags,
    summary: "Create a vault",
    scope: "write",
    audit: "vaults.create",
    request: { body: jsonBody(VaultCreateSchema) },
    responses: { 200: jsonResponse(VaultSchema, "The new vault"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const row = await createVault(createDb(c.env.DB), c.req.valid("json"), Date.now());
    c.set("auditTarget", row.id);
    return c.json(vaultToWire(row), 200);
  },
);

vaultRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/",
    tags,
    summary: "List vaults, newest first",
    scope: "read",
    audit: false,
    member: {},
    request: { query: VaultListQuerySchema },
    responses: {
      200: jsonResponse(pageOf(VaultSchema), "A page of vaults"),
      ...COMMON_ERRORS,
    },
  }),
  async (c) => {
    const q = c.req.valid("query");
    const page = await listVaults(createDb(c.env.DB), {
      limit: q.limit,
      page: q.page,
      includeArchived: q.include_archived,
      onlyId: memberConstraints(c.get("principal"))?.vaultId,
    });
    return c.json({ data: page.data.map(vaultToWire), next_page: page.next_page }, 200);
  },
);

vaultRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/{vault_id}",
    tags,
    summary: "Retrieve a vault",
    scope: "read",
    audit: false,
    member: {},
    request: { params: VaultParam },
    responses: { 200: jsonResponse(VaultSchema, "The vault"), ...COMMON_ERRORS },
  }),
  async (c) => {
    return c.json(vaultToWire(await getVault(createDb(c.env.DB), c.req.valid("param").vault_id)), 200);
  },
);

vaultRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/{vault_id}",
    tags,
    summary: "Update a vault (metadata is a patch)",
    scope: "write",
    audit: "vaults.update",
    request: { params: VaultParam, body: jsonBody(VaultUpdateSchema) },
    responses: { 200: jsonResponse(VaultSchema, "The updated vault"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const db = createDb(c.env.DB);
    const row = await updateVault(db, c.req.valid("param").vault_id, c.req.valid("json"), Date.now());
    return c.json(vaultToWire(row), 200);
  },
);

vaultRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/{vault_id}/archive",
    tags,
    summary: "Archive a vault and its credentials",
    scope: "write",
    audit: "vaults.archive",
    request: { params: VaultParam },
    responses: { 200: jsonResponse(VaultSchema, "The archived vault"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const row = await archiveVault(createDb(c.env.DB), c.req.valid("param").vault_id, Date.now());
    return c.json(vaultToWire(row), 200);
  },
);

vaultRoutes.openapi(
  defineRoute({
    method: "delete",
    path: "/{vault_id}",
    tags,
    summary: "Delete a vault and all its credentials for good",
    scope: "write",
    audit: "vaults.delete",
    request: { params: VaultParam },
    responses: {
      200: jsonResponse(DeletedSchema, "Deleted"),
      ...COMMON_ERRORS,
    },
  }),
  async (c) => {
    const id = c.req.valid("param").vault_id;
    await deleteVault(createDb(c.env.DB), id);
    return c.json({ id, type: "vault_deleted" as const }, 200);
  },
);

vaultRoutes.route("/", credentialRoutes);
