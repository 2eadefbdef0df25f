/** `GET /v1/runtime_pool`: the warm pool's size and counters (README, "Warm pool"). Requires `admin`. */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { validationHook } from "../middleware/validation";
import { runtimePoolStatus } from "../runtime/pool-status";
import { COMMON_ERRORS } from "../schemas/common";
import { RuntimePoolStatusSchema } from "../schemas/runtime-pool";
import { defineRoute, jsonResponse } from "./define-route";

export const runtimePoolRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

runtimePoolRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/",
    tags: ["runtime pool"],
    summary: "The warm pool: idle and warming runtimes, claims, misses, refills",
    scope: "admin",
    audit: false,
    responses: {
      200: jsonResponse(RuntimePoolStatusSchema, "The warm pool's status"),
      ...COMMON_ERRORS,
    },
  }),
  async (c) => c.json(await runtimePoolStatus(c.env), 200),
);
