/** `GET /v1/audit`: the audit log, newest first, filtered and paged. Requires `admin`. */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { requireScope } from "../auth/principal";
import { type AuditRow, queryAudit } from "../db/audit";
import { createDb } from "../db/client";
import { toRfc3339 } from "../lib/time";
import { validationHook } from "../middleware/validation";
import { type AuditEvent, AuditEventSchema, AuditQuerySchema } from "../schemas/audit";
import { COMMON_ERRORS, pageOf } from "../schemas/common";

export const auditRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

function toWire(row: AuditRow): AuditEvent {
  return {
    id: `aud_${row.id}`,
    type: "audit_event",
    at: toRfc3339(row.at),
    request_id: row.requestId,
    actor: { type: row.actorType, id: row.actorId },
    action: row.action,
    target: row.target,
    outcome: row.outcome === "success" ? "success" : "failure",
    status: row.status,
    error_code: row.errorCode,
  };
}

auditRoutes.openapi(
  createRoute({
    method: "get",
    path: "/",
    tags: ["audit"],
    summary: "Query the audit log",
    request: { query: AuditQuerySchema },
    responses: {
      200: {
        description: "A page of audit events",
        content: { "application/json": { schema: pageOf(AuditEventSchema) } },
      },
      ...COMMON_ERRORS,
    },
  }),
  async (c) => {
    const principal = c.get("principal");
    // A plane admin reads its own plane's rows (src/planes/access.ts lets it reach this route).
    const planeId = principal.kind === "plane_admin" ? principal.constraints?.planeId : undefined;
    if (planeId === undefined) requireScope(principal, "admin");
    const q = c.req.valid("query");
    const page = await queryAudit(createDb(c.env.DB), { ...q, planeId });
    return c.json({ data: page.data.map(toWire), next_page: page.next_page }, 200);
  },
);
