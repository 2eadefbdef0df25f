/**
 * `/v1/planes` — Agents Plane: a named fleet with one isolated agent per team member.
 * Planes, admin tokens and status here; members in plane-members.ts, upgrades in
 * plane-upgrades.ts. Who may call what: `planeAccess` (plane-shared.ts) and `visiblePlane`
 * (src/planes/access.ts): org admins everything; a plane admin token its own plane; member tokens
 * nothing here.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { createDb } from "../db/client";
import { ApiError } from "../errors";
import { validationHook } from "../middleware/validation";
import { assertOrgAdmin, visiblePlane } from "../planes/access";
import { activeMembers, getMember } from "../planes/members";
import {
  createPlane,
  deletePlane,
  listPlanes,
  type PlaneRow,
  planeToWire,
  updatePlane,
} from "../planes/plane-store";
import type { Packages } from "../schemas/environments";
import { announceWarmPool } from "../session/warm-pool-settings";
import { planeStatus } from "../planes/status";
import { runtimePoolStatus } from "../runtime/pool-status";
import {
  adminTokenToWire,
  listAdminTokens,
  mintedTokenToWire,
  mintPlaneToken,
  revokeAdminToken,
} from "../planes/tokens";
import { COMMON_ERRORS, CONFLICT_ERROR, pageOf } from "../schemas/common";
import {
  PlaneAdminTokenListSchema,
  PlaneAdminTokenSchema,
  PlaneCreateSchema,
  PlaneDeletedSchema,
  PlaneListQuerySchema,
  PlaneSchema,
  PlaneStatusQuerySchema,
  PlaneStatusSchema,
  PlaneTokenParam,
  PlaneTokenSchema,
  PlaneUpdateSchema,
} from "../schemas/planes";
import { defineRoute, jsonBody, jsonResponse } from "./define-route";
import { planeMemberRoutes } from "./plane-members";
import { PlaneParam, planeAccess, tags } from "./plane-shared";
import { planeUpgradeRoutes } from "./plane-upgrades";

export const planeRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

planeRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/",
    tags,
    summary: "Create a plane (org admin); the response carries its first admin token, once",
    ...planeAccess,
    audit: "plane.create",
    request: { body: jsonBody(PlaneCreateSchema) },
    responses: {
      201: jsonResponse(PlaneSchema, "The new plane, with `admin_token`"),
      ...COMMON_ERRORS,
      ...CONFLICT_ERROR,
    },
  }),
  async (c) => {
    const principal = c.get("principal");
    assertOrgAdmin(principal);
    const { row, adminToken } = await createPlane(
      createDb(c.env.DB),
      c.env,
      c.req.valid("json"),
      principal.id,
      Date.now(),
    );
    c.set("auditTarget", row.id);
    c.set("auditPlane", row.id);
    if (row.warmPool) await announcePlanePool(c.env, row);
    return c.json(planeToWire(row, adminToken), 201);
  },
);

planeRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/",
    tags,
    summary: "List planes (org admin: all; plane admin: its own)",
    ...planeAccess,
    audit: false,
    request: { query: PlaneListQuerySchema },
    responses: { 200: jsonResponse(pageOf(PlaneSchema), "A page of planes"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const principal = c.get("principal");
    if (principal.kind !== "plane_admin") assertOrgAdmin(principal);
    const q = c.req.valid("query");
    const page = await listPlanes(createDb(c.env.DB), {
      limit: q.limit,
      page: q.page,
      onlyId: principal.kind === "plane_admin" ? principal.constraints?.planeId : undefined,
    });
    return c.json({ data: page.data.map((r) => planeToWire(r)), next_page: page.next_page }, 200);
  },
);

planeRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/{plane}",
    tags,
    summary: "Retrieve a plane (by id or name)",
    ...planeAccess,
    audit: false,
    request: { params: PlaneParam },
    responses: { 200: jsonResponse(PlaneSchema, "The plane"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const plane = await visiblePlane(createDb(c.env.DB), c.get("principal"), c.req.valid("param").plane);
    return c.json(planeToWire(plane), 200);
  },
);

planeRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/{plane}",
    tags,
    summary: "Update a plane's description, budget, instance type, region or metadata (org admin)",
    ...planeAccess,
    audit: "plane.update",
    request: { params: PlaneParam, body: jsonBody(PlaneUpdateSchema) },
    responses: { 200: jsonResponse(PlaneSchema, "The updated plane"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const db = createDb(c.env.DB);
    const plane = await visiblePlane(db, c.get("principal"), c.req.valid("param").plane, { orgOnly: true });
    c.set("auditTarget", plane.id);
    c.set("auditPlane", plane.id);
    const updated = await updatePlane(db, plane, c.req.valid("json"), Date.now());
    if (
      JSON.stringify(updated.warmPool) !== JSON.stringify(plane.warmPool) ||
      updated.instanceType !== plane.instanceType ||
      // A new budget may stop the plane's pool (spent) or let it refill again.
      updated.monthlyBudgetUsd !== plane.monthlyBudgetUsd
    ) {
      if (plane.warmPool && updated.instanceType !== plane.instanceType)
        await announcePlanePool(c.env, { ...plane, warmPool: null });
      await announcePlanePool(c.env, updated);
    }
    return c.json(planeToWire(updated), 200);
  },
);

/** The plane's own warm pool, created, resized or drained on the runtime now (else at its next claim). */
function announcePlanePool(env: Env, row: PlaneRow): Promise<void> {
  const config = row.environment as { packages?: Packages };
  return announceWarmPool(env, {
    scope: "plane",
    id: row.id,
    warmPool: row.warmPool ?? null,
    packages: config.packages,
    runtimeVersion: row.runtimeVersion,
    instanceType: row.instanceType,
  });
}

planeRoutes.openapi(
  defineRoute({
    method: "delete",
    path: "/{plane}",
    tags,
    summary: "Delete a plane with no members (org admin); 409 plane_not_empty otherwise",
    ...planeAccess,
    audit: "plane.delete",
    request: { params: PlaneParam },
    responses: { 200: jsonResponse(PlaneDeletedSchema, "Deleted"), ...COMMON_ERRORS, ...CONFLICT_ERROR },
  }),
  async (c) => {
    const db = createDb(c.env.DB);
    const plane = await visiblePlane(db, c.get("principal"), c.req.valid("param").plane, { orgOnly: true });
    c.set("auditTarget", plane.id);
    c.set("auditPlane", plane.id);
    await deletePlane(db, plane, Date.now());
    // Its pools drain now (their coordinators also stop them at their next check, seeing it deleted).
    if (plane.warmPool) await announcePlanePool(c.env, { ...plane, warmPool: null });
    return c.json({ type: "plane_deleted" as const, id: plane.id }, 200);
  },
);

planeRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/{plane}/admin_tokens",
    tags,
    summary: "Mint another plane admin token (org admin); shown once",
    ...planeAccess,
    audit: "plane.admin_token.create",
    request: { params: PlaneParam },
    responses: { 201: jsonResponse(PlaneTokenSchema, "The token"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const db = createDb(c.env.DB);
    const principal = c.get("principal");
    const plane = await visiblePlane(db, principal, c.req.valid("param").plane, { orgOnly: true });
    const now = Date.now();
    const token = await mintPlaneToken(db, {
      planeId: plane.id,
      memberId: null,
      createdBy: principal.id,
      now,
    });
    c.set("auditTarget", token.id);
    c.set("auditPlane", plane.id);
    return c.json(mintedTokenToWire(token, plane.id, null, now), 201);
  },
);

planeRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/{plane}/admin_tokens",
    tags,
    summary: "List the plane's admin tokens (prefixes only, never secrets)",
    ...planeAccess,
    audit: false,
    request: { params: PlaneParam },
    responses: { 200: jsonResponse(PlaneAdminTokenListSchema, "The plane's admin tokens"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const db = createDb(c.env.DB);
    const plane = await visiblePlane(db, c.get("principal"), c.req.valid("param").plane);
    const rows = await listAdminTokens(db, plane.id);
    return c.json({ data: rows.map(adminTokenToWire), next_page: null }, 200);
  },
);

planeRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/{plane}/admin_tokens/{token_id}/revoke",
    tags,
    summary: "Revoke one of the plane's admin tokens (a leaked or departed admin's)",
    ...planeAccess,
    audit: "plane.admin_token.revoke",
    request: { params: PlaneTokenParam },
    responses: { 200: jsonResponse(PlaneAdminTokenSchema, "The revoked token"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const db = createDb(c.env.DB);
    const params = c.req.valid("param");
    const plane = await visiblePlane(db, c.get("principal"), params.plane);
    c.set("auditTarget", params.token_id);
    c.set("auditPlane", plane.id);
    const row = await revokeAdminToken(db, plane.id, params.token_id, Date.now());
    if (!row) throw new ApiError("not_found", `plane ${plane.name} has no admin token ${params.token_id}`);
    return c.json(adminTokenToWire(row), 200);
  },
);

planeRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/{plane}/status",
    tags,
    summary: "Per-member health, sessions, runtime state, cost vs budget; totals; rollout progress",
    ...planeAccess,
    audit: false,
    request: { params: PlaneParam, query: PlaneStatusQuerySchema },
    responses: { 200: jsonResponse(PlaneStatusSchema, "The plane's status"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const db = createDb(c.env.DB);
    const plane = await visiblePlane(db, c.get("principal"), c.req.valid("param").plane);
    const only = c.req.valid("query").member;
    const members = only ? [await getMember(db, plane, only)] : await activeMembers(db, plane.id);
    const [status, runtimePool] = await Promise.all([
      planeStatus(db, plane, members),
      // The deployment's pool, and the pools billed to this plane (its own warm_pool).
      runtimePoolStatus(c.env, `plane:${plane.id}`),
    ]);
    return c.json(
      {
        ...status,
        // The plane's own pools' waiting cost: the plane's overhead, not any member's spend.
        totals: { ...status.totals, warm_pool_cost_this_month_usd: runtimePool.cost.cost_usd },
        runtime_pool: runtimePool,
      },
      200,
    );
  },
);

planeRoutes.route("/", planeMemberRoutes);
planeRoutes.route("/", planeUpgradeRoutes);
