/** Unauthenticated routes: liveness and the human-readable API docs. */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { validationHook } from "../middleware/validation";

export const publicRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

const HealthSchema = z.object({ status: z.literal("ok"), time: z.string() }).openapi("Health");

publicRoutes.openapi(
  createRoute({
    method: "get",
    path: "/healthz",
    tags: ["meta"],
    summary: "Liveness probe (no auth)",
    security: [],
    responses: {
      200: { description: "The Worker is up", content: { "application/json": { schema: HealthSchema } } },
    },
  }),
  (c) => c.json({ status: "ok" as const, time: new Date().toISOString() }, 200),
);

/**
 * The docs page renders /openapi.json with Scalar's API reference, loaded from its CDN by the
 * reader's browser; the Worker itself ships no UI code.
 */
const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <title>Clawplane API</title>
</head>
<body>
  <noscript>The interactive reference needs JavaScript. The raw document is at <a href="/openapi.json">/openapi.json</a>.</noscript>
  <script id="api-reference" data-url="/openapi.json"></script>
  <script src="https://cdn.jsdelivr.net/npm/@scalar/api-reference"></script>
</body>
</html>`;

publicRoutes.get("/docs", (c) => c.html(DOCS_HTML));
