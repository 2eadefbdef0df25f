/**
 * `/v1/agents` — Claude Managed Agents wire: create, retrieve (latest or `?version=N`),
 * update (a new immutable version; optimistic `version`), list, archive, versions.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { memberConstraints } from "../auth/principal";
import {
  agentToWire,
  archiveAgent,
  createAgent,
  getAgent,
  listAgents,
  listAgentVersions,
  updateAgent,
} from "../db/agents";
import { createDb } from "../db/client";
import { agentSpecFromCreate, applyAgentUpdate } from "../domain/agent-spec";
import { validationHook } from "../middleware/validation";
import {
  AgentCreateSchema,
  AgentListQuerySchema,
  AgentSchema,
  AgentUpdateSchema,
  AgentVersionQuerySchema,
} from "../schemas/agents";
import { COMMON_ERRORS, CONFLICT_ERROR, idParam, LimitQuery, PageQuery, pageOf } from "../schemas/common";
import { defineRoute, jsonBody, jsonResponse } from "./define-route";

export const agentRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

const AgentParam = idParam("agent_id", "agent_");

agentRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/",
    tags: ["agents"],
    summary: "Create an agent (version 1)",
    scope: "write",
    audit: "agents.create",
    request: { body: jsonBody(AgentCreateSchema) },
    responses: { 200: jsonResponse(AgentSchema, "The new agent"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const spec = agentSpecFromCreate(c.req.valid("json"));
    const record = await createAgent(createDb(c.env.DB), spec, Date.now());
    c.set("auditTarget", record.id);
    return c.json(agentToWire(record), 200);
  },
);

agentRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/",
    tags: ["agents"],
    summary: "List agents, newest first",
    scope: "read",
    audit: false,
    member: {},
    request: { query: AgentListQuerySchema },
    responses: { 200: jsonResponse(pageOf(AgentSchema), "A page of agents"), ...COMMON_ERRORS },
  }),
  async (c) => {
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
  defineRoute({
    method: "get",
    path: "/{agent_id}",
    tags: ["agents"],
    summary: "Retrieve an agent (latest, or ?version=N)",
    scope: "read",
    audit: false,
    member: {},
    request: { params: AgentParam, query: AgentVersionQuerySchema },
    responses: { 200: jsonResponse(AgentSchema, "The agent"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const { agent_id } = c.req.valid("param");
    const record = await getAgent(createDb(c.env.DB), agent_id, c.req.valid("query").version);
    return c.json(agentToWire(record), 200);
  },
);

agentRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/{agent_id}",
    tags: ["agents"],
    summary: "Update an agent: creates version N+1 (409 if `version` is stale)",
    scope: "write",
    audit: "agents.update",
    request: { params: AgentParam, body: jsonBody(AgentUpdateSchema) },
    responses: {
      200: jsonResponse(AgentSchema, "The agent at its new version"),
      ...COMMON_ERRORS,
      ...CONFLICT_ERROR,
    },
  }),
  async (c) => {
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
  defineRoute({
    method: "post",
    path: "/{agent_id}/archive",
    tags: ["agents"],
    summary: "Archive an agent: no new sessions; history and versions stay readable",
    scope: "write",
    audit: "agents.archive",
    request: { params: AgentParam },
    responses: { 200: jsonResponse(AgentSchema, "The archived agent"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const record = await archiveAgent(createDb(c.env.DB), c.req.valid("param").agent_id, Date.now());
    return c.json(agentToWire(record), 200);
  },
);

agentRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/{agent_id}/versions",
    tags: ["agents"],
    summary: "List every version of an agent, newest first",
    scope: "read",
    audit: false,
    member: {},
    request: { params: AgentParam, query: z.object({ limit: LimitQuery, page: PageQuery }) },
    responses: { 200: jsonResponse(pageOf(AgentSchema), "A page of versions"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const page = await listAgentVersions(
      createDb(c.env.DB),
      c.req.valid("param").agent_id,
      c.req.valid("query"),
    );
    return c.json({ data: page.data.map(agentToWire), next_page: page.next_page }, 200);
  },
);
