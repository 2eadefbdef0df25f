/**
 * Which vaults a new session may bind (`vault_ids` on session create). Every id must name a
 * live vault, once. No credential enters the container: MCP credentials (`static_bearer`,
 * `mcp_oauth`) are applied by the MCP proxy, and `environment_variable` secrets reach the
 * runtime only as placeholders that the container's egress edge substitutes for the hosts each
 * credential allows (src/session/credential-env.ts, src/egress/secret-substitution.ts).
 */
import { inArray } from "drizzle-orm";
import type { Db } from "../db/client";
import { vaults } from "../db/schema";
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
  return ids;
}
