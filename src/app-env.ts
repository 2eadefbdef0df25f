/** The Hono environment every route and middleware shares: bindings and per-request variables. */
import type { Principal } from "./auth/principal";
import type { MatchedRoute } from "./auth/route-policy";
import type { RuntimeConfig } from "./config";

export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    config: RuntimeConfig;
    /** Set by the auth middleware; absent only on public routes. */
    principal: Principal;
    /** The route the request matched, with its declared policy (src/middleware/route-policy.ts); absent when none did. */
    route?: MatchedRoute;
    /** The resource a mutating call acted on, for the audit row (creates set the new id). */
    auditTarget?: string;
    /** The plane a call concerned, when not the caller's own (plane routes set it), for the audit row. */
    auditPlane?: string;
    /** The machine code of the error this request answered with, if any. */
    errorCode?: string;
  };
}
