/**
 * Chat channels on the wire: a Telegram bot, Slack app or WhatsApp Business number bound to an
 * agent. Secrets are accepted on create and never returned (write-only, sealed).
 */
import { z } from "@hono/zod-openapi";
import { LimitQuery, noControlChars, PageQuery } from "./common";

const secret = (what: string) =>
  z
    .string()
    .min(1)
    .max(1024)
    .check(noControlChars)
    .openapi({ description: `${what} (write-only)` });

const platformUserId = z.string().min(1).max(64).check(noControlChars);

const Common = {
  agent_id: z.string().min(1).max(128).openapi({ description: "The agent that answers in this channel" }),
  environment_id: z.string().min(1).max(128).optional().openapi({
    description: "Where the chats' sessions run; a plane member's channel defaults to their own",
  }),
  display_name: z.string().min(1).max(256).check(noControlChars).optional(),
  allowed_users: z
    .array(platformUserId)
    .min(1)
    .max(200)
    .openapi({
      description:
        "Platform user ids allowed to talk to the agent and press its approval buttons. `*` alone allows anyone " +
        "(refused for a plane member's agent). Others are ignored, and audited.",
    }),
  rate_limit_per_minute: z.number().int().min(1).max(600).optional().openapi({
    description: "Messages accepted per chat per minute (default 20); more are ignored with one notice",
  }),
};

export const ChannelCreateSchema = z
  .discriminatedUnion("platform", [
    z.strictObject({
      platform: z.literal("telegram"),
      ...Common,
      bot_token: secret("Bot token from @BotFather"),
    }),
    z.strictObject({
      platform: z.literal("slack"),
      ...Common,
      bot_token: secret("Bot User OAuth token (xoxb-…)"),
      signing_secret: secret("The app's Signing Secret"),
    }),
    z.strictObject({
      platform: z.literal("whatsapp"),
      ...Common,
      phone_number_id: z.string().regex(/^[0-9]{1,32}$/, "must be the numeric phone number id"),
      access_token: secret("WhatsApp Cloud API access token"),
      app_secret: secret("The Meta app's App Secret (signs webhooks)"),
      verify_token: secret("The Verify token you enter with the callback URL"),
    }),
  ])
  .openapi("ChannelCreate");
export type ChannelCreate = z.infer<typeof ChannelCreateSchema>;

export const ChannelSchema = z
  .object({
    type: z.literal("channel"),
    id: z.string(),
    platform: z.enum(["telegram", "slack", "whatsapp"]),
    agent_id: z.string(),
    environment_id: z.string(),
    display_name: z.string().nullable(),
    allowed_users: z.array(z.string()),
    rate_limit_per_minute: z.number().int(),
    webhook_url: z
      .string()
      .openapi({ description: "Where the platform delivers (Telegram: registered for you)" }),
    setup: z.string().openapi({ description: "What is left to do on the platform's side" }),
    bot: z.object({
      id: z.string().nullable(),
      username: z.string().nullable(),
      team_id: z.string().nullable(),
    }),
    phone_number_id: z.string().nullable(),
    stats: z.object({
      messages_in: z.number().int(),
      replies_out: z.number().int(),
      refused: z.number().int(),
      errors: z.number().int(),
      last_error: z.string().nullable(),
      last_error_at: z.string().nullable(),
    }),
    created_at: z.string(),
    deleted_at: z.string().nullable(),
  })
  .openapi("Channel");
export type ChannelWire = z.infer<typeof ChannelSchema>;

export const ChannelListQuerySchema = z.object({ limit: LimitQuery, page: PageQuery });

export const ChannelDeletedSchema = z
  .object({ type: z.literal("channel_deleted"), id: z.string() })
  .openapi("ChannelDeleted");
