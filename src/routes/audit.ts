/** `GET /v1/audit`: the audit log, newest first, filtered and paged. Requires `admin`. */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { auditEventToWire, queryAudit } from "../db/audit";
import { createDb } from "../db/client";
import { validationHook } from "../middleware/validation";
import { AuditEventSchema, AuditQuerySchema } from "../schemas/audit";
import { COMMON_ERRORS, pageOf } from "../schemas/common";
import { defineRoute, jsonResponse } from "./define-route";

export const auditRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

auditRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/",
    tags: ["audit"],
    summary: "Query the audit log",
    scope: "admin",
    audit: false,
    planeAdmin: true,
    request: { query: AuditQuerySchema },
    responses: {
      200: jsonResponse(pageOf(AuditEventSchema), "A page of audit events"),
      ...COMMON_ERRORS,
    },
  }),
  async (c) => {
    const principal = c.get("principal");
    // A plane admin (the route lets it in) reads its own plane's rows; admin keys read them all.
    const planeId = principal.kind === "plane_admin" ? principal.constraints?.planeId : undefined;
    const q = c.req.valid("query");
    const page = await queryAudit(createDb(c.env.DB), { ...q, planeId });
    return c.json({ data: page.data.map(auditEventToWire), next_page: page.next_page }, 200);
  },
);
