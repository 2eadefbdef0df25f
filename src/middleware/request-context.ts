/**
 * First middleware: gives every request an id (`request-id` header, echoed in error bodies),
 * reads the configuration, writes one structured JSON log line when the response is done, and
 * lets go of a request body a refusal left unread (src/lib/request-body.ts).
 */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { readConfig } from "../config";
import { newId } from "../lib/ids";
import { log, setLogLevel } from "../lib/log";
import { discardUnreadBody } from "../lib/request-body";

export const requestContext = createMiddleware<AppEnv>(async (c, next) => {
  const started = Date.now();
  setLogLevel(c.env.LOG_LEVEL);
  const requestId = newId("request");
  c.set("requestId", requestId);
  c.set("config", readConfig(c.env));
  await next();
  if (c.res.status >= 400) discardUnreadBody(c.req.raw);
  c.res.headers.set("request-id", requestId);
  log("info", "request", {
    request_id: requestId,
    method: c.req.method,
    path: c.req.path,
    status: c.res.status,
    duration_ms: Date.now() - started,
    actor: c.get("principal")?.id,
  });
});
