/**
 * What plane credentials may reach. Org admins and API keys pass through untouched (their check
 * is the route's scope); for plane admins and members this middleware is deny-by-default: a
 * route whose policy (src/auth/route-policy.ts) has no `planeAdmin` flag, or no `member` rule,
 * answers them 403 `permission_denied`. Member routes check every id in the path (and, as their
 * rule says, in the body or the session header) against the member's own resources, and answer
 * anything else with the resource's ordinary 404, so a member cannot even learn that another
 * member's things exist. List routes narrow their queries with `memberConstraints`
 * (src/auth/principal.ts).
 *
 * It runs inside the audit layer, so refused attempts leave audit rows like any other call.
 */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { isOrgAdmin, memberConstraints, type PlaneConstraints, type Principal } from "../auth/principal";
import { channelOfAgent } from "../db/channels";
import { createDb, type Db } from "../db/client";
import { sessionRunsAgent } from "../db/sessions";
import { ApiError, type ErrorCode } from "../errors";
import { assertWithinBudget } from "./budget";
import { getPlane, type PlaneRow } from "./plane-store";

type IdParam = "agent_id" | "environment_id" | "vault_id" | "session_id" | "channel_id";

const NOT_FOUND: Record<IdParam, [ErrorCode, string]> = {
  agent_id: ["agent_not_found", "agent"],
  environment_id: ["environment_not_found", "environment"],
  vault_id: ["vault_not_found", "vault"],
  session_id: ["session_not_found", "session"],
  channel_id: ["channel_not_found", "channel"],
};

function denied(principal: Principal): ApiError {
  const who = principal.kind === "plane_member" ? "a plane member token" : "a plane admin token";
  return new ApiError("permission_denied", `${who} cannot perform this operation`);
}

/** The path parameters of `pattern` (`/v1/x/:id`) in `path`. */
function paramsOf(pattern: string, path: string): Record<string, string> {
  const names = pattern.split("/");
  const values = path.split("/");
  const out: Record<string, string> = {};
  names.forEach((name, i) => {
    if (name.startsWith(":") && values[i] !== undefined) out[name.slice(1)] = decodeURIComponent(values[i]);
  });
  return out;
}

async function assertOwns(
  db: Db,
  own: Required<PlaneConstraints>,
  param: IdParam,
  id: string,
  path?: string,
): Promise<void> {
  const mine =
    param === "agent_id"
      ? id === own.agentId
      : param === "environment_id"
        ? id === own.environmentId
        : param === "vault_id"
          ? id === own.vaultId
          : param === "channel_id"
            ? await channelOfAgent(db, id, own.agentId)
            : await sessionRunsAgent(db, id, own.agentId);
  if (mine) return;
  const [code, kind] = NOT_FOUND[param];
  throw new ApiError(
    code,
    `${kind} ${id} not found`,
    path ? { fields: [{ path, message: "not found" }] } : {},
  );
}

/** POST /v1/sessions by a member: the agent, environment and vaults named must be the member's. */
async function checkSessionBody(db: Db, own: Required<PlaneConstraints>, body: unknown): Promise<void> {
  if (typeof body !== "object" || body === null) return; // the validator answers
  const b = body as { agent?: unknown; environment_id?: unknown; vault_ids?: unknown };
  const agentId = typeof b.agent === "string" ? b.agent : (b.agent as { id?: unknown } | undefined)?.id;
  if (typeof agentId === "string") await assertOwns(db, own, "agent_id", agentId, "agent");
  if (typeof b.environment_id === "string")
    await assertOwns(db, own, "environment_id", b.environment_id, "environment_id");
  if (Array.isArray(b.vault_ids)) {
    for (const [i, id] of b.vault_ids.entries()) {
      if (typeof id === "string") await assertOwns(db, own, "vault_id", id, `vault_ids.${i}`);
    }
  }
}

function sendsUserMessage(body: unknown): boolean {
  const events = (body as { events?: unknown } | null)?.events;
  return (
    Array.isArray(events) && events.some((e) => (e as { type?: unknown } | null)?.type === "user.message")
  );
}

export const planeScope = createMiddleware<AppEnv>(async (c, next) => {
  const principal = c.get("principal");
  if (principal.kind !== "plane_admin" && principal.kind !== "plane_member") return next();
  const route = c.get("route");
  // No route matched: let the 404 handler answer as for anyone.
  if (!route) return next();

  if (principal.kind === "plane_admin") {
    if (route.policy.planeAdmin) return next();
    throw denied(principal);
  }

  const own = memberConstraints(principal);
  const rule = route.policy.member;
  if (!own || !rule) throw denied(principal);
  const db = createDb(c.env.DB);
  const params = paramsOf(route.pattern, c.req.path);
  for (const param of Object.keys(NOT_FOUND) as IdParam[]) {
    const id = params[param];
    if (id !== undefined) await assertOwns(db, own, param, id);
  }
  const sessionHeader = rule.sessionHeader ? c.req.header("x-clawplane-session-id") : undefined;
  if (sessionHeader) await assertOwns(db, own, "session_id", sessionHeader, "headers.x-clawplane-session-id");
  const body =
    rule.sessionBody || rule.budget === "user_message" ? await c.req.json().catch(() => null) : null;
  if (rule.sessionBody) await checkSessionBody(db, own, body);
  if (rule.budget === "always" || (rule.budget === "user_message" && sendsUserMessage(body))) {
    await assertWithinBudget(db, own);
  }
  return next();
});

/**
 * The plane `ref` (id or name) as the caller may see it. Org admins see every live plane; a
 * plane admin only its own — another plane answers exactly like one that does not exist.
 * `orgOnly` operations (update/delete a plane, mint admin tokens) refuse plane admins with 403.
 */
export async function visiblePlane(
  db: Db,
  principal: Principal,
  ref: string,
  opts: { orgOnly?: boolean } = {},
): Promise<PlaneRow> {
  const orgAdmin = isOrgAdmin(principal);
  if (!orgAdmin && principal.kind !== "plane_admin") throw orgAdminNeeded();
  const plane = await getPlane(db, ref);
  if (!orgAdmin) {
    if (principal.constraints?.planeId !== plane.id)
      throw new ApiError("plane_not_found", `plane ${ref} not found`);
    if (opts.orgOnly) throw orgAdminNeeded();
  }
  return plane;
}

/** Creating planes and listing them all is for org admins; plane admins list their own. */
export function assertOrgAdmin(principal: Principal): void {
  if (!isOrgAdmin(principal)) throw orgAdminNeeded();
}

function orgAdminNeeded(): ApiError {
  return new ApiError(
    "permission_denied",
    "this operation needs an org admin credential (the admin key or an API key with the 'admin' scope)",
  );
}

/** No agent has this id: a member filtering by someone else's agent gets an empty list. */
const NO_AGENT = "agent_\u0000none";

/** The `agent_id` filter of a session list: a member's own agent, whatever it asked for. */
export function scopedAgentFilter(principal: Principal, requested: string | undefined): string | undefined {
  const own = memberConstraints(principal);
  if (!own) return requested;
  return requested === undefined || requested === own.agentId ? own.agentId : NO_AGENT;
}
