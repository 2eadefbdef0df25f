/**
 * 405 instead of 404 for a known path asked with a method it does not support: `PUT /v1/agents`
 * names a real resource, so the answer says which methods it has (`Allow: GET, POST`), as HTTP
 * asks, instead of claiming nothing is there. The routes known are the ones in the OpenAPI
 * registry, i.e. every documented operation.
 */
import { ApiError } from "../errors";

interface RouteDefinition {
  type: string;
  route?: { method: string; path: string };
}

/** `/v1/agents/{agent_id}` → a pattern matching one concrete path. */
function templatePattern(template: string): RegExp {
  const escaped = template
    .split(/\{[^}]+\}/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join("[^/]+");
  return new RegExp(`^${escaped.replace(/\/$/, "")}/?$`);
}

/** The methods the documented routes support on `path`, upper-case and sorted (HEAD with GET). */
export function allowedMethods(definitions: readonly RouteDefinition[], path: string): string[] {
  const methods = new Set<string>();
  for (const def of definitions) {
    if (def.type !== "route" || !def.route) continue;
    if (!templatePattern(def.route.path).test(path)) continue;
    const method = def.route.method.toUpperCase();
    methods.add(method);
    if (method === "GET") methods.add("HEAD");
  }
  return [...methods].sort();
}

/** The error for a request no route matched: 405 with `Allow` on a known path, else 404. */
export function unmatchedRouteError(
  definitions: readonly RouteDefinition[],
  method: string,
  path: string,
): ApiError {
  const allowed = allowedMethods(definitions, path);
  if (allowed.length === 0) return new ApiError("not_found", `no route for ${method} ${path}`);
  return new ApiError(
    "method_not_allowed",
    `${method} is not supported on ${path}; allowed: ${allowed.join(", ")}`,
    {
      headers: { allow: allowed.join(", ") },
    },
  );
}
