/**
 * What every chat platform is reduced to: inbound events a chat's object understands, and the
 * few outbound calls a reply needs. Each platform module (telegram.ts, slack.ts, whatsapp.ts)
 * verifies its webhooks, parses them into `Inbound` and implements `PlatformClient`.
 */

export const PLATFORMS = ["telegram", "slack", "whatsapp"] as const;
export type Platform = (typeof PLATFORMS)[number];

/** Where replies to a chat go: the platform's chat (Slack channel, WhatsApp number) and thread. */
export interface ChatRef {
  chatId: string;
  /** Slack: the thread the conversation lives in. */
  threadTs?: string;
}

interface InboundBase {
  /** The platform's unique id of this delivery's content: the durable dedup key. */
  dedupKey: string;
  /** Which conversation (and so which session) this belongs to: a chat, or a Slack thread. */
  chatKey: string;
  chat: ChatRef;
  /** The platform user who sent it or pressed it. */
  userId: string;
}

/** A text message from a person. */
export interface InboundMessage extends InboundBase {
  kind: "message";
  text: string;
  /** A group or channel (not a direct chat). */
  isGroup: boolean;
  /** In a group: the bot was mentioned or replied to. */
  addressed: boolean;
  /** The platform's id of the message (WhatsApp marks it read and shows typing against it). */
  messageId?: string;
}

/** A press of an approval button. */
export interface InboundPress extends InboundBase {
  kind: "press";
  /** The short id the button carries (the chat's object maps it to the tool call). */
  approvalRef: string;
  allow: boolean;
  /** Telegram: the callback query to answer (the client spins until answered). */
  pressId?: string;
}

export type Inbound = InboundMessage | InboundPress;

/** The outbound calls of one channel, its token applied. */
export interface PlatformClient {
  /** Sends one message (already in the platform's markup and within its limit). */
  sendText(chat: ChatRef, text: string): Promise<void>;
  /** Shows "typing…" (no-op where the platform has no indicator for bots). */
  typing(chat: ChatRef, lastMessageId?: string): Promise<void>;
  /** Asks for a tool approval with Allow / Deny buttons carrying `approvalRef`. */
  sendApproval(chat: ChatRef, prompt: string, approvalRef: string): Promise<void>;
  /** Tells the presser what happened to their press. */
  answerPress(press: InboundPress, text: string): Promise<void>;
}

/** What a channel's platform told us about the bot at creation (public). */
export interface BotIdentity {
  /** Telegram bot user id / Slack bot user id. */
  id?: string;
  /** Telegram @username (without @). */
  username?: string;
  /** Slack workspace. */
  teamId?: string;
}

/** An approval button's payload: `a:<ref>:y|n` (Telegram allows 64 bytes of callback data). */
export function approvalPayload(ref: string, allow: boolean): string {
  return `a:${ref}:${allow ? "y" : "n"}`;
}

export function parseApprovalPayload(data: string): { ref: string; allow: boolean } | undefined {
  const m = /^a:([A-Za-z0-9]{1,40}):([yn])$/.exec(data);
  return m?.[1] ? { ref: m[1], allow: m[2] === "y" } : undefined;
}
