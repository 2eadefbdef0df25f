/**
 * A platform's delivery to `/channels/{id}/webhook`, in this order: find the channel, verify
 * the delivery with the channel's secret (nothing else runs before: a failure answers 401,
 * stores nothing but an audit row and the channel's refused count), parse it, keep what the
 * channel admits (strangers and un-addressed group chatter are dropped; strangers are audited),
 * and hand it to each chat's object, which deduplicates and queues it durably. Only then is the
 * platform acknowledged; the turns run after, in the chat objects' alarms.
 */
import { appendAudit } from "../db/audit";
import { type ChannelRow, configOf, countChannel } from "../db/channels";
import type { Db } from "../db/client";
import { admit } from "./access";
import { channelClient, channelSecrets } from "./channel-client";
import { chatObject } from "./chat-do";
import type { Inbound, Platform } from "./platform";
import { parseSlackAction, parseSlackEvent, verifySlack } from "./slack";
import { parseTelegramUpdate, verifyTelegram } from "./telegram";
import { parseWhatsApp, verifyWhatsApp, whatsappChallenge } from "./whatsapp";

export interface WebhookCall {
  db: Db;
  env: Env;
  channel: ChannelRow;
  request: Request;
  requestId: string;
  origin: string;
  /** Work the platform need not wait for (answering a stranger's press). */
  waitUntil: (work: Promise<unknown>) => void;
}

export type WebhookAnswer =
  | { status: 200; json?: unknown; text?: string }
  | { status: 401 }
  | { status: 503 };

function refusedAudit(call: WebhookCall, action: string, actorId: string, status: number, errorCode: string) {
  return appendAudit(call.db, {
    at: Date.now(),
    requestId: call.requestId,
    actorType: "channel_user",
    actorId,
    action,
    target: call.channel.id,
    outcome: "failure",
    status,
    errorCode,
    planeId: call.channel.planeId,
  });
}

async function refuse(call: WebhookCall): Promise<WebhookAnswer> {
  await refusedAudit(
    call,
    "channels.webhook",
    `${call.channel.platform}:unverified`,
    401,
    "webhook_unverified",
  );
  await countChannel(call.db, call.channel.id, { refused: 1 });
  return { status: 401 };
}

/** The WhatsApp GET handshake. */
export async function handleHandshake(call: WebhookCall): Promise<WebhookAnswer> {
  if (call.channel.platform !== "whatsapp") return refuse(call);
  const secrets = await channelSecrets(call.env, call.channel);
  const challenge = await whatsappChallenge(new URL(call.request.url), secrets.verifyToken);
  if (challenge === undefined) return refuse(call);
  return { status: 200, text: challenge };
}

export async function handleDelivery(call: WebhookCall): Promise<WebhookAnswer> {
  const { channel, request } = call;
  const raw = await request.text();
  const secrets = await channelSecrets(call.env, channel);
  const platform = channel.platform as Platform;
  const verified =
    platform === "telegram"
      ? await verifyTelegram(request.headers, secrets.webhookSecret)
      : platform === "slack"
        ? await verifySlack(request.headers, raw, secrets.signingSecret, Math.floor(Date.now() / 1000))
        : await verifyWhatsApp(request.headers, raw, secrets.appSecret);
  if (!verified) return refuse(call);

  let inbound: Inbound[];
  try {
    const bot = configOf(channel).bot;
    if (
      platform === "slack" &&
      (request.headers.get("content-type") ?? "").includes("application/x-www-form-urlencoded")
    ) {
      inbound = parseSlackAction(JSON.parse(new URLSearchParams(raw).get("payload") ?? "{}"));
    } else {
      const body = JSON.parse(raw);
      if (platform === "slack" && body.type === "url_verification") {
        return { status: 200, json: { challenge: String(body.challenge ?? "") } };
      }
      inbound =
        platform === "telegram"
          ? parseTelegramUpdate(body, bot)
          : platform === "slack"
            ? parseSlackEvent(body, bot)
            : parseWhatsApp(body, configOf(channel).phoneNumberId ?? "");
    }
  } catch {
    // Verified but unreadable: acknowledging stops the platform from retrying a delivery we will never read.
    return { status: 200 };
  }

  const config = configOf(channel);
  const byChat = new Map<string, Inbound[]>();
  for (const item of inbound) {
    const admission = admit(config, item);
    if (admission === "stranger") {
      await refusedAudit(call, "channels.message", `${platform}:${item.userId}`, 403, "not_allowed");
      await countChannel(call.db, channel.id, { refused: 1 });
      if (item.kind === "press") {
        const client = await channelClient(call.env, channel);
        call.waitUntil(
          client.answerPress(item, "You are not allowed to answer this.").catch(() => undefined),
        );
      }
      continue;
    }
    if (admission === "not_addressed") continue;
    byChat.set(item.chatKey, [...(byChat.get(item.chatKey) ?? []), item]);
  }
  for (const [chatKey, items] of byChat) {
    await chatObject(call.env, channel.id, chatKey).ingest(
      { channelId: channel.id, requestId: call.requestId, apiOrigin: call.origin },
      items,
      config.rateLimitPerMinute,
    );
  }
  return { status: 200 };
}
