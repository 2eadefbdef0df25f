/**
 * Names of audited actions, keyed by `METHOD route-path`. One table, so the audit vocabulary
 * is reviewed in one place and stays stable when handlers move. A mutating route missing
 * here is still audited, under its method and path.
 */
const ACTIONS: Record<string, string> = {
  "POST /v1/agents": "agents.create",
  "POST /v1/agents/:agent_id": "agents.update",
  "POST /v1/agents/:agent_id/archive": "agents.archive",
  "POST /v1/environments": "environments.create",
  "POST /v1/environments/:environment_id": "environments.update",
  "POST /v1/environments/:environment_id/archive": "environments.archive",
  "DELETE /v1/environments/:environment_id": "environments.delete",
  "POST /v1/sessions": "sessions.create",
  "POST /v1/sessions/:session_id": "sessions.update",
  "POST /v1/sessions/:session_id/archive": "sessions.archive",
  "DELETE /v1/sessions/:session_id": "sessions.delete",
  "POST /v1/sessions/:session_id/events": "sessions.events.send",
  "POST /v1/vaults": "vaults.create",
  "POST /v1/vaults/rotate": "vaults.rotate_keys",
  "POST /v1/vaults/:vault_id": "vaults.update",
  "POST /v1/vaults/:vault_id/archive": "vaults.archive",
  "DELETE /v1/vaults/:vault_id": "vaults.delete",
  "POST /v1/vaults/:vault_id/credentials": "vaults.credentials.create",
  "POST /v1/vaults/:vault_id/credentials/:credential_id": "vaults.credentials.update",
  "POST /v1/vaults/:vault_id/credentials/:credential_id/archive": "vaults.credentials.archive",
  "DELETE /v1/vaults/:vault_id/credentials/:credential_id": "vaults.credentials.delete",
  "POST /v1/api_keys": "api_keys.create",
  "POST /v1/api_keys/:api_key_id/revoke": "api_keys.revoke",
  "POST /v1/chat/completions": "chat.completions.create",
  "POST /v1/planes": "plane.create",
  "POST /v1/planes/:plane": "plane.update",
  "DELETE /v1/planes/:plane": "plane.delete",
  "POST /v1/planes/:plane/admin_tokens": "plane.admin_token.create",
  "POST /v1/planes/:plane/admin_tokens/:token_id/revoke": "plane.admin_token.revoke",
  "POST /v1/planes/:plane/members": "plane.member.add",
  "DELETE /v1/planes/:plane/members/:member": "plane.member.remove",
  "POST /v1/planes/:plane/members/:member/token": "plane.member.token.rotate",
  "POST /v1/planes/:plane/upgrades": "plane.upgrade",
  "POST /v1/planes/:plane/upgrades/:rollout/rollback": "plane.upgrade.rollback",
};

export function auditActionFor(method: string, routePath: string): string {
  return ACTIONS[`${method} ${routePath}`] ?? `${method} ${routePath}`;
}

/** Methods that change state and therefore leave an audit row. */
export function isMutating(method: string): boolean {
  return method === "POST" || method === "PUT" || method === "PATCH" || method === "DELETE";
}
