/**
 * How a route is declared, once: `defineRoute` takes what `createRoute` takes (method, path,
 * request, responses, docs) plus the route's policy — the scope an API key needs, the action
 * the audit log records, and what plane tokens may do (src/auth/route-policy.ts). The policy
 * travels inside the route config into the app's OpenAPI registry, where the middleware finds
 * it for the route a request matched (src/middleware/route-policy.ts). Plus the JSON request
 * and response shapes every route module describes.
 */
import { createRoute, type RouteConfig, type z } from "@hono/zod-openapi";
import { ROUTE_POLICY, type RoutePolicy } from "../auth/route-policy";

export function defineRoute<P extends string, R extends Omit<RouteConfig, "path"> & { path: P }>(
  declaration: R & RoutePolicy,
) {
  const { scope, audit, member, planeAdmin, ...route } = declaration;
  const policy: RoutePolicy = { scope, audit, ...(member && { member }), ...(planeAdmin && { planeAdmin }) };
  // `route` is R without the policy fields, which TypeScript cannot name as an R.
  return createRoute({ ...(route as unknown as R), [ROUTE_POLICY]: policy });
}

/** A required JSON request body. */
export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});

/** A JSON response. */
export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});
