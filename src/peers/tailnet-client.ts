/**
 * The org's tailnet connection: the Tailscale OAuth client the connector's join keys are minted
 * from. Its secret is sealed with the vault keyring, bound to the scope (a ciphertext copied to
 * another row does not open), and only {@link openTailnetClient} — called by the connector's
 * Durable Object at boot, never by a route that answers a caller — reads it back.
 */
import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { tailnetConnections } from "../db/schema";
import type { Keyring } from "../lib/keyring";
import { open, seal } from "../lib/sealed-secrets";
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
