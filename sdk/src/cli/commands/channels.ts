/**
 * `clawplane channels add telegram|slack|whatsapp …`, `ls`, `show`, `rm`. Platform secrets are
 * read from environment variables, never from flags (flags end up in shell history and `ps`):
 * TELEGRAM_BOT_TOKEN; SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET; WHATSAPP_ACCESS_TOKEN,
 * WHATSAPP_APP_SECRET and WHATSAPP_VERIFY_TOKEN.
 */
import type { Command } from "commander";
import type { Channel, ChannelCreateParams } from "../../types.js";
import {
  CliExit,
  type Context,
  collectValues,
  DEFAULT_LIST_LIMIT,
  MAX_PAGE_SIZE,
  positiveInt,
  take,
} from "../context.js";
import { keyValues, table } from "../format.js";

const SECRETS = {
  telegram: { bot_token: "TELEGRAM_BOT_TOKEN" },
  slack: { bot_token: "SLACK_BOT_TOKEN", signing_secret: "SLACK_SIGNING_SECRET" },
  whatsapp: {
    access_token: "WHATSAPP_ACCESS_TOKEN",
    app_secret: "WHATSAPP_APP_SECRET",
    verify_token: "WHATSAPP_VERIFY_TOKEN",
  },
} as const;
type Platform = keyof typeof SECRETS;

interface AddOptions {
  agent: string;
  environment?: string;
  allow: string[];
  name?: string;
  rateLimit?: number;
  phoneNumberId?: string;
}

/** The channel, with its webhook URL and setup in full (they are there to be copied). */
function channelDetails(c: Channel): string {
  const block = keyValues([
    ["id", c.id],
    ["platform", c.platform],
    ["name", c.display_name],
    ["agent", c.agent_id],
    ["environment", c.environment_id],
    [
      "bot",
      [c.bot.username && `@${c.bot.username}`, c.bot.id, c.bot.team_id].filter(Boolean).join(" ") || "-",
    ],
    ["phone number id", c.phone_number_id],
    ["allowed users", c.allowed_users.join(", ")],
    ["rate limit", `${c.rate_limit_per_minute} messages/min per chat`],
    ["messages in", c.stats.messages_in],
    ["replies out", c.stats.replies_out],
    ["refused", c.stats.refused],
    ["errors", c.stats.errors],
    ["last error", c.stats.last_error ? `${c.stats.last_error} (${c.stats.last_error_at})` : null],
    ["created", c.created_at],
  ]);
  return `${block}webhook url: ${c.webhook_url}\nsetup: ${c.setup}\n`;
}

/** The platform's secrets from the environment; exit 2 naming every one missing. */
function secretsFor(ctx: Context, platform: Platform): Record<string, string> {
  const names = SECRETS[platform] as Record<string, string>;
  const missing = Object.values(names).filter((env) => !ctx.io.env[env]);
  if (missing.length > 0) {
    throw new CliExit(
      2,
      `error: set ${missing.join(", ")} in the environment (secrets are not taken as flags)`,
    );
  }
  return Object.fromEntries(Object.entries(names).map(([field, env]) => [field, ctx.io.env[env] as string]));
}

export function registerChannels(program: Command, ctx: Context): void {
  const channels = program
    .command("channels")
    .description("connect Telegram, Slack and WhatsApp to agents: add, list, inspect, remove");

  channels
    .command("add")
    .description(
      "connect a platform to an agent: add telegram|slack|whatsapp (secrets from the environment: " +
        "TELEGRAM_BOT_TOKEN; SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET; WHATSAPP_ACCESS_TOKEN, WHATSAPP_APP_SECRET, WHATSAPP_VERIFY_TOKEN)",
    )
    .argument("<platform>", "telegram, slack or whatsapp")
    .requiredOption("--agent <agent-id>", "the agent that answers")
    .option("--environment <environment-id>", "where the chats' sessions run (a plane member's: their own)")
    .requiredOption(
      "--allow <user-id>",
      "a platform user id allowed to talk (repeatable; * for anyone)",
      collectValues,
    )
    .option("--name <name>", "display name")
    .option("--rate-limit <n>", "messages accepted per chat per minute (default 20)", positiveInt)
    .option("--phone-number-id <id>", "WhatsApp: the business phone number id")
    .action(async (platform: string, opts: AddOptions, command: Command) => {
      if (!(platform in SECRETS)) throw new CliExit(2, "error: platform must be telegram, slack or whatsapp");
      const p = platform as Platform;
      if (p === "whatsapp" && !opts.phoneNumberId)
        throw new CliExit(2, "error: whatsapp needs --phone-number-id");
      const body = {
        platform: p,
        agent_id: opts.agent,
        ...(opts.environment ? { environment_id: opts.environment } : {}),
        allowed_users: opts.allow,
        ...(opts.name ? { display_name: opts.name } : {}),
        ...(opts.rateLimit ? { rate_limit_per_minute: opts.rateLimit } : {}),
        ...(p === "whatsapp" ? { phone_number_id: opts.phoneNumberId } : {}),
        ...secretsFor(ctx, p),
      } as ChannelCreateParams;
      const channel = await (await ctx.client(command)).channels.create(body);
      ctx.print(command, channel, () => channelDetails(channel));
    });

  channels
    .command("ls")
    .description("list channels, newest first")
    .option("--limit <n>", "most rows to show", positiveInt, DEFAULT_LIST_LIMIT)
    .action(async (opts: { limit: number }, command: Command) => {
      const page = await (await ctx.client(command)).channels.list({
        limit: Math.min(opts.limit, MAX_PAGE_SIZE),
      });
      const rows = await take(page, opts.limit);
      ctx.print(command, rows, () =>
        table(
          ["id", "platform", "agent", "in", "out", "errors", "last error"],
          rows.map((c) => [
            c.id,
            c.platform,
            c.agent_id,
            c.stats.messages_in,
            c.stats.replies_out,
            c.stats.errors,
            c.stats.last_error,
          ]),
        ),
      );
    });

  channels
    .command("show")
    .description("show a channel: its webhook URL, setup, counters and last error")
    .argument("<channel-id>")
    .action(async (id: string, _opts: unknown, command: Command) => {
      const channel = await (await ctx.client(command)).channels.retrieve(id);
      ctx.print(command, channel, () => channelDetails(channel));
    });

  channels
    .command("rm")
    .description("remove a channel: the platform's deliveries are refused from now on")
    .argument("<channel-id>")
    .action(async (id: string, _opts: unknown, command: Command) => {
      const removed = await (await ctx.client(command)).channels.delete(id);
      ctx.print(command, removed, () => `removed ${removed.id}\n`);
    });
}
