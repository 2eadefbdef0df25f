/**
 * What each API route declares about itself besides its wire shape: who may call it and what
 * the audit log calls it. Routes declare it once, beside their path and schemas
 * (`defineRoute`, src/routes/define-route.ts); the scope check (src/middleware/auth.ts), the
 * audit layer (src/middleware/audit.ts) and the plane-token confinement (src/planes/access.ts)
 * all read that one declaration of the route a request matched.
 */
import type { Scope } from "./principal";

/** What a plane member token may do on a route; a route without one is refused to members. */
export interface MemberRule {
  /** Spending routes: refused with 429 once the member's budget is used up. */
  budget?: "always" | "user_message";
  /** POST /v1/sessions: the body names the agent, environment and vaults, which must be the member's. */
  sessionBody?: true;
  /** The `x-clawplane-session-id` header names a session, which must be the member's. */
  sessionHeader?: true;
}

export interface RoutePolicy {
  /** The scope an API key needs (the admin key has all). Plane tokens are confined instead by `member`/`planeAdmin`. */
  scope: Scope;
  /** The action the audit log records for every call that got past authentication, or `false`: none. */
  audit: string | false;
  /** Plane member tokens may call the route, under this rule. */
  member?: MemberRule;
  /** Plane admin tokens may call the route; the handler confines them to their own plane. */
  planeAdmin?: true;
}

/**
 * The key a route config carries its policy under. A symbol, so the OpenAPI generator, which
 * copies unknown route fields into the operation, leaves it out of /openapi.json (JSON has no
 * symbol keys), while the config (and the registry entries made from it) keep it.
 */
export const ROUTE_POLICY = Symbol("routePolicy");

/** The route a request matched: Hono's pattern (`/v1/agents/:agent_id`) and the policy it declares. */
export interface MatchedRoute {
  pattern: string;
  policy: RoutePolicy;
}

/** The policy a route config declares, if any. */
export function routePolicyOf(route: object): RoutePolicy | undefined {
  return (route as { [ROUTE_POLICY]?: RoutePolicy })[ROUTE_POLICY];
}
