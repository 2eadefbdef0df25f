// Telegram Bot API double (https://core.telegram.org/bots/api), one place for every test.
// `POST /bot<token>/<method>` with JSON; answers `{ok:true,result}` or
// `{ok:false,error_code,description,parameters?}` as Telegram does. Accounts are bot tokens,
// registered with `POST /__accounts {account: token, id, username}`; an unknown token gets
// 401 Unauthorized (as getMe with a wrong token does). Covered: getMe, setWebhook (url,
// secret_token of 1-256 [A-Za-z0-9_-], allowed_updates), deleteWebhook, getWebhookInfo,
// sendMessage (text 1-4096 characters after entity parsing; HTML parse mode checked for
// balanced supported tags), sendChatAction, answerCallbackQuery (text ≤ 200). Faults: 429 with
// `parameters.retry_after`, 5xx.

import { startDoubleServer } from "./chat-double-server.mjs";

const HTML_TAGS = new Set([
  "b",
  "strong",
  "i",
  "em",
  "u",
  "ins",
  "s",
  "strike",
  "del",
  "a",
  "code",
  "pre",
  "tg-spoiler",
  "blockquote",
  "span",
]);

/** The text Telegram shows for an HTML-formatted message, or an error description. */
export function telegramHtmlText(html) {
  const stack = [];
  for (const m of html.matchAll(/<\/?([a-z-]+)[^>]*>/g)) {
    const tag = m[1];
    if (!HTML_TAGS.has(tag))
      return { error: `Bad Request: can't parse entities: Unsupported start tag "${tag}"` };
    if (m[0].startsWith("</")) {
      if (stack.pop() !== tag)
        return { error: `Bad Request: can't parse entities: Unmatched end tag "${tag}"` };
    } else stack.push(tag);
  }
  if (stack.length)
    return {
      error: `Bad Request: can't parse entities: Can't find end tag corresponding to start tag "${stack.at(-1)}"`,
    };
  const text = html
    .replace(/<[^>]+>/g, "")
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&quot;", '"')
    .replaceAll("&amp;", "&");
  return { text };
}

const bad = (description) => ({ status: 400, json: { ok: false, error_code: 400, description } });
const ok = (result) => ({ status: 200, json: { ok: true, result } });

export async function startTelegramDouble() {
  let messageId = 1000;
  return startDoubleServer({
    accountOf(path) {
      const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(path);
      return m ? { account: decodeURIComponent(m[1]), method: m[2] } : undefined;
    },
    faultBody(status, retryAfter) {
      return status === 429
        ? {
            ok: false,
            error_code: 429,
            description: `Too Many Requests: retry after ${retryAfter ?? 1}`,
            parameters: { retry_after: retryAfter ?? 1 },
          }
        : { ok: false, error_code: status, description: "Internal Server Error" };
    },
    route({ body, state, target }) {
      if (!target) return undefined;
      const bot = state.accounts.get(target.account);
      if (!bot) return { status: 401, json: { ok: false, error_code: 401, description: "Unauthorized" } };
      const p = body ?? {};
      switch (target.method) {
        case "getMe":
          return ok({ id: bot.id, is_bot: true, first_name: bot.username, username: bot.username });
        case "setWebhook":
          if (typeof p.url !== "string") return bad("Bad Request: bad webhook: URL must be provided");
          if (p.secret_token !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(p.secret_token))
            return bad("Bad Request: secret token contains unallowed characters");
          bot.webhook = {
            url: p.url,
            secret_token: p.secret_token,
            allowed_updates: p.allowed_updates ?? [],
          };
          return ok(true);
        case "deleteWebhook":
          bot.webhook = undefined;
          return ok(true);
        case "getWebhookInfo":
          return ok({ url: bot.webhook?.url ?? "", has_custom_certificate: false, pending_update_count: 0 });
        case "sendMessage": {
          if (p.chat_id === undefined) return bad("Bad Request: chat_id is empty");
          if (typeof p.text !== "string" || p.text.length === 0)
            return bad("Bad Request: message text is empty");
          const parsed = p.parse_mode === "HTML" ? telegramHtmlText(p.text) : { text: p.text };
          if (parsed.error) return bad(parsed.error);
          if (parsed.text.trim().length === 0) return bad("Bad Request: message text is empty");
          if (parsed.text.length > 4096) return bad("Bad Request: message is too long");
          for (const row of p.reply_markup?.inline_keyboard ?? []) {
            for (const button of row) {
              if (new TextEncoder().encode(button.callback_data ?? "").length > 64)
                return bad("Bad Request: BUTTON_DATA_INVALID");
            }
          }
          return ok({
            message_id: ++messageId,
            date: Math.floor(Date.now() / 1000),
            chat: { id: Number(p.chat_id) },
            text: parsed.text,
          });
        }
        case "sendChatAction":
          if (p.action !== "typing") return bad("Bad Request: wrong parameter action in request");
          return ok(true);
        case "answerCallbackQuery":
          if (!p.callback_query_id)
            return bad("Bad Request: query is too old and response timeout expired or query ID is invalid");
          if ((p.text ?? "").length > 200) return bad("Bad Request: MESSAGE_TOO_LONG");
          return ok(true);
        default:
          return {
            status: 404,
            json: { ok: false, error_code: 404, description: "Not Found: method not found" },
          };
      }
    },
  });
}
