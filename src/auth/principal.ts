/**
 * Who is calling, and what they may do.
 *
 * Routes never look at how a caller authenticated; they ask the principal for a scope.
 * Plane admins and members (plane-scoped tokens) become further principal kinds with a
 * `constraints` object that stores filter by, so routes stay unchanged when they arrive.
 */
import { ApiError } from "../errors";

/** Scopes, from least to most powerful. `admin` manages API keys and reads the audit log. */
export const SCOPES = ["read", "write", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

export interface Principal {
  /** How the caller authenticated. */
  kind: "admin_key" | "api_key";
  /** Stable id recorded in the audit log: `admin` or the API key's id. */
  id: string;
  /** Human label (the key's name) for logs. */
  label: string;
  scopes: ReadonlySet<Scope>;
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
