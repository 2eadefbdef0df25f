/**
 * `/v1/planes/{plane}/upgrades…` — roll a new template and/or runtime version across the plane,
 * watch its progress, roll it back. Semantics in src/planes/rollouts.ts.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { createDb } from "../db/client";
import { validationHook } from "../middleware/validation";
import { visiblePlane } from "../planes/access";
import {
  getRollout,
  listRollouts,
  rollback,
  rolloutProgress,
  rolloutToWire,
  startRollout,
} from "../planes/rollouts";
import { COMMON_ERRORS, CONFLICT_ERROR, LimitQuery, PageQuery, pageOf } from "../schemas/common";
import { RolloutSchema, UpgradeCreateSchema } from "../schemas/planes";
import { defineRoute, jsonBody, jsonResponse } from "./define-route";
import { PlaneParam, planeAccess, RolloutParams, tags } from "./plane-shared";

export const planeUpgradeRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

planeUpgradeRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/{plane}/upgrades",
    tags,
    summary: "Upgrade the plane: new template and/or runtime version for every member's agent",
    ...planeAccess,
    audit: "plane.upgrade",
    request: { params: PlaneParam, body: jsonBody(UpgradeCreateSchema) },
    responses: { 201: jsonResponse(RolloutSchema, "The rollout"), ...COMMON_ERRORS, ...CONFLICT_ERROR },
  }),
  async (c) => {
    const db = createDb(c.env.DB);
    const principal = c.get("principal");
    const plane = await visiblePlane(db, principal, c.req.valid("param").plane);
    c.set("auditPlane", plane.id);
    const row = await startRollout(db, c.env, plane, c.req.valid("json"), principal.id, Date.now());
    c.set("auditTarget", row.id);
    return c.json(rolloutToWire(await rolloutProgress(db, row)), 201);
  },
);

planeUpgradeRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/{plane}/upgrades",
    tags,
    summary: "List the plane's rollouts, newest first",
    ...planeAccess,
    audit: false,
    request: { params: PlaneParam, query: z.object({ limit: LimitQuery, page: PageQuery }) },
    responses: { 200: jsonResponse(pageOf(RolloutSchema), "A page of rollouts"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const db = createDb(c.env.DB);
    const plane = await visiblePlane(db, c.get("principal"), c.req.valid("param").plane);
    const page = await listRollouts(db, plane, c.req.valid("query"));
    const data = await Promise.all(page.data.map(async (r) => rolloutToWire(await rolloutProgress(db, r))));
    return c.json({ data, next_page: page.next_page }, 200);
  },
);

planeUpgradeRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/{plane}/upgrades/{rollout}",
    tags,
    summary: "Retrieve a rollout with its progress",
    ...planeAccess,
    audit: false,
    request: { params: RolloutParams },
    responses: { 200: jsonResponse(RolloutSchema, "The rollout"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const db = createDb(c.env.DB);
    const { plane: planeRef, rollout } = c.req.valid("param");
    const plane = await visiblePlane(db, c.get("principal"), planeRef);
    return c.json(rolloutToWire(await rolloutProgress(db, await getRollout(db, plane, rollout))), 200);
  },
);

planeUpgradeRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/{plane}/upgrades/{rollout}/rollback",
    tags,
    summary: "Roll back the plane's latest rollout: the previous template/runtime, as new versions",
    ...planeAccess,
    audit: "plane.upgrade.rollback",
    request: { params: RolloutParams },
    responses: {
      200: jsonResponse(RolloutSchema, "The rolled-back rollout"),
      ...COMMON_ERRORS,
      ...CONFLICT_ERROR,
    },
  }),
  async (c) => {
    const db = createDb(c.env.DB);
    const { plane: planeRef, rollout } = c.req.valid("param");
    const plane = await visiblePlane(db, c.get("principal"), planeRef);
    c.set("auditPlane", plane.id);
    c.set("auditTarget", rollout);
    const row = await rollback(db, c.env, plane, await getRollout(db, plane, rollout), Date.now());
    return c.json(rolloutToWire(await rolloutProgress(db, row)), 200);
  },
);
