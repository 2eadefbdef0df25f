/**
 * Who is calling, and what they may do.
 *
 * Routes never look at how a caller authenticated; they declare the scope they need
 * (src/auth/route-policy.ts), which the auth middleware asks the principal for.
 * Plane admins and members (plane tokens, src/planes/tokens.ts) are further kinds carrying
 * `constraints`: what they may see. src/planes/access.ts enforces them for every route (deny by
 * default: only routes whose policy admits plane tokens, src/auth/route-policy.ts), and list
 * routes filter by them.
 */
import { ApiError } from "../errors";

/** Scopes, from least to most powerful. `admin` manages API keys and reads the audit log. */
export const SCOPES = ["read", "write", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

/** What a plane credential is confined to. Members carry their own resources' ids. */
export interface PlaneConstraints {
  planeId: string;
  memberId?: string;
  agentId?: string;
  environmentId?: string;
  vaultId?: string;
}

export interface Principal {
  /** How the caller authenticated. */
  kind: "admin_key" | "api_key" | "plane_admin" | "plane_member";
  /** Stable id recorded in the audit log: `admin` or the API key's id. */
  id: string;
  /** Human label (the key's name) for logs. */
  label: string;
  scopes: ReadonlySet<Scope>;
  /** Present exactly for the plane kinds. */
  constraints?: PlaneConstraints;
}

/** The member's constraints when the caller is a plane member, else null. */
export function memberConstraints(p: Principal): Required<PlaneConstraints> | null {
  return p.kind === "plane_member" && p.constraints ? (p.constraints as Required<PlaneConstraints>) : null;
}

/** Org admin: the admin key, or an API key with the `admin` scope. Manages every plane. */
export function isOrgAdmin(p: Principal): boolean {
  return (p.kind === "admin_key" || p.kind === "api_key") && p.scopes.has("admin");
}

/** The admin key from the Worker secret: every scope. */
export function adminPrincipal(): Principal {
  return { kind: "admin_key", id: "admin", label: "admin key", scopes: new Set(SCOPES) };
}

/** Throws 403 unless the principal holds `scope`. */
export function requireScope(principal: Principal, scope: Scope): void {
  if (!principal.scopes.has(scope)) {
    throw new ApiError("permission_denied", `this API key lacks the '${scope}' scope`, {
      details: { required_scope: scope },
    });
  }
}
