/**
 * `/v1/environments` — Claude Managed Agents wire: create, retrieve, update, list, archive,
 * delete. Names are unique among live environments (409 otherwise).
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { memberConstraints } from "../auth/principal";
import { createDb } from "../db/client";
import {
  archiveEnvironment,
  createEnvironment,
  type EnvironmentRecord,
  deleteEnvironment,
  environmentToWire,
  getEnvironment,
  listEnvironments,
  saveEnvironment,
} from "../db/environments";
import { applyEnvironmentUpdate, environmentSpecFromCreate } from "../domain/environment-spec";
import { validationHook } from "../middleware/validation";
import { COMMON_ERRORS, CONFLICT_ERROR, idParam, pageOf } from "../schemas/common";
import {
  EnvironmentCreateSchema,
  EnvironmentListQuerySchema,
  EnvironmentSchema,
  EnvironmentUpdateSchema,
} from "../schemas/environments";
import { announceWarmPool } from "../session/warm-pool-settings";
import { defineRoute, jsonBody, jsonResponse } from "./define-route";

export const environmentRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

const EnvParam = idParam("environment_id", "env_");
const DeletedSchema = z
  .object({ id: z.string(), type: z.literal("environment_deleted") })
  .openapi("EnvironmentDeleted");

environmentRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/",
    tags: ["environments"],
    summary: "Create an environment",
    scope: "write",
    audit: "environments.create",
    request: { body: jsonBody(EnvironmentCreateSchema) },
    responses: {
      200: jsonResponse(EnvironmentSchema, "The new environment"),
      ...COMMON_ERRORS,
      ...CONFLICT_ERROR,
    },
  }),
  async (c) => {
    const spec = environmentSpecFromCreate(c.req.valid("json"));
    const record = await createEnvironment(createDb(c.env.DB), spec, Date.now());
    c.set("auditTarget", record.id);
    await announceEnvironmentPool(c.env, undefined, record);
    return c.json(environmentToWire(record), 200);
  },
);

/**
 * An environment's own warm pool, created, resized or drained on the runtime now (it would be at
 * its next claim otherwise): when it has one, or had one before this change.
 */
async function announceEnvironmentPool(
  env: Env,
  before: EnvironmentRecord | undefined,
  after: EnvironmentRecord,
): Promise<void> {
  const poolOf = (r: EnvironmentRecord | undefined) =>
    r?.spec.config.type === "cloud"
      ? { pool: r.spec.config.warm_pool, packages: r.spec.config.packages }
      : undefined;
  const [was, now] = [poolOf(before), poolOf(after)];
  if (before && was?.pool && (!now?.pool || JSON.stringify(was.packages) !== JSON.stringify(now.packages)))
    await drainEnvironmentPool(env, before);
  if (now?.pool && JSON.stringify(was) !== JSON.stringify(now))
    await announceWarmPool(env, {
      scope: "environment",
      id: after.id,
      warmPool: now.pool,
      packages: now.packages,
    });
}

/** An archived or deleted environment's own warm pool, drained on the runtime now. */
async function drainEnvironmentPool(env: Env, record: EnvironmentRecord): Promise<void> {
  const config = record.spec.config;
  if (config.type !== "cloud" || !config.warm_pool) return;
  await announceWarmPool(env, {
    scope: "environment",
    id: record.id,
    warmPool: null,
    packages: config.packages,
  });
}

environmentRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/",
    tags: ["environments"],
    summary: "List environments, newest first",
    scope: "read",
    audit: false,
    member: {},
    request: { query: EnvironmentListQuerySchema },
    responses: { 200: jsonResponse(pageOf(EnvironmentSchema), "A page of environments"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const q = c.req.valid("query");
    const page = await listEnvironments(createDb(c.env.DB), {
      limit: q.limit,
      page: q.page,
      includeArchived: q.include_archived,
      onlyId: memberConstraints(c.get("principal"))?.environmentId,
    });
    return c.json({ data: page.data.map(environmentToWire), next_page: page.next_page }, 200);
  },
);

environmentRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/{environment_id}",
    tags: ["environments"],
    summary: "Retrieve an environment",
    scope: "read",
    audit: false,
    member: {},
    request: { params: EnvParam },
    responses: { 200: jsonResponse(EnvironmentSchema, "The environment"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const record = await getEnvironment(createDb(c.env.DB), c.req.valid("param").environment_id);
    return c.json(environmentToWire(record), 200);
  },
);

environmentRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/{environment_id}",
    tags: ["environments"],
    summary: "Update an environment (applies to containers started afterwards)",
    scope: "write",
    audit: "environments.update",
    request: { params: EnvParam, body: jsonBody(EnvironmentUpdateSchema) },
    responses: {
      200: jsonResponse(EnvironmentSchema, "The updated environment"),
      ...COMMON_ERRORS,
      ...CONFLICT_ERROR,
    },
  }),
  async (c) => {
    const db = createDb(c.env.DB);
    const current = await getEnvironment(db, c.req.valid("param").environment_id);
    const { spec, changed } = applyEnvironmentUpdate(current.spec, c.req.valid("json"), {
      archived: current.archivedAt !== null,
    });
    const record = changed ? await saveEnvironment(db, current, spec, Date.now()) : current;
    if (changed) await announceEnvironmentPool(c.env, current, record);
    return c.json(environmentToWire(record), 200);
  },
);

environmentRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/{environment_id}/archive",
    tags: ["environments"],
    summary: "Archive an environment: no new sessions may use it",
    scope: "write",
    audit: "environments.archive",
    request: { params: EnvParam },
    responses: { 200: jsonResponse(EnvironmentSchema, "The archived environment"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const record = await archiveEnvironment(
      createDb(c.env.DB),
      c.req.valid("param").environment_id,
      Date.now(),
    );
    // No new sessions: its own warm pool drains now (its coordinator also stops it at its next check).
    await drainEnvironmentPool(c.env, record);
    return c.json(environmentToWire(record), 200);
  },
);

environmentRoutes.openapi(
  defineRoute({
    method: "delete",
    path: "/{environment_id}",
    tags: ["environments"],
    summary: "Delete an environment for good",
    scope: "write",
    audit: "environments.delete",
    request: { params: EnvParam },
    responses: {
      200: jsonResponse(DeletedSchema, "Deleted"),
      ...COMMON_ERRORS,
    },
  }),
  async (c) => {
    const id = c.req.valid("param").environment_id;
    const db = createDb(c.env.DB);
    const before = await getEnvironment(db, id).catch(() => undefined);
    await deleteEnvironment(db, id);
    if (before) await drainEnvironmentPool(c.env, before);
    return c.json({ id, type: "environment_deleted" as const }, 200);
  },
);
