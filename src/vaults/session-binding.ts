/**
 * Which vaults a new session may bind (`vault_ids` on session create). Every id must name a
 * live vault, once. A vault holding a live `environment_variable` credential is refused: such a
 * secret is meant for processes in the container, and Clawplane does not yet substitute it at
 * the egress edge (the contract's placeholder scheme), so binding it would either put the
 * secret in the container or silently drop it. MCP credentials (`static_bearer`, `mcp_oauth`)
 * are applied by the MCP proxy and never enter the container.
 */
import { and, eq, inArray, isNull } from "drizzle-orm";
import type { Db } from "../db/client";
import { vaultCredentials, vaults } from "../db/schema";
import { ApiError } from "../errors";

/**
 * Checks `vaultIds` and returns them in order. Throws 404 `vault_not_found`, 400
 * `vault_archived` or 400 `invalid_request`, each naming the field `vault_ids.N`.
 */
export async function assertBindableVaults(db: Db, vaultIds: readonly string[]): Promise<string[]> {
  if (vaultIds.length === 0) return [];
  const seen = new Map<string, number>();
  vaultIds.forEach((id, i) => {
    const first = seen.get(id);
    if (first !== undefined) {
      const message = `duplicate of vault_ids.${first}`;
      throw new ApiError("invalid_request", `vault ${id} is listed twice`, {
        fields: [{ path: `vault_ids.${i}`, message }],
      });
    }
    seen.set(id, i);
  });
  const ids = [...vaultIds];
  const rows = await db.select().from(vaults).where(inArray(vaults.id, ids));
  const byId = new Map(rows.map((r) => [r.id, r]));
  ids.forEach((id, i) => {
    const row = byId.get(id);
    const path = `vault_ids.${i}`;
    if (!row) {
      throw new ApiError("vault_not_found", `vault ${id} not found`, {
        fields: [{ path, message: "not found" }],
      });
    }
    if (row.archivedAt !== null) {
      throw new ApiError("vault_archived", `vault ${id} is archived and cannot be bound to a session`, {
        fields: [{ path, message: "archived" }],
      });
    }
  });
  const envCredentials = await db
    .select({ id: vaultCredentials.id, vaultId: vaultCredentials.vaultId })
    .from(vaultCredentials)
    .where(
      and(
        inArray(vaultCredentials.vaultId, ids),
        eq(vaultCredentials.authType, "environment_variable"),
        isNull(vaultCredentials.archivedAt),
      ),
    );
  const offending = envCredentials[0];
  if (offending) {
    const i = ids.indexOf(offending.vaultId);
    const message =
      `vault ${offending.vaultId} holds environment_variable credential ${offending.id}; sessions cannot ` +
      "use environment_variable credentials yet (their secret would have to enter the agent's container). " +
      "Keep them in a vault you do not bind, or archive them";
    throw new ApiError("invalid_request", message, {
      fields: [{ path: `vault_ids.${i}`, message: "holds environment_variable credentials" }],
    });
  }
  return ids;
}
