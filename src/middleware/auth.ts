/**
 * Authentication: the admin key (Worker secret `ADMIN_API_KEY`), an API key from D1, or a
 * plane token (`cpa_`/`cpm_`, src/planes/tokens.ts),
 * presented as `Authorization: Bearer <key>` (what SDK 1.12 sends) or `x-api-key: <key>`.
 * `authenticate` sets `principal`; `authorize` checks it against the scope the matched route
 * declares (src/auth/route-policy.ts). A request that proves no credential (none, malformed,
 * ambiguous or wrong) is charged to its client IP's rate-limit bucket before it is refused, so
 * guessing keys is throttled (src/middleware/rate-limit.ts).
 */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { adminPrincipal, type Principal, requireScope, type Scope } from "../auth/principal";
import { liveApiKey } from "../db/api-key-cache";
import { touchApiKey } from "../db/api-keys";
import { createDb } from "../db/client";
import { ApiError } from "../errors";
import { timingSafeEqualStrings } from "../lib/crypto";
import { isPlaneToken, principalForPlaneToken } from "../planes/tokens";
import { presentedCredential } from "./credentials";
import { throttleUnproven } from "./rate-limit";

export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  let principal: Principal;
  try {
    const credential = presentedCredential(c.req.raw.headers);
    if (!credential) {
      throw new ApiError(
        "authentication_required",
        "missing API key: send it as 'Authorization: Bearer <key>' or 'x-api-key: <key>'",
      );
    }
    principal = await resolvePrincipal(c.env, credential, (p) => c.executionCtx.waitUntil(p));
  } catch (err) {
    // 429 instead of the 401 once this IP has spent its budget of unproven requests.
    if (err instanceof ApiError && err.status === 401) await throttleUnproven(c);
    throw err;
  }
  c.set("principal", principal);
  await next();
});

/**
 * The scope check: the admin key and API keys need the scope the matched route declares. Plane
 * tokens are confined by the route's `member`/`planeAdmin` rules instead (src/planes/access.ts).
 * Runs inside the audit layer, so a refusal is recorded like any other call.
 */
export const authorize = createMiddleware<AppEnv>(async (c, next) => {
  const route = c.get("route");
  const principal = c.get("principal");
  if (route && (principal.kind === "admin_key" || principal.kind === "api_key")) {
    requireScope(principal, route.policy.scope);
  }
  await next();
});

async function resolvePrincipal(
  env: Env,
  credential: string,
  waitUntil: (p: Promise<unknown>) => void,
): Promise<Principal> {
  const adminKey = env.ADMIN_API_KEY;
  if (adminKey && (await timingSafeEqualStrings(credential, adminKey))) return adminPrincipal();

  const db = createDb(env.DB);
  if (isPlaneToken(credential)) {
    const plane = await principalForPlaneToken(db, credential);
    if (!plane) throw new ApiError("invalid_api_key", "invalid or revoked plane token");
    return plane;
  }
  const now = Date.now();
  // From the isolate's cache while fresh (revocation semantics: src/db/api-key-cache.ts).
  const row = await liveApiKey(db, credential, now);
  if (!row) throw new ApiError("invalid_api_key", "invalid, expired or revoked API key");
  waitUntil(touchApiKey(db, row, now));
  return { kind: "api_key", id: row.id, label: row.name, scopes: new Set(row.scopes as Scope[]) };
}
