/**
 * Channel tests in workerd: the platform doubles' control endpoints (they run in Node, started
 * by test/global-setup.ts), webhook calls through the Worker, and the chat objects.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { ChatDO } from "../../src/channels/chat-do";
import type { EventLog } from "../../src/session/event-log";
import type { SessionDO } from "../../src/session/session-do";
import { call, callJson, MINIMAL_AGENT } from "./api";
import { sessionObject } from "./session-object";

export interface DoubleCall {
  method: string;
  params: Record<string, any>;
  at: number;
  answered: number;
}

export async function doubleCalls(origin: string, account: string, method?: string): Promise<DoubleCall[]> {
  const all = (await (
    await fetch(`${origin}/__calls?account=${encodeURIComponent(account)}`)
  ).json()) as DoubleCall[];
  return method ? all.filter((c) => c.method === method) : all;
}

export async function registerAccount(origin: string, account: Record<string, unknown>): Promise<void> {
  await fetch(`${origin}/__accounts`, { method: "POST", body: JSON.stringify(account) });
}

export async function injectFault(
  origin: string,
  fault: { account: string; method: string; status: number; times?: number; retryAfter?: number },
): Promise<void> {
  await fetch(`${origin}/__fail`, { method: "POST", body: JSON.stringify(fault) });
}

/** A WhatsApp number registered with the Graph double (test/support/whatsapp-double.mjs), and its token. */
export async function whatsappAccount(origin: string): Promise<{ phoneNumberId: string; token: string }> {
  const phoneNumberId = String(100000000000000 + Math.floor(Math.random() * 1e12));
  const token = `EAAG${crypto.randomUUID().replaceAll("-", "")}`;
  await registerAccount(origin, { account: phoneNumberId, token });
  return { phoneNumberId, token };
}

/** A WhatsApp Cloud API `messages` webhook delivery to `phoneNumberId`, in Meta's documented shape. */
export function whatsappPayload(phoneNumberId: string, messages: unknown[], contacts?: unknown[]) {
  return {
    object: "whatsapp_business_account",
    entry: [
      {
        id: "102290129340398",
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "15550783881", phone_number_id: phoneNumberId },
              ...(contacts ? { contacts } : {}),
              messages,
            },
          },
        ],
      },
    ],
  };
}

/** A new agent and environment for a channel. */
export async function channelAgent(extra: Record<string, unknown> = {}) {
  const agent = (await callJson("/v1/agents", { body: { ...MINIMAL_AGENT, ...extra } })).body;
  const environment = (await callJson("/v1/environments", { body: { name: `chan-${crypto.randomUUID()}` } }))
    .body;
  return { agentId: agent.id as string, environmentId: environment.id as string };
}

/** POSTs a platform delivery to a channel's webhook, as the platform would. */
export function deliver(channelId: string, body: string, headers: Record<string, string>) {
  return call(`/channels/${channelId}/webhook`, {
    key: null,
    rawBody: body,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** The chat's Durable Object. */
export function chatObject(channelId: string, chatKey: string) {
  return env.CHATS.get(env.CHATS.idFromName(`${channelId}:${chatKey}`));
}

/** The sessions a channel's chats run (newest first). */
export async function channelSessions(channelId: string): Promise<Array<Record<string, any>>> {
  const page = await callJson("/v1/sessions?limit=100");
  return (page.body.data as Array<Record<string, any>>).filter((s) => s.metadata?.channel_id === channelId);
}

export async function sessionEvents(sessionId: string): Promise<Array<Record<string, any>>> {
  return (await callJson(`/v1/sessions/${sessionId}/events?limit=1000`)).body.data;
}

export async function auditRows(action: string, target: string): Promise<Array<Record<string, any>>> {
  return (await callJson(`/v1/audit?action=${encodeURIComponent(action)}&target=${target}&limit=100`)).body
    .data;
}

/**
 * Appends events to a session's log as its own turn would (`build` gets the id of each event
 * appended before it), and has the chat follow the log from just before them.
 */
export async function plantEvents(
  sessionId: string,
  chat: ReturnType<typeof chatObject>,
  build: Array<(ids: string[]) => Record<string, unknown>>,
): Promise<string[]> {
  const planted = await runInDurableObject(sessionObject(sessionId), (instance: SessionDO) => {
    const log = (instance as unknown as { events: EventLog }).events;
    const before = log.query({ limit: 1, order: "desc" })[0]?.seq ?? 0;
    const ids: string[] = [];
    for (const make of build) ids.push(log.append(make(ids) as never, Date.now()).event.id);
    return { before, ids };
  });
  await runInDurableObject(chat, async (_instance: ChatDO, state) => {
    const s = (await state.storage.get<Record<string, any>>("state")) ?? {};
    s.sessionId = sessionId;
    const chat = (await state.storage.get<Record<string, any>>("intake"))?.chat;
    s.turn = { sessionId, cursorSeq: planted.before, chat, startedAt: Date.now(), calls: {} };
    await state.storage.put("state", s);
    await state.storage.setAlarm(Date.now());
  });
  return planted.ids;
}
