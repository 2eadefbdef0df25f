/**
 * A channel's platform client with its secrets opened: the one place a channel's token leaves
 * its seal, for calls from the Worker to the platform. Retries are counted on the channel.
 */
import { type ChannelRow, configOf } from "../db/channels";
import { keyringFromEnv } from "../lib/keyring";
import { type ChannelSecrets, openChannelSecrets } from "../vaults/channel-secrets";
import type { Platform, PlatformClient } from "./platform";
import { slackBase, slackClient } from "./slack";
import { telegramBase, telegramClient } from "./telegram";
import { whatsappBase, whatsappClient } from "./whatsapp";

export async function channelSecrets(env: Env, channel: ChannelRow): Promise<ChannelSecrets> {
  return openChannelSecrets(await keyringFromEnv(env), channel.id, channel.secretCiphertext);
}

export async function channelClient(env: Env, channel: ChannelRow): Promise<PlatformClient> {
  const secrets = await channelSecrets(env, channel);
  const platform = channel.platform as Platform;
  if (platform === "telegram") return telegramClient(telegramBase(env), secrets.token);
  if (platform === "slack") return slackClient(slackBase(env), secrets.token);
  return whatsappClient(whatsappBase(env), secrets.token, configOf(channel).phoneNumberId ?? "");
}
