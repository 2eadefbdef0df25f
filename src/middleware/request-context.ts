/**
 * First middleware: gives every request an id (`request-id` header, echoed in error bodies),
 * reads the configuration, and writes one structured JSON log line when the response is done.
 */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { readConfig } from "../config";
import { newId } from "../lib/ids";
import { log, setLogLevel } from "../lib/log";

export const requestContext = createMiddleware<AppEnv>(async (c, next) => {
  const started = Date.now();
  setLogLevel(c.env.LOG_LEVEL);
  const requestId = newId("request");
  c.set("requestId", requestId);
  c.set("config", readConfig(c.env));
  await next();
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
