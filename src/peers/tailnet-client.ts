/**
 * The org's tailnet connection: the Tailscale OAuth client the connector's join keys are minted
 * from. Its secret is sealed with the vault keyring, bound to the scope (a ciphertext copied to
 * another row does not open), and only {@link openTailnetClient} — called by the connector's
 * Durable Object at boot, never by a route that answers a caller — reads it back.
 */
import { and, eq, ne } from "drizzle-orm";
import type { Db } from "../db/client";
import { tailnetConnections } from "../db/schema";
import type { Keyring } from "../lib/keyring";
import { open, resealRows, seal } from "../lib/sealed-secrets";
import type { TailnetConnectionPut } from "../schemas/tailnet";
import type { OAuthClient } from "./tailscale-keys";

export const TAILNET_ORG_SCOPE = "org";

export type TailnetConnectionRow = typeof tailnetConnections.$inferSelect;

const secretAad = (scope: string) => `clawplane.tailnet_oauth_client.v1:${scope}`;

/** Sets the org's OAuth client; the secret replaces any earlier one. */
export async function putTailnetConnection(
  db: Db,
  keyring: Keyring,
  body: TailnetConnectionPut,
  now: number,
): Promise<TailnetConnectionRow> {
  const sealed = await seal(keyring, secretAad(TAILNET_ORG_SCOPE), body.oauth_client_secret);
  const values = {
    oauthClientId: body.oauth_client_id,
    sealedClientSecret: sealed.envelope,
    secretKeyId: sealed.keyId,
    tags: body.tags,
    hostname: body.hostname,
    updatedAt: now,
  };
  return db
    .insert(tailnetConnections)
    .values({ scope: TAILNET_ORG_SCOPE, createdAt: now, ...values })
    .onConflictDoUpdate({ target: tailnetConnections.scope, set: values })
    .returning()
    .get();
}

export function getTailnetConnection(db: Db, scope = TAILNET_ORG_SCOPE) {
  return db.select().from(tailnetConnections).where(eq(tailnetConnections.scope, scope)).get();
}

/** The OAuth client and the node's settings, for one boot; null when none is configured. */
export async function openTailnetClient(
  db: Db,
  keyring: Keyring,
  scope = TAILNET_ORG_SCOPE,
): Promise<{ client: OAuthClient; tags: string[]; hostname: string } | null> {
  const row = await getTailnetConnection(db, scope);
  if (!row) return null;
  const clientSecret = await open(keyring, secretAad(scope), row.sealedClientSecret);
  return { client: { clientId: row.oauthClientId, clientSecret }, tags: row.tags, hostname: row.hostname };
}

/**
 * Key rotation (`POST /v1/vaults/rotate`): re-seals every OAuth client secret not under the
 * keyring's current key. There is one row per org scope, so one call covers them all.
 */
export async function reencryptTailnetClients(
  db: Db,
  keyring: Keyring,
): Promise<{ reencrypted: number; failed: string[]; remaining: number }> {
  const stale = await db
    .select()
    .from(tailnetConnections)
    .where(ne(tailnetConnections.secretKeyId, keyring.currentId));
  const rows = stale.map((row) => ({
    id: row.scope,
    aad: secretAad(row.scope),
    envelope: row.sealedClientSecret,
  }));
  const result = await resealRows(keyring, rows, async (row, { envelope, keyId }) => {
    const updated = await db
      .update(tailnetConnections)
      .set({ sealedClientSecret: envelope, secretKeyId: keyId })
      .where(
        and(eq(tailnetConnections.scope, row.id), eq(tailnetConnections.sealedClientSecret, row.envelope)),
      )
      .returning({ scope: tailnetConnections.scope });
    return updated.length > 0;
  });
  return { ...result, remaining: result.failed.length };
}
