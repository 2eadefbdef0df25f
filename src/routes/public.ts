/**
 * Unauthenticated routes: liveness, and `/` and `/docs` for people (routes/docs.ts). Outside
 * `/v1`, so no route policy: nothing here is scoped, audited or reachable only by some callers.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { validationHook } from "../middleware/validation";
import { jsonResponse } from "./define-route";
import { docsRoutes } from "./docs";

export const publicRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

const HealthSchema = z.object({ status: z.literal("ok"), time: z.string() }).openapi("Health");

publicRoutes.openapi(
  createRoute({
    method: "get",
    path: "/healthz",
    tags: ["meta"],
    summary: "Liveness probe (no auth)",
    security: [],
    responses: { 200: jsonResponse(HealthSchema, "The Worker is up") },
  }),
  (c) => c.json({ status: "ok" as const, time: new Date().toISOString() }, 200),
);

// A browser opening the Worker's origin lands on the API reference.
publicRoutes.get("/", (c) => c.redirect("/docs", 302));
publicRoutes.route("/", docsRoutes);
