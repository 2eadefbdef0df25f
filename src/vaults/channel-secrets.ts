/**
 * A chat channel's platform secrets (bot tokens, signing and app secrets, webhook secrets),
 * sealed with the vault keyring exactly as vault credentials are, bound to the channel's id:
 * a ciphertext copied onto another channel fails to open. Write-only: nothing here is ever
 * put into a response, a log, an event or an agent's runtime; only the webhook verifier and
 * the chat objects that call the platform open them.
 */
import type { Keyring } from "../lib/keyring";
import { open, seal } from "../lib/sealed-secrets";

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
