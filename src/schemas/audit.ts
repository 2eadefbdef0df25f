/** Wire shapes of the audit log (`GET /v1/audit`). */
import { z } from "@hono/zod-openapi";
import { LimitQuery, PageQuery, TimestampQuery } from "./common";

export const AuditEventSchema = z
  .object({
    id: z.string(),
    type: z.literal("audit_event"),
    at: z.string(),
    request_id: z.string(),
    actor: z.object({ type: z.string(), id: z.string() }),
    action: z.string().openapi({ example: "agents.update" }),
    target: z.string().nullable(),
    outcome: z.enum(["success", "failure"]),
    status: z.number().int(),
    error_code: z.string().nullable(),
  })
  .openapi("AuditEvent");
export type AuditEvent = z.infer<typeof AuditEventSchema>;

export const AuditQuerySchema = z.object({
  limit: LimitQuery,
  page: PageQuery,
  since: TimestampQuery.openapi({ description: "Only events at or after this RFC 3339 time" }),
  until: TimestampQuery.openapi({ description: "Only events at or before this RFC 3339 time" }),
  action: z
    .string()
    .min(1)
    .max(128)
    .optional()
    .openapi({ description: "Exact action, or a pattern with `*` wildcards (`agents.*`)" }),
  target: z.string().min(1).max(128).optional().openapi({ description: "Resource id acted on" }),
  actor: z.string().min(1).max(128).optional().openapi({ description: "`admin` or an API key id" }),
});
