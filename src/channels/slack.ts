/**
 * Slack Events API and interactivity by webhook. Inbound requests are signed:
 * `X-Slack-Signature: v0=hex(HMAC-SHA256(signing secret, "v0:" + timestamp + ":" + raw body))`
 * with `X-Slack-Request-Timestamp` no more than 5 minutes away from now (replay window).
 * Events are deduplicated on `event_id` (Slack retries with `X-Slack-Retry-Num`); a conversation
 * is a thread (`thread_ts`, else the message's own `ts`). In channels the bot answers only
 * `app_mention`s; in direct messages every message. Outbound: `chat.postMessage` in the thread,
 * Block Kit buttons for approvals. Slack has no typing indicator for bots outside its assistant
 * surface, so `typing` does nothing.
 */
import { hmacSha256Hex, timingSafeEqualStrings } from "../lib/crypto";
import type { BotIdentity, Inbound, PlatformClient } from "./platform";
import { callPlatform, describe, PlatformError } from "./platform-call";

/** Slack's replay window for signed requests. */
export const SLACK_MAX_SKEW_SECONDS = 5 * 60;

export const slackBase = (env: Env) => env.SLACK_API_BASE_URL || "https://slack.com/api";

/** Verifies a request's Slack signature over its raw body, at `nowSeconds`. */
export async function verifySlack(
  headers: Headers,
  rawBody: string,
  signingSecret: string | undefined,
  nowSeconds: number,
): Promise<boolean> {
  const ts = headers.get("x-slack-request-timestamp") ?? "";
  const signature = headers.get("x-slack-signature") ?? "";
  if (!signingSecret || !/^[0-9]{1,12}$/.test(ts) || !signature.startsWith("v0=")) return false;
  if (Math.abs(nowSeconds - Number(ts)) > SLACK_MAX_SKEW_SECONDS) return false;
  const expected = `v0=${await hmacSha256Hex(signingSecret, `v0:${ts}:${rawBody}`)}`;
  return timingSafeEqualStrings(signature, expected);
}

async function webApi(
  base: string,
  token: string,
  method: string,
  params: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const { status, body } = await callPlatform(`${base}/${method}`, {
    method: "POST",
    headers: { "content-type": "application/json; charset=utf-8", authorization: `Bearer ${token}` },
    body: JSON.stringify(params),
  });
  // The Web API answers most failures with HTTP 200 and ok:false.
  if (body.ok !== true) throw new PlatformError(status, `slack ${method}: ${describe(status, body)}`);
  return body;
}

/** Checks the bot token (`auth.test`) and learns the bot's user id and workspace. */
export async function slackIdentity(base: string, token: string): Promise<BotIdentity> {
  const me = await webApi(base, token, "auth.test", {});
  return { id: String(me.user_id ?? ""), teamId: String(me.team_id ?? "") };
}

// biome-ignore lint/suspicious/noExplicitAny: Slack's payloads, read defensively
type Json = Record<string, any>;

/** An Events API envelope as inbound events. */
export function parseSlackEvent(envelope: Json, bot: BotIdentity): Inbound[] {
  if (envelope.type !== "event_callback") return [];
  const event = envelope.event ?? {};
  if (event.bot_id || !event.user || event.user === bot.id || typeof event.text !== "string") return [];
  const isDm = event.channel_type === "im";
  // A channel post mentioning the bot arrives as app_mention (and maybe also as message): take one.
  if (event.type === "message" && (event.subtype || !isDm)) return [];
  if (event.type !== "message" && event.type !== "app_mention") return [];
  const threadTs = String(event.thread_ts ?? event.ts);
  const channel = String(event.channel);
  const mention = bot.id ? new RegExp(`<@${bot.id}>`, "g") : undefined;
  return [
    {
      kind: "message",
      dedupKey: `e${envelope.event_id}`,
      chatKey: `${channel}:${threadTs}`,
      chat: { chatId: channel, threadTs },
      userId: String(event.user),
      text: (mention ? event.text.replace(mention, "") : event.text).trim(),
      isGroup: !isDm,
      addressed: isDm || event.type === "app_mention",
      messageId: String(event.ts),
    },
  ];
}

/** A `block_actions` interactivity payload (a button press) as inbound events. */
export function parseSlackAction(payload: Json): Inbound[] {
  if (payload.type !== "block_actions") return [];
  const action = (payload.actions ?? [])[0];
  if (!action || (action.action_id !== "approve" && action.action_id !== "deny")) return [];
  const channel = String(payload.channel?.id ?? payload.container?.channel_id ?? "");
  const threadTs = String(
    payload.message?.thread_ts ?? payload.container?.thread_ts ?? payload.message?.ts ?? "",
  );
  return [
    {
      kind: "press",
      dedupKey: `a${action.action_ts}:${payload.user?.id}`,
      chatKey: `${channel}:${threadTs}`,
      chat: { chatId: channel, threadTs },
      userId: String(payload.user?.id ?? ""),
      approvalRef: String(action.value ?? ""),
      allow: action.action_id === "approve",
    },
  ];
}

export function slackClient(base: string, token: string): PlatformClient {
  const post = (chat: { chatId: string; threadTs?: string }, fields: Record<string, unknown>) =>
    webApi(base, token, "chat.postMessage", { channel: chat.chatId, thread_ts: chat.threadTs, ...fields });
  return {
    async sendText(chat, text) {
      await post(chat, { text, mrkdwn: true, unfurl_links: false });
    },
    async typing() {},
    async sendApproval(chat, prompt, ref) {
      await post(chat, {
        text: prompt,
        blocks: [
          { type: "section", text: { type: "mrkdwn", text: prompt.slice(0, 2900) } },
          {
            type: "actions",
            elements: [
              {
                type: "button",
                action_id: "approve",
                style: "primary",
                text: { type: "plain_text", text: "Allow" },
                value: ref,
              },
              {
                type: "button",
                action_id: "deny",
                style: "danger",
                text: { type: "plain_text", text: "Deny" },
                value: ref,
              },
            ],
          },
        ],
      });
    },
    async answerPress(press, text) {
      await post(press.chat, { text: `<@${press.userId}>: ${text}` });
    },
  };
}
