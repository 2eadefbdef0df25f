// What the chat platforms POST to a webhook, as their docs show it, and how they sign it.
// Pure functions (WebCrypto only): used by tests in workerd and in Node alike.

const enc = new TextEncoder();

async function hmacHex(key, data) {
  const k = await crypto.subtle.importKey("raw", enc.encode(key), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const mac = await crypto.subtle.sign("HMAC", k, enc.encode(data));
  return [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A Telegram `Update` with a text message. */
export function telegramMessage({
  updateId,
  chatId,
  userId,
  text,
  chatType = "private",
  entities,
  replyToBotId,
}) {
  return {
    update_id: updateId,
    message: {
      message_id: updateId,
      from: { id: userId, is_bot: false, first_name: `user${userId}` },
      chat: { id: chatId, type: chatType },
      date: Math.floor(Date.now() / 1000),
      text,
      ...(entities ? { entities } : {}),
      ...(replyToBotId
        ? {
            reply_to_message: {
              message_id: 1,
              from: { id: replyToBotId, is_bot: true },
              chat: { id: chatId, type: chatType },
            },
          }
        : {}),
    },
  };
}

/** A Telegram `Update` with a callback query (an inline keyboard button pressed). */
export function telegramPress({ updateId, chatId, userId, data }) {
  return {
    update_id: updateId,
    callback_query: {
      id: `cbq${updateId}`,
      from: { id: userId, is_bot: false, first_name: `user${userId}` },
      message: { message_id: 5, chat: { id: chatId, type: "private" }, date: 0, text: "…" },
      chat_instance: "1",
      data,
    },
  };
}

/** Slack's request signature headers for `body` at `timestamp` (seconds). */
export async function slackSignature(signingSecret, body, timestamp = Math.floor(Date.now() / 1000)) {
  return {
    "x-slack-request-timestamp": String(timestamp),
    "x-slack-signature": `v0=${await hmacHex(signingSecret, `v0:${timestamp}:${body}`)}`,
  };
}

/** WhatsApp's (Meta's) X-Hub-Signature-256 for `body`. */
export async function whatsappSignature(appSecret, body) {
  return { "x-hub-signature-256": `sha256=${await hmacHex(appSecret, body)}` };
}
