/**
 * WhatsApp Cloud API by webhook. Meta verifies the callback URL with a GET handshake
 * (`hub.mode=subscribe`, `hub.verify_token`, `hub.challenge` echoed back) and signs every POST:
 * `X-Hub-Signature-256: sha256=hex(HMAC-SHA256(app secret, raw body))`. Messages are
 * deduplicated on their `wamid` id; a conversation is one sender's number. Outbound:
 * `POST /{phone-number-id}/messages` (text; interactive reply buttons for approvals; a read
 * receipt with the typing indicator, which lasts until the reply or 25 s).
 */
import { hmacSha256Hex, timingSafeEqualStrings } from "../lib/crypto";
import { approvalPayload, type Inbound, parseApprovalPayload, type PlatformClient } from "./platform";
import { callPlatform, describe, PlatformError } from "./platform-call";

/** Graph API version the channel calls. */
export const WHATSAPP_GRAPH_VERSION = "v23.0";

export const whatsappBase = (env: Env) => env.WHATSAPP_API_BASE_URL || "https://graph.facebook.com";

export async function verifyWhatsApp(headers: Headers, rawBody: string, appSecret: string | undefined) {
  const given = headers.get("x-hub-signature-256") ?? "";
  if (!appSecret || !given.startsWith("sha256=")) return false;
  return timingSafeEqualStrings(given, `sha256=${await hmacSha256Hex(appSecret, rawBody)}`);
}

/** The GET handshake: the challenge to echo, or undefined when the request is not ours. */
export async function whatsappChallenge(
  url: URL,
  verifyToken: string | undefined,
): Promise<string | undefined> {
  const q = url.searchParams;
  const token = q.get("hub.verify_token") ?? "";
  if (
    q.get("hub.mode") !== "subscribe" ||
    !verifyToken ||
    !(await timingSafeEqualStrings(token, verifyToken))
  ) {
    return undefined;
  }
  return q.get("hub.challenge") ?? "";
}

// biome-ignore lint/suspicious/noExplicitAny: Meta's payloads, read defensively
type Json = Record<string, any>;

/** A webhook payload as inbound events for `phoneNumberId` (one POST may batch several). */
export function parseWhatsApp(payload: Json, phoneNumberId: string): Inbound[] {
  if (payload.object !== "whatsapp_business_account") return [];
  const out: Inbound[] = [];
  for (const entry of payload.entry ?? []) {
    for (const change of entry.changes ?? []) {
      const value = change.value ?? {};
      if (change.field !== "messages" || String(value.metadata?.phone_number_id) !== phoneNumberId) continue;
      for (const m of value.messages ?? []) {
        const from = String(m.from);
        const base = { dedupKey: `m${m.id}`, chatKey: from, chat: { chatId: from }, userId: from };
        if (m.type === "text" && typeof m.text?.body === "string") {
          out.push({
            kind: "message",
            ...base,
            text: m.text.body.trim(),
            isGroup: false,
            addressed: true,
            messageId: String(m.id),
          });
        } else if (m.type === "interactive" && m.interactive?.type === "button_reply") {
          const parsed = parseApprovalPayload(String(m.interactive.button_reply?.id ?? ""));
          if (parsed) out.push({ kind: "press", ...base, approvalRef: parsed.ref, allow: parsed.allow });
        }
      }
    }
  }
  return out;
}

export function whatsappClient(base: string, token: string, phoneNumberId: string): PlatformClient {
  const send = async (body: Record<string, unknown>) => {
    const { status, body: answer } = await callPlatform(
      `${base}/${WHATSAPP_GRAPH_VERSION}/${phoneNumberId}/messages`,
      {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ messaging_product: "whatsapp", ...body }),
      },
    );
    if (status >= 400) throw new PlatformError(status, `whatsapp messages: ${describe(status, answer)}`);
  };
  return {
    async sendText(chat, text) {
      await send({
        recipient_type: "individual",
        to: chat.chatId,
        type: "text",
        text: { body: text, preview_url: false },
      });
    },
    async typing(_chat, lastMessageId) {
      if (lastMessageId)
        await send({ status: "read", message_id: lastMessageId, typing_indicator: { type: "text" } });
    },
    async sendApproval(chat, prompt, ref) {
      await send({
        recipient_type: "individual",
        to: chat.chatId,
        type: "interactive",
        interactive: {
          type: "button",
          body: { text: prompt.slice(0, 1024) },
          action: {
            buttons: [
              { type: "reply", reply: { id: approvalPayload(ref, true), title: "Allow" } },
              { type: "reply", reply: { id: approvalPayload(ref, false), title: "Deny" } },
            ],
          },
        },
      });
    },
    async answerPress(press, text) {
      await send({ recipient_type: "individual", to: press.chat.chatId, type: "text", text: { body: text } });
    },
  };
}
