/**
 * Writes an audit row for every call that got past authentication to a route declaring an audit
 * action (every mutating route does: src/auth/route-policy.ts): who, what, on which target, and
 * how it ended. Runs after the handler so the outcome is known; a failed or refused call is
 * recorded too (an attempted change is exactly what an auditor wants to see).
 */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { appendAudit } from "../db/audit";
import { createDb } from "../db/client";
import { describeError, log } from "../lib/log";

export const audit = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  // No route matched (the 404 handler answered: nothing was acted on), or one that records nothing.
  const action = c.get("route")?.policy.audit;
  if (!action) return;

  const principal = c.get("principal");
  const status = c.res.status;
  const params = c.req.param() as Record<string, string>;
  try {
    await appendAudit(createDb(c.env.DB), {
      at: Date.now(),
      requestId: c.get("requestId"),
      actorType: principal.kind,
      actorId: principal.id,
      action,
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
