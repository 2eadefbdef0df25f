/**
 * Creating and removing a channel: the request's secrets are checked with the platform and
 * sealed, the webhook is registered where the platform allows it (Telegram `setWebhook` with a
 * fresh secret token), and the wire shape says what is left to do by hand (Slack, WhatsApp).
 */
import {
  type ChannelConfig,
  type ChannelRow,
  configOf,
  insertChannel,
  markChannelDeleted,
  memberOfAgent,
} from "../db/channels";
import { getAgent } from "../db/agents";
import type { Db } from "../db/client";
import { getEnvironment } from "../db/environments";
import { ApiError } from "../errors";
import { newId } from "../lib/ids";
import { keyringFromEnv } from "../lib/keyring";
import { toRfc3339, toRfc3339OrNull } from "../lib/time";
import type { ChannelCreate, ChannelWire } from "../schemas/channels";
import { type ChannelSecrets, sealChannelSecrets } from "../vaults/channel-secrets";
import { channelSecrets } from "./channel-client";
import type { BotIdentity, Platform } from "./platform";
import { PlatformError } from "./platform-call";
import { slackBase, slackIdentity } from "./slack";
import { deleteTelegramWebhook, registerTelegramWebhook, telegramBase } from "./telegram";

/** Where a channel's platform delivers. */
export const webhookUrl = (origin: string, channelId: string) => `${origin}/channels/${channelId}/webhook`;

const SETUP: Record<Platform, string> = {
  telegram: "Done: the webhook is registered with Telegram. Message the bot to talk to the agent.",
  slack:
    "In your Slack app: Event Subscriptions → Request URL = webhook_url (subscribe to bot events app_mention and " +
    "message.im); Interactivity & Shortcuts → Request URL = webhook_url; then reinstall the app.",
  whatsapp:
    "In your Meta app: WhatsApp → Configuration → Callback URL = webhook_url, Verify token = the verify_token you " +
    "gave here; then subscribe to the messages field.",
};

export function channelToWire(row: ChannelRow, origin: string): ChannelWire {
  const config = configOf(row);
  return {
    type: "channel",
    id: row.id,
    platform: row.platform as Platform,
    agent_id: row.agentId,
    environment_id: row.environmentId,
    display_name: row.displayName,
    allowed_users: config.allowedUsers,
    rate_limit_per_minute: config.rateLimitPerMinute,
    webhook_url: webhookUrl(origin, row.id),
    setup: SETUP[row.platform as Platform],
    bot: {
      id: config.bot.id ?? null,
      username: config.bot.username ?? null,
      team_id: config.bot.teamId ?? null,
    },
    phone_number_id: config.phoneNumberId ?? null,
    stats: {
      messages_in: row.messagesIn,
      replies_out: row.repliesOut,
      refused: row.refused,
      errors: row.errors,
      last_error: row.lastError,
      last_error_at: toRfc3339OrNull(row.lastErrorAt),
    },
    created_at: toRfc3339(row.createdAt),
    deleted_at: toRfc3339OrNull(row.deletedAt),
  };
}

/** A webhook secret_token for Telegram: 1-256 of A-Z a-z 0-9 _ -. */
function newWebhookSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}

function rejected(err: unknown, path: string): never {
  if (err instanceof PlatformError && err.status >= 400 && err.status < 500) {
    throw new ApiError(
      "channel_credentials_rejected",
      `the platform refused the credentials: ${err.message}`,
      {
        fields: [{ path, message: "refused by the platform" }],
      },
    );
  }
  if (err instanceof PlatformError) {
    throw new ApiError("channel_platform_error", `the platform could not be reached: ${err.message}`, {
      cause: err,
    });
  }
  throw err;
}

export interface CreateRequest {
  db: Db;
  env: Env;
  origin: string;
  body: ChannelCreate;
  /** A plane member's own agent and environment, when a member token calls. */
  member?: { agentId: string; environmentId: string };
}

export async function createChannel(req: CreateRequest): Promise<ChannelRow> {
  const { db, env, body } = req;
  if (req.member && body.agent_id !== req.member.agentId) {
    throw new ApiError("agent_not_found", `agent ${body.agent_id} not found`, {
      fields: [{ path: "agent_id", message: "not found" }],
    });
  }
  const agent = await getAgent(db, body.agent_id).catch((err: unknown) => {
    if (err instanceof ApiError && err.code === "agent_not_found") {
      throw new ApiError(err.code, err.message, { fields: [{ path: "agent_id", message: "not found" }] });
    }
    throw err;
  });
  if (agent.archivedAt !== null) {
    throw new ApiError("agent_archived", `agent ${agent.id} is archived`, {
      fields: [{ path: "agent_id", message: "archived" }],
    });
  }
  const member = await memberOfAgent(db, agent.id);
  const anyone = body.allowed_users.includes("*");
  if (anyone && body.allowed_users.length > 1) {
    throw new ApiError("invalid_request", "`*` (anyone) cannot be combined with user ids", {
      fields: [{ path: "allowed_users", message: "`*` must be alone" }],
    });
  }
  if (anyone && member) {
    throw new ApiError(
      "invalid_request",
      "a plane member's channel must name the platform user ids allowed (the member's own)",
      {
        fields: [{ path: "allowed_users", message: "`*` is not allowed for a plane member's agent" }],
      },
    );
  }
  const environmentId = body.environment_id ?? member?.environmentId;
  if (!environmentId) {
    throw new ApiError("invalid_request", "environment_id is required for an agent outside a plane", {
      fields: [{ path: "environment_id", message: "required" }],
    });
  }
  if (member && environmentId !== member.environmentId) {
    throw new ApiError("environment_not_found", `environment ${environmentId} not found`, {
      fields: [{ path: "environment_id", message: "not the member's environment" }],
    });
  }
  const environment = await getEnvironment(db, environmentId).catch((err: unknown) => {
    if (err instanceof ApiError)
      throw new ApiError(err.code, err.message, {
        fields: [{ path: "environment_id", message: "not found" }],
      });
    throw err;
  });
  if (environment.archivedAt !== null) {
    throw new ApiError("environment_archived", `environment ${environment.id} is archived`, {
      fields: [{ path: "environment_id", message: "archived" }],
    });
  }

  const id = newId("channel");
  let secrets: ChannelSecrets;
  let bot: BotIdentity = {};
  let phoneNumberId: string | undefined;
  if (body.platform === "telegram") {
    secrets = { token: body.bot_token, webhookSecret: newWebhookSecret() };
    bot = await registerTelegramWebhook(
      telegramBase(env),
      body.bot_token,
      webhookUrl(req.origin, id),
      secrets.webhookSecret ?? "",
    ).catch((err: unknown) => rejected(err, "bot_token"));
  } else if (body.platform === "slack") {
    secrets = { token: body.bot_token, signingSecret: body.signing_secret };
    bot = await slackIdentity(slackBase(env), body.bot_token).catch((err: unknown) =>
      rejected(err, "bot_token"),
    );
  } else {
    secrets = { token: body.access_token, appSecret: body.app_secret, verifyToken: body.verify_token };
    phoneNumberId = body.phone_number_id;
  }
  const config: ChannelConfig = {
    allowedUsers: body.allowed_users,
    rateLimitPerMinute: body.rate_limit_per_minute ?? 20,
    bot,
    ...(phoneNumberId ? { phoneNumberId } : {}),
  };
  const { envelope, keyId } = await sealChannelSecrets(await keyringFromEnv(env), id, secrets);
  return insertChannel(db, {
    id,
    platform: body.platform,
    agentId: agent.id,
    environmentId,
    planeId: member?.planeId ?? null,
    displayName: body.display_name ?? null,
    config,
    secretCiphertext: envelope,
    keyId,
    createdAt: Date.now(),
  });
}

/** Removes a channel: Telegram's webhook is deleted (best effort); deliveries stop at once. */
export async function removeChannel(db: Db, env: Env, channel: ChannelRow): Promise<void> {
  await markChannelDeleted(db, channel.id, Date.now());
  if (channel.platform === "telegram") {
    const secrets = await channelSecrets(env, channel);
    await deleteTelegramWebhook(telegramBase(env), secrets.token).catch(() => undefined);
  }
}
