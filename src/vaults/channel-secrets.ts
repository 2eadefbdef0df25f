/**
 * A chat channel's platform secrets (bot tokens, signing and app secrets, webhook secrets),
 * sealed with the vault keyring exactly as vault credentials are, bound to the channel's id:
 * a ciphertext copied onto another channel fails to open. Write-only: nothing here is ever
 * put into a response, a log, an event or an agent's runtime; only the webhook verifier and
 * the chat objects that call the platform open them.
 */
import { and, asc, count, eq, ne } from "drizzle-orm";
import type { Db } from "../db/client";
import { channels } from "../db/schema";
import type { Keyring } from "../lib/keyring";
import { open, resealRows, seal } from "../lib/sealed-secrets";

/** Every secret a channel may hold; which ones depends on its platform. */
export interface ChannelSecrets {
  /** Telegram bot token, Slack bot token (xoxb-…), WhatsApp Cloud API access token. */
  token: string;
  /** Telegram: the secret_token given to setWebhook, echoed in X-Telegram-Bot-Api-Secret-Token. */
  webhookSecret?: string;
  /** Slack: the app's signing secret. */
  signingSecret?: string;
  /** WhatsApp: the Meta app secret (X-Hub-Signature-256). */
  appSecret?: string;
  /** WhatsApp: the verify token of the hub.challenge handshake. */
  verifyToken?: string;
}

const aad = (channelId: string) => `clawplane.channel_secrets.v1:${channelId}`;

export function sealChannelSecrets(keyring: Keyring, channelId: string, secrets: ChannelSecrets) {
  return seal(keyring, aad(channelId), JSON.stringify(secrets));
}

/** Throws `VaultDecryptError` (fail closed) when the envelope does not authenticate. */
export async function openChannelSecrets(
  keyring: Keyring,
  channelId: string,
  envelope: string,
): Promise<ChannelSecrets> {
  return JSON.parse(await open(keyring, aad(channelId), envelope)) as ChannelSecrets;
}

/**
 * The key rotation sweep's part for channels (`POST /v1/vaults/rotate`): re-seals up to
 * `maxRows` channels' secrets still under an older key. Removed channels too: their rows keep
 * the ciphertext, which must not outlive the retired key.
 */
export async function reencryptChannelSecrets(
  db: Db,
  keyring: Keyring,
  maxRows: number,
): Promise<{ reencrypted: number; failed: string[]; remaining: number }> {
  const stale = ne(channels.keyId, keyring.currentId);
  const rows = await db.select().from(channels).where(stale).orderBy(asc(channels.id)).limit(maxRows);
  const sealed = rows.map((row) => ({ id: row.id, aad: aad(row.id), envelope: row.secretCiphertext }));
  const result = await resealRows(keyring, sealed, async (row, { envelope, keyId }) => {
    const updated = await db
      .update(channels)
      .set({ secretCiphertext: envelope, keyId })
      .where(and(eq(channels.id, row.id), eq(channels.secretCiphertext, row.envelope)))
      .returning({ id: channels.id });
    return updated.length > 0;
  });
  const [left] = await db.select({ n: count() }).from(channels).where(stale);
  return { ...result, remaining: left?.n ?? 0 };
}
