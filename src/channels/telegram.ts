/**
 * Telegram Bot API by webhook. Inbound: the secret token given to `setWebhook` comes back in
 * `X-Telegram-Bot-Api-Secret-Token` on every delivery (Telegram signs nothing else); updates
 * are deduplicated on `update_id`. Outbound: `sendMessage` (HTML parse mode),
 * `sendChatAction` (typing, lasts ≤ 5 s), inline keyboards for approvals and
 * `answerCallbackQuery` for presses.
 */
import { timingSafeEqualStrings } from "../lib/crypto";
import {
  approvalPayload,
  type BotIdentity,
  type Inbound,
  parseApprovalPayload,
  type PlatformClient,
} from "./platform";
import { callPlatform, describe, PlatformError } from "./platform-call";

export const TELEGRAM_SECRET_HEADER = "x-telegram-bot-api-secret-token";
/** The updates a channel subscribes to. */
const ALLOWED_UPDATES = ["message", "callback_query"];

export const telegramBase = (env: Env) => env.TELEGRAM_API_BASE_URL || "https://api.telegram.org";

export async function verifyTelegram(headers: Headers, webhookSecret: string | undefined): Promise<boolean> {
  const given = headers.get(TELEGRAM_SECRET_HEADER);
  return !!given && !!webhookSecret && (await timingSafeEqualStrings(given, webhookSecret));
}

async function botCall(
  base: string,
  token: string,
  method: string,
  params: Record<string, unknown>,
  onRetry?: (status: number) => void,
): Promise<unknown> {
  const { status, body } = await callPlatform(
    `${base}/bot${token}/${method}`,
    { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(params) },
    onRetry,
  );
  if (body.ok !== true) throw new PlatformError(status, `telegram ${method}: ${describe(status, body)}`);
  return body.result;
}

/** Checks the token (`getMe`) and registers the webhook with its secret token. */
export async function registerTelegramWebhook(
  base: string,
  token: string,
  url: string,
  secretToken: string,
): Promise<BotIdentity> {
  const me = (await botCall(base, token, "getMe", {})) as { id: number; username?: string };
  await botCall(base, token, "setWebhook", {
    url,
    secret_token: secretToken,
    allowed_updates: ALLOWED_UPDATES,
  });
  return { id: String(me.id), username: me.username };
}

export async function deleteTelegramWebhook(base: string, token: string): Promise<void> {
  await botCall(base, token, "deleteWebhook", {});
}

// biome-ignore lint/suspicious/noExplicitAny: Telegram's Update, read defensively
type Json = Record<string, any>;

/** Is this group message for the bot: a mention of it, a command aimed at it, or a reply to it. */
function addressedToBot(message: Json, bot: BotIdentity): boolean {
  if (bot.id && String(message.reply_to_message?.from?.id) === bot.id) return true;
  const text: string = message.text ?? "";
  const name = bot.username?.toLowerCase();
  for (const entity of (message.entities ?? []) as Json[]) {
    const slice = text.slice(entity.offset, entity.offset + entity.length).toLowerCase();
    if (entity.type === "mention" && name && slice === `@${name}`) return true;
    if (entity.type === "text_mention" && bot.id && String(entity.user?.id) === bot.id) return true;
    if (entity.type === "bot_command" && name && slice.endsWith(`@${name}`)) return true;
  }
  return false;
}

/** The message text without the bot's @mention and with `/cmd@bot` as `/cmd`. */
function cleanText(text: string, bot: BotIdentity): string {
  if (!bot.username) return text.trim();
  const at = new RegExp(`@${bot.username.replace(/[^A-Za-z0-9_]/g, "")}\\b`, "gi");
  return text.replace(at, "").trim();
}

/** One update as inbound events (none for kinds a channel does not handle). */
export function parseTelegramUpdate(update: Json, bot: BotIdentity): Inbound[] {
  const dedupKey = `u${update.update_id}`;
  const message = update.message;
  if (message && typeof message.text === "string" && message.from && !message.from.is_bot) {
    const chatId = String(message.chat.id);
    const isGroup = message.chat.type !== "private";
    return [
      {
        kind: "message",
        dedupKey,
        chatKey: chatId,
        chat: { chatId },
        userId: String(message.from.id),
        text: cleanText(message.text, bot),
        isGroup,
        addressed: !isGroup || addressedToBot(message, bot),
        messageId: String(message.message_id),
      },
    ];
  }
  const press = update.callback_query;
  if (press && typeof press.data === "string" && press.message?.chat) {
    const parsed = parseApprovalPayload(press.data);
    if (!parsed) return [];
    const chatId = String(press.message.chat.id);
    return [
      {
        kind: "press",
        dedupKey,
        chatKey: chatId,
        chat: { chatId },
        userId: String(press.from.id),
        approvalRef: parsed.ref,
        allow: parsed.allow,
        pressId: String(press.id),
      },
    ];
  }
  return [];
}

export function telegramClient(
  base: string,
  token: string,
  onRetry?: (status: number) => void,
): PlatformClient {
  const call = (method: string, params: Record<string, unknown>) =>
    botCall(base, token, method, params, onRetry);
  return {
    async sendText(chat, text) {
      await call("sendMessage", {
        chat_id: chat.chatId,
        text,
        parse_mode: "HTML",
        link_preview_options: { is_disabled: true },
      });
    },
    async typing(chat) {
      await call("sendChatAction", { chat_id: chat.chatId, action: "typing" });
    },
    async sendApproval(chat, prompt, ref) {
      await call("sendMessage", {
        chat_id: chat.chatId,
        text: prompt,
        parse_mode: "HTML",
        reply_markup: {
          inline_keyboard: [
            [
              { text: "Allow", callback_data: approvalPayload(ref, true) },
              { text: "Deny", callback_data: approvalPayload(ref, false) },
            ],
          ],
        },
      });
    },
    async answerPress(press, text) {
      if (press.pressId)
        await call("answerCallbackQuery", { callback_query_id: press.pressId, text: text.slice(0, 200) });
    },
  };
}
