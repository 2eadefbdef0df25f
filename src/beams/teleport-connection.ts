/**
 * The Teleport connection delegation goes through: the org's (scope "org") and each plane's
 * setting (scope = plane id). The bot credential is sealed with the vault keyring, bound to its
 * scope (a ciphertext copied onto another row does not open), and only {@link openConnection}
 * — called by the connector, never by a route that answers a caller — reads it back.
 */
import { and, eq, isNotNull } from "drizzle-orm";
import type { Db } from "../db/client";
import { teleportConnections } from "../db/schema";
import { ApiError } from "../errors";
import type { Keyring } from "../lib/keyring";
import { envelopeKeyId, open, resealRows, seal } from "../lib/sealed-secrets";
import { toRfc3339 } from "../lib/time";
import type { TeleportConnectionWire } from "../schemas/beams";

export const ORG_SCOPE = "org";

type Row = typeof teleportConnections.$inferSelect;

/** The additional data a connection's sealed credential is bound to. */
function credentialAad(scope: string): string {
  return `clawplane.teleport_connection.v1:${scope}`;
}

export function connectionToWire(row: Row): TeleportConnectionWire {
  return {
    type: "teleport_connection",
    scope: row.scope,
    proxy_address: row.proxyAddress,
    bot_name: row.botName,
    credential:
      row.credentialType === "join_token" || row.credentialType === "identity"
        ? { type: row.credentialType }
        : null,
    delegation_allowed: row.delegationAllowed,
    created_at: toRfc3339(row.createdAt),
    updated_at: toRfc3339(row.updatedAt),
  };
}

export async function getConnectionRow(db: Db, scope: string): Promise<Row | undefined> {
  return db.select().from(teleportConnections).where(eq(teleportConnections.scope, scope)).get();
}

/** Sets the org's connection; the credential replaces any earlier one (it is never merged). */
export async function putOrgConnection(
  db: Db,
  keyring: Keyring,
  body: {
    proxy_address: string;
    bot_name: string;
    credential: { type: "join_token"; token: string } | { type: "identity"; identity: string };
    delegation_allowed?: boolean;
  },
  now: number,
): Promise<Row> {
  const secret = body.credential.type === "join_token" ? body.credential.token : body.credential.identity;
  const { envelope } = await seal(keyring, credentialAad(ORG_SCOPE), secret);
  const values = {
    proxyAddress: body.proxy_address,
    botName: body.bot_name,
    credentialType: body.credential.type,
    sealedCredential: envelope,
    delegationAllowed: body.delegation_allowed ?? true,
    updatedAt: now,
  };
  const row = await db
    .insert(teleportConnections)
    .values({ scope: ORG_SCOPE, createdAt: now, ...values })
    .onConflictDoUpdate({ target: teleportConnections.scope, set: values })
    .returning()
    .get();
  return row;
}

/** Sets whether a plane's members may delegate (the org's connection serves them). */
export async function putPlaneSetting(db: Db, planeId: string, allowed: boolean, now: number): Promise<Row> {
  return db
    .insert(teleportConnections)
    .values({ scope: planeId, delegationAllowed: allowed, createdAt: now, updatedAt: now })
    .onConflictDoUpdate({
      target: teleportConnections.scope,
      set: { delegationAllowed: allowed, updatedAt: now },
    })
    .returning()
    .get();
}

export async function deleteConnection(db: Db, scope: string): Promise<boolean> {
  const gone = await db
    .delete(teleportConnections)
    .where(eq(teleportConnections.scope, scope))
    .returning()
    .all();
  return gone.length > 0;
}

/** What the connector needs to reach the cluster as the bot (the only reader of the secret). */
export interface OpenedConnection {
  proxyAddress: string;
  botName: string;
  credential: { type: "join_token" | "identity"; secret: string };
}

export async function openConnection(db: Db, keyring: Keyring): Promise<OpenedConnection | null> {
  const row = await getConnectionRow(db, ORG_SCOPE);
  if (!row?.sealedCredential || !row.proxyAddress || !row.botName) return null;
  const secret = await open(keyring, credentialAad(ORG_SCOPE), row.sealedCredential);
  const type = row.credentialType === "identity" ? "identity" : "join_token";
  return { proxyAddress: row.proxyAddress, botName: row.botName, credential: { type, secret } };
}

/**
 * Whether a session may delegate: the org must have a connection that allows it, and the
 * session's plane (if any) must not forbid it. Throws the error the `beam_agent` call answers.
 */
export async function assertDelegationAllowed(db: Db, planeId: string | null): Promise<Row> {
  const org = await getConnectionRow(db, ORG_SCOPE);
  if (!org?.sealedCredential) {
    throw new ApiError("teleport_not_configured", "no Teleport connection is configured for delegation");
  }
  if (!org.delegationAllowed) {
    throw new ApiError(
      "beam_delegation_forbidden",
      "delegation to beams is turned off for this organisation",
    );
  }
  if (planeId) {
    const plane = await getConnectionRow(db, planeId);
    if (plane && !plane.delegationAllowed) {
      throw new ApiError("beam_delegation_forbidden", "delegation to beams is forbidden in this plane");
    }
  }
  return org;
}

/**
 * The key rotation sweep's part for Teleport connections (`POST /v1/vaults/rotate`): re-seals
 * every bot credential still under an older key. One row per scope (the org and each plane), so
 * all of them in one call; the key id is read off the envelope, as the row keeps no copy.
 */
export async function reencryptTeleportCredentials(
  db: Db,
  keyring: Keyring,
): Promise<{ reencrypted: number; failed: string[]; remaining: number }> {
  const rows = await db
    .select()
    .from(teleportConnections)
    .where(isNotNull(teleportConnections.sealedCredential));
  const stale = rows
    .filter((row) => envelopeKeyId(row.sealedCredential as string) !== keyring.currentId)
    .map((row) => ({
      id: row.scope,
      aad: credentialAad(row.scope),
      envelope: row.sealedCredential as string,
    }));
  const result = await resealRows(keyring, stale, async (row, { envelope }) => {
    const updated = await db
      .update(teleportConnections)
      .set({ sealedCredential: envelope })
      .where(
        and(eq(teleportConnections.scope, row.id), eq(teleportConnections.sealedCredential, row.envelope)),
      )
      .returning({ scope: teleportConnections.scope });
    return updated.length > 0;
  });
  return { ...result, remaining: result.failed.length };
}
