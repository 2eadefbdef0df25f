/**
 * `/v1/environments` — Claude Managed Agents wire: create, retrieve, update, list, archive,
 * delete. Names are unique among live environments (409 otherwise).
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { memberConstraints, requireScope } from "../auth/principal";
import { createDb } from "../db/client";
import {
  archiveEnvironment,
  createEnvironment,
  deleteEnvironment,
  type EnvironmentRecord,
  getEnvironment,
  listEnvironments,
  saveEnvironment,
} from "../db/environments";
import { applyEnvironmentUpdate, environmentSpecFromCreate } from "../domain/environment-spec";
import { toRfc3339, toRfc3339OrNull } from "../lib/time";
import { validationHook } from "../middleware/validation";
import { COMMON_ERRORS, CONFLICT_ERROR, idParam, pageOf } from "../schemas/common";
import {
  type Environment,
  EnvironmentCreateSchema,
  EnvironmentListQuerySchema,
  EnvironmentSchema,
  EnvironmentUpdateSchema,
} from "../schemas/environments";

export const environmentRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

export function environmentToWire(r: EnvironmentRecord): Environment {
  return {
    id: r.id,
    type: "environment",
    ...r.spec,
    created_at: toRfc3339(r.createdAt),
    updated_at: toRfc3339(r.updatedAt),
    archived_at: toRfc3339OrNull(r.archivedAt),
  };
}

const EnvParam = idParam("environment_id", "env_");
const envJson = (description: string) => ({
  description,
  content: { "application/json": { schema: EnvironmentSchema } },
});
const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});
const DeletedSchema = z
  .object({ id: z.string(), type: z.literal("environment_deleted") })
  .openapi("EnvironmentDeleted");

environmentRoutes.openapi(
  createRoute({
    method: "post",
    path: "/",
    tags: ["environments"],
    summary: "Create an environment",
    request: { body: jsonBody(EnvironmentCreateSchema) },
    responses: { 200: envJson("The new environment"), ...COMMON_ERRORS, ...CONFLICT_ERROR },
  }),
  async (c) => {
    requireScope(c.get("principal"), "write");
    const spec = environmentSpecFromCreate(c.req.valid("json"));
    const record = await createEnvironment(createDb(c.env.DB), spec, Date.now());
    c.set("auditTarget", record.id);
    return c.json(environmentToWire(record), 200);
  },
);

environmentRoutes.openapi(
  createRoute({
    method: "get",
    path: "/",
    tags: ["environments"],
    summary: "List environments, newest first",
    request: { query: EnvironmentListQuerySchema },
    responses: {
      200: {
        description: "A page of environments",
        content: { "application/json": { schema: pageOf(EnvironmentSchema) } },
      },
      ...COMMON_ERRORS,
    },
  }),
  async (c) => {
    requireScope(c.get("principal"), "read");
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
  createRoute({
    method: "get",
    path: "/{environment_id}",
    tags: ["environments"],
    summary: "Retrieve an environment",
    request: { params: EnvParam },
    responses: { 200: envJson("The environment"), ...COMMON_ERRORS },
  }),
  async (c) => {
    requireScope(c.get("principal"), "read");
    const record = await getEnvironment(createDb(c.env.DB), c.req.valid("param").environment_id);
    return c.json(environmentToWire(record), 200);
  },
);

environmentRoutes.openapi(
  createRoute({
    method: "post",
    path: "/{environment_id}",
    tags: ["environments"],
    summary: "Update an environment (applies to containers started afterwards)",
    request: { params: EnvParam, body: jsonBody(EnvironmentUpdateSchema) },
    responses: { 200: envJson("The updated environment"), ...COMMON_ERRORS, ...CONFLICT_ERROR },
  }),
  async (c) => {
    requireScope(c.get("principal"), "write");
    const db = createDb(c.env.DB);
    const current = await getEnvironment(db, c.req.valid("param").environment_id);
    const { spec, changed } = applyEnvironmentUpdate(current.spec, c.req.valid("json"), {
      archived: current.archivedAt !== null,
    });
    const record = changed ? await saveEnvironment(db, current, spec, Date.now()) : current;
    return c.json(environmentToWire(record), 200);
  },
);

environmentRoutes.openapi(
  createRoute({
    method: "post",
    path: "/{environment_id}/archive",
    tags: ["environments"],
    summary: "Archive an environment: no new sessions may use it",
    request: { params: EnvParam },
    responses: { 200: envJson("The archived environment"), ...COMMON_ERRORS },
  }),
  async (c) => {
    requireScope(c.get("principal"), "write");
    const record = await archiveEnvironment(
      createDb(c.env.DB),
      c.req.valid("param").environment_id,
      Date.now(),
    );
    return c.json(environmentToWire(record), 200);
  },
);

environmentRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/{environment_id}",
    tags: ["environments"],
    summary: "Delete an environment for good",
    request: { params: EnvParam },
    responses: {
      200: { description: "Deleted", content: { "application/json": { schema: DeletedSchema } } },
      ...COMMON_ERRORS,
    },
  }),
  async (c) => {
    requireScope(c.get("principal"), "write");
    const id = c.req.valid("param").environment_id;
    await deleteEnvironment(createDb(c.env.DB), id);
    return c.json({ id, type: "environment_deleted" as const }, 200);
  },
);
