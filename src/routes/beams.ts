/**
 * Delegation to Teleport Beams, the admin and user side:
 * - `/v1/teleport/connection`: the org's Teleport connection (proxy, bot, sealed credential);
 *   org admins only; the credential is write-only.
 * - `/v1/planes/{plane_id}/beams`: whether a plane's members may delegate (org or plane admin).
 * - `/v1/beam_runs`: every delegation, its status, beam, timings, exit code and output; cancel.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { beamRunToWire, beamUsage, getBeamRun, listBeamRuns, readBeamOutput } from "../beams/beam-runs";
import { cancelBeamRun, queuePositions } from "../beams/connector-client";
import {
  ORG_SCOPE,
  connectionToWire,
  deleteConnection,
  getConnectionRow,
  putOrgConnection,
  putPlaneSetting,
} from "../beams/teleport-connection";
import { createDb } from "../db/client";
import { ApiError } from "../errors";
import { keyringFromEnv } from "../lib/keyring";
import { assertOrgAdmin, visiblePlane } from "../planes/access";
import { validationHook } from "../middleware/validation";
import {
  BeamRunListQuerySchema,
  BeamRunSchema,
  BeamUsageQuerySchema,
  BeamUsageSchema,
  PlaneBeamsPutSchema,
  TeleportConnectionPutSchema,
  TeleportConnectionSchema,
} from "../schemas/beams";
import { COMMON_ERRORS, CONFLICT_ERROR, idParam, pageOf } from "../schemas/common";
import { defineRoute, jsonBody, jsonResponse } from "./define-route";

const tags = ["beams"];
const Deleted = z
  .object({ type: z.literal("teleport_connection_deleted"), scope: z.string() })
  .openapi("TeleportConnectionDeleted");

/** Mounted at `/v1/teleport`. */
export const teleportRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

teleportRoutes.openapi(
  defineRoute({
    method: "put",
    path: "/connection",
    tags,
    summary: "Set the org's Teleport connection (proxy, Machine ID bot, join token or identity)",
    scope: "admin",
    audit: "teleport.connection.put",
    request: { body: jsonBody(TeleportConnectionPutSchema) },
    responses: {
      200: jsonResponse(TeleportConnectionSchema, "The connection (never its credential)"),
      ...COMMON_ERRORS,
    },
  }),
  async (c) => {
    assertOrgAdmin(c.get("principal"));
    const db = createDb(c.env.DB);
    const row = await putOrgConnection(db, await keyringFromEnv(c.env), c.req.valid("json"), Date.now());
    c.set("auditTarget", "teleport:org");
    return c.json(connectionToWire(row), 200);
  },
);

teleportRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/connection",
    tags,
    summary: "Retrieve the org's Teleport connection (never its credential)",
    scope: "admin",
    audit: false,
    responses: { 200: jsonResponse(TeleportConnectionSchema, "The connection"), ...COMMON_ERRORS },
  }),
  async (c) => {
    assertOrgAdmin(c.get("principal"));
    const row = await getConnectionRow(createDb(c.env.DB), ORG_SCOPE);
    if (!row) throw new ApiError("teleport_not_configured", "no Teleport connection is configured");
    return c.json(connectionToWire(row), 200);
  },
);

teleportRoutes.openapi(
  defineRoute({
    method: "delete",
    path: "/connection",
    tags,
    summary:
      "Remove the org's Teleport connection (delegation stops; running beams are cancelled by their runs)",
    scope: "admin",
    audit: "teleport.connection.delete",
    responses: { 200: jsonResponse(Deleted, "Removed"), ...COMMON_ERRORS },
  }),
  async (c) => {
    assertOrgAdmin(c.get("principal"));
    c.set("auditTarget", "teleport:org");
    if (!(await deleteConnection(createDb(c.env.DB), ORG_SCOPE))) {
      throw new ApiError("teleport_not_configured", "no Teleport connection is configured");
    }
    return c.json({ type: "teleport_connection_deleted" as const, scope: ORG_SCOPE }, 200);
  },
);

/** Mounted at `/v1/planes` beside the plane routes. */
export const planeBeamRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
const PlaneParam = idParam("plane_id", "plane_");

planeBeamRoutes.openapi(
  defineRoute({
    method: "put",
    path: "/{plane_id}/beams",
    tags,
    summary: "Allow or forbid delegation to beams for a plane's members",
    scope: "admin",
    audit: "planes.beams.put",
    planeAdmin: true,
    request: { params: PlaneParam, body: jsonBody(PlaneBeamsPutSchema) },
    responses: { 200: jsonResponse(TeleportConnectionSchema, "The plane's setting"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const db = createDb(c.env.DB);
    const plane = await visiblePlane(db, c.get("principal"), c.req.valid("param").plane_id);
    c.set("auditPlane", plane.id);
    const row = await putPlaneSetting(db, plane.id, c.req.valid("json").delegation_allowed, Date.now());
    return c.json(connectionToWire(row), 200);
  },
);

/** Mounted at `/v1/beam_runs`. */
export const beamRunRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
const RunParam = idParam("beam_run_id", "beam_");

beamRunRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/",
    tags,
    summary: "List beam runs, newest first",
    scope: "read",
    audit: false,
    request: { query: BeamRunListQuerySchema },
    responses: { 200: jsonResponse(pageOf(BeamRunSchema), "A page of beam runs"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const q = c.req.valid("query");
    const db = createDb(c.env.DB);
    const page = await listBeamRuns(db, {
      limit: q.limit,
      page: q.page,
      sessionId: q.session_id,
      memberId: q.member_id,
      planeId: q.plane_id,
      status: q.status,
    });
    const positions = await queuePositions(db, page.data);
    return c.json(
      {
        data: page.data.map((r) => beamRunToWire(r, { queuePosition: positions.get(r.id) })),
        next_page: page.next_page,
      },
      200,
    );
  },
);

beamRunRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/usage",
    tags,
    summary:
      "Delegation cost of a session, plane member or plane: runs, beam wall time, reported model usage",
    scope: "read",
    audit: false,
    request: { query: BeamUsageQuerySchema },
    responses: {
      200: jsonResponse(BeamUsageSchema, "Runs, their beams' wall time and the usage their CLIs reported"),
      ...COMMON_ERRORS,
    },
  }),
  async (c) => {
    const q = c.req.valid("query");
    const usage = await beamUsage(createDb(c.env.DB), {
      sessionId: q.session_id,
      memberId: q.member_id,
      planeId: q.plane_id,
    });
    return c.json(
      {
        type: "beam_usage" as const,
        session_id: q.session_id ?? null,
        member_id: q.member_id ?? null,
        plane_id: q.plane_id ?? null,
        runs: usage.runs,
        ended_runs: usage.endedRuns,
        wall_ms: usage.wallMs,
        reported_runs: usage.reportedRuns,
        input_tokens: usage.inputTokens,
        output_tokens: usage.outputTokens,
        cache_read_input_tokens: usage.cacheReadTokens,
        cache_creation_input_tokens: usage.cacheCreationTokens,
        cost_usd: usage.costUsd,
      },
      200,
    );
  },
);

beamRunRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/{beam_run_id}",
    tags,
    summary: "Retrieve a beam run with its output (bounded at 10 MB, truncation marked)",
    scope: "read",
    audit: false,
    request: { params: RunParam },
    responses: { 200: jsonResponse(BeamRunSchema, "The beam run"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const db = createDb(c.env.DB);
    const row = await getBeamRun(db, c.req.valid("param").beam_run_id);
    const positions = await queuePositions(db, [row]);
    const output = await readBeamOutput(db, row.id);
    return c.json(beamRunToWire(row, { queuePosition: positions.get(row.id), output }), 200);
  },
);

beamRunRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/{beam_run_id}/cancel",
    tags,
    summary: "Cancel a beam run: a queued run never starts, a running one stops and its beam is removed",
    scope: "write",
    audit: "beam_runs.cancel",
    request: { params: RunParam },
    responses: {
      200: jsonResponse(BeamRunSchema, "The run as it now is"),
      ...COMMON_ERRORS,
      ...CONFLICT_ERROR,
    },
  }),
  async (c) => {
    const db = createDb(c.env.DB);
    const id = c.req.valid("param").beam_run_id;
    await getBeamRun(db, id);
    const row = await cancelBeamRun(c.env, id, "cancelled through the API");
    return c.json(beamRunToWire(row), 200);
  },
);
