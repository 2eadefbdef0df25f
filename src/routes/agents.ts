/**
 * `/v1/agents` — Claude Managed Agents wire: create, retrieve (latest or `?version=N`),
 * update (a new immutable version; optimistic `version`), list, archive, versions.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { memberConstraints, requireScope } from "../auth/principal";
import {
  type AgentRecord,
  archiveAgent,
  createAgent,
  getAgent,
  listAgents,
  listAgentVersions,
  updateAgent,
} from "../db/agents";
import { createDb } from "../db/client";
import { agentSpecFromCreate, applyAgentUpdate } from "../domain/agent-spec";
import { toRfc3339, toRfc3339OrNull } from "../lib/time";
import { validationHook } from "../middleware/validation";
import {
  type Agent,
  AgentCreateSchema,
  AgentListQuerySchema,
  AgentSchema,
  AgentUpdateSchema,
  AgentVersionQuerySchema,
} from "../schemas/agents";
import { COMMON_ERRORS, CONFLICT_ERROR, idParam, LimitQuery, PageQuery, pageOf } from "../schemas/common";

export const agentRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

export function agentToWire(r: AgentRecord): Agent {
  return {
    id: r.id,
    type: "agent",
    ...r.spec,
    version: r.version,
    created_at: toRfc3339(r.createdAt),
    updated_at: toRfc3339(r.updatedAt),
    archived_at: toRfc3339OrNull(r.archivedAt),
  };
}

const AgentParam = idParam("agent_id", "agent_");
const agentJson = (description: string) => ({
  description,
  content: { "application/json": { schema: AgentSchema } },
});
const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});

agentRoutes.openapi(
  createRoute({
    method: "post",
    path: "/",
    tags: ["agents"],
    summary: "Create an agent (version 1)",
    request: { body: jsonBody(AgentCreateSchema) },
    responses: { 200: agentJson("The new agent"), ...COMMON_ERRORS },
  }),
  async (c) => {
    requireScope(c.get("principal"), "write");
    const spec = agentSpecFromCreate(c.req.valid("json"));
    const record = await createAgent(createDb(c.env.DB), spec, Date.now());
    c.set("auditTarget", record.id);
    return c.json(agentToWire(record), 200);
  },
);

agentRoutes.openapi(
  createRoute({
    method: "get",
    path: "/",
    tags: ["agents"],
    summary: "List agents, newest first",
    request: { query: AgentListQuerySchema },
    responses: {
      200: {
        description: "A page of agents",
        content: { "application/json": { schema: pageOf(AgentSchema) } },
      },
      ...COMMON_ERRORS,
    },
  }),
  async (c) => {
    requireScope(c.get("principal"), "read");
    const q = c.req.valid("query");
    const gte = q["created_at[gte]"];
    const lte = q["created_at[lte]"];
    const page = await listAgents(createDb(c.env.DB), {
      limit: q.limit,
      page: q.page,
      createdGte: gte ? Date.parse(gte) : undefined,
      createdLte: lte ? Date.parse(lte) : undefined,
      includeArchived: q.include_archived,
      onlyId: memberConstraints(c.get("principal"))?.agentId,
    });
    return c.json({ data: page.data.map(agentToWire), next_page: page.next_page }, 200);
  },
);

agentRoutes.openapi(
  createRoute({
    method: "get",
    path: "/{agent_id}",
    tags: ["agents"],
    summary: "Retrieve an agent (latest, or ?version=N)",
    request: { params: AgentParam, query: AgentVersionQuerySchema },
    responses: { 200: agentJson("The agent"), ...COMMON_ERRORS },
  }),
  async (c) => {
    requireScope(c.get("principal"), "read");
    const { agent_id } = c.req.valid("param");
    const record = await getAgent(createDb(c.env.DB), agent_id, c.req.valid("query").version);
    return c.json(agentToWire(record), 200);
  },
);

agentRoutes.openapi(
  createRoute({
    method: "post",
    path: "/{agent_id}",
    tags: ["agents"],
    summary: "Update an agent: creates version N+1 (409 if `version` is stale)",
    request: { params: AgentParam, body: jsonBody(AgentUpdateSchema) },
    responses: { 200: agentJson("The agent at its new version"), ...COMMON_ERRORS, ...CONFLICT_ERROR },
  }),
  async (c) => {
    requireScope(c.get("principal"), "write");
    const { agent_id } = c.req.valid("param");
    const body = c.req.valid("json");
    const record = await updateAgent(
      createDb(c.env.DB),
      agent_id,
      body.version,
      (spec) => applyAgentUpdate(spec, body),
      Date.now(),
    );
    return c.json(agentToWire(record), 200);
  },
);

agentRoutes.openapi(
  createRoute({
    method: "post",
    path: "/{agent_id}/archive",
    tags: ["agents"],
    summary: "Archive an agent: no new sessions; history and versions stay readable",
    request: { params: AgentParam },
    responses: { 200: agentJson("The archived agent"), ...COMMON_ERRORS },
  }),
  async (c) => {
    requireScope(c.get("principal"), "write");
    const record = await archiveAgent(createDb(c.env.DB), c.req.valid("param").agent_id, Date.now());
    return c.json(agentToWire(record), 200);
  },
);

agentRoutes.openapi(
  createRoute({
    method: "get",
    path: "/{agent_id}/versions",
    tags: ["agents"],
    summary: "List every version of an agent, newest first",
    request: { params: AgentParam, query: z.object({ limit: LimitQuery, page: PageQuery }) },
    responses: {
      200: {
        description: "A page of versions",
        content: { "application/json": { schema: pageOf(AgentSchema) } },
      },
      ...COMMON_ERRORS,
    },
  }),
  async (c) => {
    requireScope(c.get("principal"), "read");
    const page = await listAgentVersions(
      createDb(c.env.DB),
      c.req.valid("param").agent_id,
      c.req.valid("query"),
    );
    return c.json({ data: page.data.map(agentToWire), next_page: page.next_page }, 200);
  },
);
