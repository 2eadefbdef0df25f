/**
 * Finds the route a request matched and the policy it declares (src/auth/route-policy.ts), and
 * puts both on the context for the layers after it: audit, the scope check and plane-token
 * confinement. Policies are read from the app's OpenAPI registry, where every route declared
 * with `defineRoute` lands with its full mounted path, so the table cannot drift from the routes.
 *
 * A matched route without a policy is refused: running it would skip the scope check.
 * test/integration/route-policies.test.ts keeps every route declared.
 */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { matchedRoutes } from "hono/route";
import type { AppEnv } from "../app-env";
import { type RoutePolicy, routePolicyOf } from "../auth/route-policy";
import { ApiError } from "../errors";

interface RouteRegistry {
  definitions: readonly { type: string; route?: { method: string; path: string } }[];
}

/** `METHOD /v1/agents/:agent_id` (the pattern as Hono registers it) → the route's policy. */
function policyTable(registry: RouteRegistry): Map<string, RoutePolicy> {
  const table = new Map<string, RoutePolicy>();
  for (const def of registry.definitions) {
    const policy = def.type === "route" && def.route ? routePolicyOf(def.route) : undefined;
    if (!def.route || !policy) continue;
    const pattern = def.route.path.replaceAll(/\{([^}]+)\}/g, ":$1");
    table.set(`${def.route.method.toUpperCase()} ${pattern}`, policy);
  }
  return table;
}

/**
 * The route that answers: the first matched entry registered for a method (middleware is
 * registered for ALL). Not the last match: `POST /v1/vaults/rotate` also matches the later
 * `POST /v1/vaults/:vault_id`, but the first one answers. A HEAD request matches as GET.
 */
function answeringRoute(c: Context<AppEnv>): { method: string; path: string } | undefined {
  return matchedRoutes(c).find((route) => route.method !== "ALL");
}

/** Sets `route` from `registry` (read on the first request, once every route is mounted). */
export function routePolicy(registry: RouteRegistry) {
  let table: Map<string, RoutePolicy> | undefined;
  return createMiddleware<AppEnv>(async (c, next) => {
    const route = answeringRoute(c);
    // No route matched: the 404 handler answers, as for anyone.
    if (!route) return next();
    table ??= policyTable(registry);
    const policy = table.get(`${route.method} ${route.path}`);
    if (!policy) {
      throw new ApiError(
        "internal_error",
        "internal error; retry later, and quote the request id if it persists",
        {
          cause: new Error(
            `${route.method} ${route.path} is not declared with defineRoute: no scope to check`,
          ),
        },
      );
    }
    c.set("route", { pattern: route.path, policy });
    return next();
  });
}
