/**
 * Writes an audit row for every mutating call that got past authentication: who, what,
 * on which target, and how it ended. Runs after the handler so the outcome is known; a failed
 * call is recorded too (an attempted change is exactly what an auditor wants to see).
 */
import { createMiddleware } from "hono/factory";
import { routePath } from "hono/route";
import type { AppEnv } from "../app-env";
import { auditActionFor, isMutating } from "../audit/actions";
import { appendAudit } from "../db/audit";
import { createDb } from "../db/client";
import { describeError, log } from "../lib/log";

export const audit = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  if (!isMutating(c.req.method)) return;
  const route = routePath(c, -1);
  // No route matched (the 404 handler answered): nothing was acted on.
  if (!route.startsWith("/v1/") || route.endsWith("*")) return;

  const principal = c.get("principal");
  const status = c.res.status;
  const params = c.req.param() as Record<string, string>;
  try {
    await appendAudit(createDb(c.env.DB), {
      at: Date.now(),
      requestId: c.get("requestId"),
      actorType: principal.kind,
      actorId: principal.id,
      action: auditActionFor(c.req.method, route),
      target: c.get("auditTarget") ?? Object.values(params)[0] ?? null,
      outcome: status < 400 ? "success" : "failure",
      status,
      errorCode: c.get("errorCode") ?? null,
      planeId: c.get("auditPlane") ?? principal.constraints?.planeId ?? null,
    });
  } catch (err) {
    // The change already happened; losing its audit row must be loud in the logs.
    log("error", "audit write failed", { request_id: c.get("requestId"), ...describeError(err) });
  }
});
