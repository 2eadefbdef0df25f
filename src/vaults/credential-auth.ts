/**
 * The rules of a credential's `auth`: splitting what a caller sends into the public half
 * (stored in clear, returned) and the secret half (sealed, never returned), applying updates,
 * and joining both halves back for the internal consumers that need the secrets.
 *
 * Update semantics (SDK 1.12.0 docs): the `type` cannot change; `mcp_server_url` and
 * `secret_name` are immutable (sending the stored value is tolerated); an omitted or null field
 * keeps its value, except `expires_at: null`, which clears the expiry, and `refresh.scope: ""`,
 * which clears the scope. `networking` is replaced as a whole; `injection_location` merges.
 */
import { ApiError } from "../errors";
import type { CredentialAuth, CredentialAuthCreate, CredentialAuthUpdate } from "../schemas/vaults";

/** The write-only values of a credential, by auth type. This object is what gets sealed. */
export type CredentialSecrets =
  | { type: "static_bearer"; token: string }
  | { type: "mcp_oauth"; access_token: string; refresh_token?: string; client_secret?: string }
  | { type: "environment_variable"; secret_value: string };

/** Public and secret halves of an auth object. */
export interface SplitAuth {
  auth: CredentialAuth;
  secrets: CredentialSecrets;
}

/** Where an `environment_variable` secret is substituted when the caller does not say. */
const DEFAULT_INJECTION = { header: true, body: false } as const;

function invalid(path: string, message: string): ApiError {
  return new ApiError("invalid_request", `${path}: ${message}`, { fields: [{ path, message }] });
}

function assertFuture(expiresAt: string | null | undefined, now: number): void {
  if (expiresAt != null && Date.parse(expiresAt) <= now) {
    throw invalid("auth.expires_at", "must be in the future");
  }
}

function assertInjectable(location: { header: boolean; body: boolean }): void {
  if (!location.header && !location.body) {
    throw invalid("auth.injection_location", "at least one of header and body must be true");
  }
}

/**
 * What makes two live credentials of a vault duplicates: the MCP server URL (normalised by the
 * URL parser: lower-case host, no trailing slash) or the environment variable name.
 */
export function matchKeyOf(auth: CredentialAuth): string {
  if (auth.type === "environment_variable") return `env:${auth.secret_name}`;
  return `mcp:${new URL(auth.mcp_server_url).href.replace(/\/+$/, "")}`;
}

/** Splits a create body's `auth`. Throws `invalid_request` for a past expiry or no injection location. */
export function splitCreateAuth(input: CredentialAuthCreate, now: number): SplitAuth {
  switch (input.type) {
    case "static_bearer":
      return {
        auth: { type: "static_bearer", mcp_server_url: input.mcp_server_url },
        secrets: { type: "static_bearer", token: input.token },
      };
    case "mcp_oauth": {
      assertFuture(input.expires_at, now);
      const r = input.refresh;
      const secrets: CredentialSecrets = { type: "mcp_oauth", access_token: input.access_token };
      if (r) secrets.refresh_token = r.refresh_token;
      if (r && r.token_endpoint_auth.type !== "none")
        secrets.client_secret = r.token_endpoint_auth.client_secret;
      return {
        auth: {
          type: "mcp_oauth",
          mcp_server_url: input.mcp_server_url,
          expires_at: input.expires_at ? new Date(input.expires_at).toISOString() : null,
          refresh: r
            ? {
                client_id: r.client_id,
                token_endpoint: r.token_endpoint,
                token_endpoint_auth: { type: r.token_endpoint_auth.type },
                scope: r.scope ?? null,
                resource: r.resource ?? null,
              }
            : null,
        },
        secrets,
      };
    }
    case "environment_variable": {
      const injection_location = { ...DEFAULT_INJECTION, ...input.injection_location };
      assertInjectable(injection_location);
      return {
        auth: {
          type: "environment_variable",
          secret_name: input.secret_name,
          networking: input.networking,
          injection_location,
        },
        secrets: { type: "environment_variable", secret_value: input.secret_value },
      };
    }
  }
}

function assertImmutable(path: string, sent: string | undefined, stored: string): void {
  if (sent !== undefined && sent !== stored) {
    throw new ApiError("credential_immutable_field", `${path} cannot be changed after create`, {
      fields: [{ path, message: "immutable after create" }],
    });
  }
}

/**
 * Applies an update's `auth` to the stored halves and returns the new halves. Throws
 * `credential_type_change`, `credential_immutable_field` or `invalid_request`.
 */
export function applyAuthUpdate(current: SplitAuth, update: CredentialAuthUpdate, now: number): SplitAuth {
  const { auth, secrets } = current;
  if (update.type !== auth.type || secrets.type !== auth.type) {
    const message = `auth.type cannot change from ${auth.type} to ${update.type}`;
    throw new ApiError("credential_type_change", message, { fields: [{ path: "auth.type", message }] });
  }
  if (update.type === "static_bearer" && auth.type === "static_bearer" && secrets.type === "static_bearer") {
    assertImmutable("auth.mcp_server_url", update.mcp_server_url, auth.mcp_server_url);
    return { auth, secrets: { ...secrets, token: update.token ?? secrets.token } };
  }
  if (update.type === "mcp_oauth" && auth.type === "mcp_oauth" && secrets.type === "mcp_oauth") {
    assertImmutable("auth.mcp_server_url", update.mcp_server_url, auth.mcp_server_url);
    assertFuture(update.expires_at, now);
    const nextSecrets = { ...secrets, access_token: update.access_token ?? secrets.access_token };
    let refresh = auth.refresh ?? null;
    const patch = update.refresh;
    if (patch) {
      if (!refresh) throw invalid("auth.refresh", "the credential has no refresh configuration to update");
      if (patch.refresh_token) nextSecrets.refresh_token = patch.refresh_token;
      const scope = patch.scope === "" ? null : (patch.scope ?? refresh.scope ?? null);
      if (patch.token_endpoint_auth) {
        // The stored auth method is kept even if the other client_secret method is sent.
        if (refresh.token_endpoint_auth.type === "none") {
          throw invalid("auth.refresh.token_endpoint_auth", "the token endpoint uses no client secret");
        }
        if (patch.token_endpoint_auth.client_secret) {
          nextSecrets.client_secret = patch.token_endpoint_auth.client_secret;
        }
      }
      refresh = { ...refresh, scope };
    }
    const expires_at =
      update.expires_at === undefined
        ? (auth.expires_at ?? null)
        : update.expires_at && new Date(update.expires_at).toISOString();
    return { auth: { ...auth, expires_at, refresh }, secrets: nextSecrets };
  }
  if (
    update.type === "environment_variable" &&
    auth.type === "environment_variable" &&
    secrets.type === "environment_variable"
  ) {
    assertImmutable("auth.secret_name", update.secret_name, auth.secret_name);
    const injection_location = { ...auth.injection_location, ...update.injection_location };
    assertInjectable(injection_location);
    return {
      auth: { ...auth, networking: update.networking ?? auth.networking, injection_location },
      secrets: { ...secrets, secret_value: update.secret_value ?? secrets.secret_value },
    };
  }
  throw new Error("unreachable: auth types checked above");
}

/** The full auth object, secrets included, as internal consumers (session runtime) need it. */
export type ResolvedAuth =
  | { type: "static_bearer"; mcp_server_url: string; token: string }
  | {
      type: "mcp_oauth";
      mcp_server_url: string;
      access_token: string;
      expires_at: string | null;
      refresh: {
        client_id: string;
        refresh_token: string;
        token_endpoint: string;
        token_endpoint_auth: {
          type: "none" | "client_secret_basic" | "client_secret_post";
          client_secret?: string;
        };
        scope: string | null;
        resource: string | null;
      } | null;
    }
  | (Extract<CredentialAuth, { type: "environment_variable" }> & { secret_value: string });

/** Joins the two halves back into one auth object with its secrets. */
export function joinAuth({ auth, secrets }: SplitAuth): ResolvedAuth {
  if (auth.type === "static_bearer" && secrets.type === "static_bearer")
    return { ...auth, token: secrets.token };
  if (auth.type === "environment_variable" && secrets.type === "environment_variable") {
    return { ...auth, secret_value: secrets.secret_value };
  }
  if (auth.type === "mcp_oauth" && secrets.type === "mcp_oauth") {
    const r = auth.refresh;
    return {
      type: "mcp_oauth",
      mcp_server_url: auth.mcp_server_url,
      access_token: secrets.access_token,
      expires_at: auth.expires_at ?? null,
      refresh: r
        ? {
            client_id: r.client_id,
            refresh_token: secrets.refresh_token ?? "",
            token_endpoint: r.token_endpoint,
            token_endpoint_auth: {
              type: r.token_endpoint_auth.type,
              ...(secrets.client_secret === undefined ? {} : { client_secret: secrets.client_secret }),
            },
            scope: r.scope ?? null,
            resource: r.resource ?? null,
          }
        : null,
    };
  }
  throw new Error(`credential secrets do not match auth type ${auth.type}`);
}
