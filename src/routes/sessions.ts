/**
 * `/v1/sessions` — Claude Managed Agents wire: create, retrieve, update, list, archive, delete.
 * Each session is one SessionDO; the Worker validates, resolves the agent and environment, and
 * calls the object, which is the session's only writer.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { getAgent } from "../db/agents";
import { createDb } from "../db/client";
import { getEnvironment } from "../db/environments";
import { listSessions } from "../db/sessions";
import { applyAgentUpdate } from "../domain/agent-spec";
import { ApiError } from "../errors";
import { newId } from "../lib/ids";
import { validationHook } from "../middleware/validation";
import { scopedAgentFilter } from "../planes/access";
import { COMMON_ERRORS, CONFLICT_ERROR, idParam } from "../schemas/common";
import { applyMetadataPatch } from "../schemas/metadata";
import {
  type SessionAgentParam,
  SessionCreateSchema,
  SessionListQuerySchema,
  SessionSchema,
  SessionUpdateSchema,
} from "../schemas/sessions";
import { newSessionRecord, type SessionAgent } from "../session/session-record";
import { sessionClient } from "../session/stub";
import { assertBindableVaults } from "../vaults/session-binding";
import { defineRoute, jsonBody, jsonResponse } from "./define-route";

export const sessionRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

export const SessionParam = idParam("session_id", "sesn_");

/** Resolves the agent a new session runs: latest or pinned version, with overrides applied. */
async function resolveAgent(c: { env: Env }, param: SessionAgentParam): Promise<SessionAgent> {
  const ref = typeof param === "string" ? { id: param, version: undefined } : param;
  const agent = await getAgent(createDb(c.env.DB), ref.id, ref.version);
  if (agent.archivedAt !== null) {
    throw new ApiError("agent_archived", `agent ${agent.id} is archived; new sessions cannot use it`, {
      fields: [{ path: "agent", message: "archived" }],
    });
  }
  let spec = agent.spec;
  if (typeof param !== "string" && param.type === "agent_with_overrides") {
    const { type: _type, id: _id, version: _version, ...overrides } = param;
    spec = applyAgentUpdate(spec, overrides).spec;
  }
  return { id: agent.id, type: "agent", ...spec, version: agent.version };
}

sessionRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/",
    tags: ["sessions"],
    summary: "Create a session for an agent in an environment",
    scope: "write",
    audit: "sessions.create",
    member: { budget: "always", sessionBody: true },
    request: { body: jsonBody(SessionCreateSchema) },
    responses: { 200: jsonResponse(SessionSchema, "The new session (idle)"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const agent = await resolveAgent(c, body.agent);
    const environment = await getEnvironment(createDb(c.env.DB), body.environment_id);
    if (environment.archivedAt !== null) {
      throw new ApiError("environment_archived", `environment ${environment.id} is archived`, {
        fields: [{ path: "environment_id", message: "archived" }],
      });
    }
    // Bound vaults supply MCP credentials, applied by the MCP proxy (never inside the runtime).
    const vaultIds = await assertBindableVaults(createDb(c.env.DB), body.vault_ids ?? []);
    const record = newSessionRecord({
      id: newId("session"),
      agent,
      environment,
      title: body.title ?? null,
      metadata: body.metadata ?? {},
      budget: body.budget ?? null,
      vaultIds,
      apiOrigin: new URL(c.req.url).origin,
    });
    c.set("auditTarget", record.id);
    const session = await sessionClient(c.env, record.id).create(record, body.initial_events ?? []);
    return c.json(session, 200);
  },
);

sessionRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/",
    tags: ["sessions"],
    summary: "List sessions",
    scope: "read",
    audit: false,
    member: {},
    request: { query: SessionListQuerySchema },
    responses: {
      200: jsonResponse(
        z.object({
          data: z.array(SessionSchema),
          next_page: z.string().nullable(),
          prev_page: z.string().nullable(),
        }),
        "A page of sessions",
      ),
      ...COMMON_ERRORS,
    },
  }),
  async (c) => {
    const q = c.req.valid("query");
    const statuses = q["statuses[]"];
    const page = await listSessions(createDb(c.env.DB), {
      limit: q.limit,
      page: q.page,
      order: q.order,
      statuses: statuses === undefined ? undefined : Array.isArray(statuses) ? statuses : [statuses],
      agentId: scopedAgentFilter(c.get("principal"), q.agent_id),
      agentVersion: q.agent_version,
      createdGt: q["created_at[gt]"],
      createdGte: q["created_at[gte]"],
      createdLt: q["created_at[lt]"],
      createdLte: q["created_at[lte]"],
      includeArchived: q.include_archived,
    });
    return c.json(page, 200);
  },
);

sessionRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/{session_id}",
    tags: ["sessions"],
    summary: "Retrieve a session (live status and usage)",
    scope: "read",
    audit: false,
    member: {},
    request: { params: SessionParam },
    responses: { 200: jsonResponse(SessionSchema, "The session"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const session = await sessionClient(c.env, c.req.valid("param").session_id).describe();
    return c.json(session, 200);
  },
);

sessionRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/{session_id}",
    tags: ["sessions"],
    summary: "Update a session's title or metadata (metadata is a patch)",
    scope: "write",
    audit: "sessions.update",
    member: {},
    request: { params: SessionParam, body: jsonBody(SessionUpdateSchema) },
    responses: {
      200: jsonResponse(SessionSchema, "The updated session"),
      ...COMMON_ERRORS,
      ...CONFLICT_ERROR,
    },
  }),
  async (c) => {
    const session = sessionClient(c.env, c.req.valid("param").session_id);
    const body = c.req.valid("json");
    const current = await session.describe();
    const metadata = body.metadata
      ? applyMetadataPatch(current.metadata, body.metadata, { emptyStringDeletes: false })
      : undefined;
    return c.json(await session.updateInfo({ title: body.title, metadata }), 200);
  },
);

sessionRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/{session_id}/archive",
    tags: ["sessions"],
    summary: "Archive a session: its runtime stops and it accepts no more events",
    scope: "write",
    audit: "sessions.archive",
    member: {},
    request: { params: SessionParam },
    responses: { 200: jsonResponse(SessionSchema, "The archived session"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const session = await sessionClient(c.env, c.req.valid("param").session_id).archive();
    return c.json(session, 200);
  },
);

sessionRoutes.openapi(
  defineRoute({
    method: "delete",
    path: "/{session_id}",
    tags: ["sessions"],
    summary: "Delete a session: tears down its runtime and deletes its events",
    scope: "write",
    audit: "sessions.delete",
    // No member rule: deleting a session would erase what the plane admin oversees; members archive instead.
    request: { params: SessionParam },
    responses: {
      200: jsonResponse(z.object({ id: z.string(), type: z.literal("session_deleted") }), "Deleted"),
      ...COMMON_ERRORS,
    },
  }),
  async (c) => {
    const { id } = await sessionClient(c.env, c.req.valid("param").session_id).destroy();
    return c.json({ id, type: "session_deleted" as const }, 200);
  },
);
