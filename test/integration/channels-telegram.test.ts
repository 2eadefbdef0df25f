/**
 * Telegram channels through the Worker in workerd, against the Telegram Bot API double
 * (test/support/telegram-double.mjs): registration, verification, dedup, who may talk, the
 * session per chat, approvals by inline keyboard, replies split at 4096, retries of 429/5xx.
 * These tests run no agent runtime: a turn ends in the session's runtime error, which the chat
 * hears in one sentence; replies are planted in the session's own event log where a test needs
 * the agent to answer. A real gateway answers in test/runtime/channels.test.ts.
 */
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import { telegramMessage, telegramPress } from "../support/chat-webhooks.mjs";
import { telegramHtmlText } from "../support/telegram-double.mjs";
import { callJson } from "../helpers/api";
import {
  auditRows,
  channelAgent,
  channelSessions,
  chatObject,
  deliver,
  doubleCalls,
  injectFault,
  plantEvents,
  registerAccount,
  sessionEvents,
} from "../helpers/channels";
import { waitFor } from "../helpers/wait";
import { plantWaitingTurn } from "../helpers/waiting-call";

const TG = inject("telegramApiUrl");
const OWNER = 111;
const STRANGER = 999;
let updateSeq = 1;

async function newChannel(extra: Record<string, unknown> = {}) {
  const token = `${Math.floor(Math.random() * 1e9)}:AA${crypto.randomUUID().replaceAll("-", "")}`;
  await registerAccount(TG, { account: token, id: 4242, username: "clawtest_bot" });
  const { agentId, environmentId } = await channelAgent();
  const res = await callJson("/v1/channels", {
    body: {
      platform: "telegram",
      agent_id: agentId,
      environment_id: environmentId,
      bot_token: token,
      allowed_users: [String(OWNER)],
      ...extra,
    },
  });
  expect(res.status).toBe(201);
  const setWebhook = (await doubleCalls(TG, token, "setWebhook"))[0];
  return { channel: res.body, token, secret: setWebhook?.params.secret_token as string, agentId };
}

const send = (channelId: string, secret: string, update: unknown) =>
  deliver(channelId, JSON.stringify(update), { "x-telegram-bot-api-secret-token": secret });

const message = (chatId: number, text: string, userId = OWNER, extra: Record<string, unknown> = {}) =>
  telegramMessage({ updateId: updateSeq++, chatId, userId, text, ...extra });

const sent = async (token: string, chatId: number) =>
  (await doubleCalls(TG, token, "sendMessage")).filter(
    (c) => String(c.params.chat_id) === String(chatId) && c.answered === 200,
  );

describe("telegram channels", { timeout: 30_000 }, () => {
  it("registers the webhook with a secret token and never shows a secret", async () => {
    const { channel, token, secret } = await newChannel();
    expect(channel).toMatchObject({
      type: "channel",
      platform: "telegram",
      webhook_url: `http://clawplane.test/channels/${channel.id}/webhook`,
      bot: { id: "4242", username: "clawtest_bot" },
      allowed_users: [String(OWNER)],
      stats: { messages_in: 0, refused: 0, errors: 0 },
    });
    const hook = (await doubleCalls(TG, token, "setWebhook"))[0]?.params;
    expect(hook).toMatchObject({ url: channel.webhook_url, allowed_updates: ["message", "callback_query"] });
    expect(secret).toMatch(/^[A-Za-z0-9_-]{32,256}$/);
    const shown = JSON.stringify([
      channel,
      (await callJson(`/v1/channels/${channel.id}`)).body,
      (await callJson("/v1/channels")).body,
    ]);
    expect(shown).not.toContain(token);
    expect(shown).not.toContain(secret);
    expect((await auditRows("channels.create", channel.id))[0]).toMatchObject({ outcome: "success" });
  });

  it("refuses a bot token Telegram refuses, storing nothing", async () => {
    const { agentId } = await newChannel();
    const before = (await callJson("/v1/channels?limit=1000")).body.data.length;
    const res = await callJson("/v1/channels", {
      body: {
        platform: "telegram",
        agent_id: agentId,
        environment_id: "env_x",
        bot_token: "1:unknown",
        allowed_users: ["1"],
      },
    });
    expect(res.status).toBe(404); // the environment is checked before the platform is called
    const { environmentId } = await channelAgent();
    const refused = await callJson("/v1/channels", {
      body: {
        platform: "telegram",
        agent_id: agentId,
        environment_id: environmentId,
        bot_token: "1:unknown",
        allowed_users: ["1"],
      },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details).toMatchObject({ error_code: "channel_credentials_rejected" });
    expect(refused.body.error.details.errors[0].path).toBe("bot_token");
    expect((await callJson("/v1/channels?limit=1000")).body.data.length).toBe(before);
  });

  it("answers 401 to a delivery without the right secret token, stores nothing and audits it", async () => {
    const { channel, token } = await newChannel();
    const forged = await send(channel.id, "not-the-secret", message(501, "hello"));
    expect(forged.status).toBe(401);
    const missing = await deliver(channel.id, JSON.stringify(message(501, "hello")), {});
    expect(missing.status).toBe(401);
    expect(await channelSessions(channel.id)).toEqual([]);
    expect(await sent(token, 501)).toEqual([]);
    const audits = await auditRows("channels.webhook", channel.id);
    expect(audits).toHaveLength(2);
    expect(audits[0]).toMatchObject({ outcome: "failure", status: 401, error_code: "webhook_unverified" });
    expect((await callJson(`/v1/channels/${channel.id}`)).body.stats.refused).toBe(2);
  });

  it("refuses an oversized delivery before reading it, and an unknown channel with 404", async () => {
    const { channel, secret } = await newChannel();
    const huge = JSON.stringify(message(510, "x".repeat(2_000_000)));
    const res = await send(channel.id, secret, JSON.parse(huge));
    expect(res.status).toBe(413);
    expect((await send("chan_unknown", secret, message(510, "hi"))).status).toBe(404);
    expect(await channelSessions(channel.id)).toEqual([]);
  });

  it("turns a message into a user.message on the chat's session, tells the failure in one sentence, and runs a retried update once", async () => {
    const { channel, token, secret } = await newChannel();
    const update = message(502, "hello agent");
    const first = await send(channel.id, secret, update);
    expect(first.status).toBe(200);
    const retry = await send(channel.id, secret, update); // Telegram redelivers on a lost ack
    expect(retry.status).toBe(200);
    // Without a runtime the turn fails; the chat hears it in one sentence.
    await waitFor(async () => (await sent(token, 502)).length > 0, {
      timeoutMs: 15_000,
      what: "the error reply",
    });
    const reply = (await sent(token, 502))[0]?.params.text as string;
    expect(reply).toMatch(/^Sorry, that did not work: [^\n]+\.$/);
    expect(reply.split(/[.!?]\s/).length).toBe(1);
    const sessions = await channelSessions(channel.id);
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({
      metadata: { source: "channel", channel_id: channel.id, chat: "502" },
    });
    const messages = (await sessionEvents(sessions[0]?.id)).filter((e) => e.type === "user.message");
    expect(messages).toHaveLength(1);
    expect(messages[0]?.content[0].text).toBe("hello agent");
    expect(
      (await doubleCalls(TG, token, "sendChatAction")).some((c) => String(c.params.chat_id) === "502"),
    ).toBe(true);

    // The next message reuses the session, even after the chat's object was evicted; /new starts another.
    await evictDurableObject(chatObject(channel.id, "502"));
    await send(channel.id, secret, message(502, "again"));
    await waitFor(async () => (await sent(token, 502)).length >= 2, {
      timeoutMs: 15_000,
      what: "the second reply",
    });
    expect(await channelSessions(channel.id)).toHaveLength(1);
    await send(channel.id, secret, message(502, "/new"));
    await waitFor(
      async () => (await sent(token, 502)).some((c) => c.params.text === "Started a new conversation."),
      {
        timeoutMs: 10_000,
        what: "the /new answer",
      },
    );
    await send(channel.id, secret, message(502, "fresh start"));
    await waitFor(async () => (await channelSessions(channel.id)).length === 2, {
      timeoutMs: 10_000,
      what: "a new session",
    });
    expect((await callJson(`/v1/channels/${channel.id}`)).body.stats.messages_in).toBe(3);
  });

  it("ignores strangers and un-addressed group chatter, auditing strangers", async () => {
    const { channel, token, secret } = await newChannel();
    expect((await send(channel.id, secret, message(503, "let me in", STRANGER))).status).toBe(200);
    // In a group, only messages that mention the bot or reply to it reach the agent.
    const group = -100503;
    await send(channel.id, secret, message(group, "just chatting", OWNER, { chatType: "supergroup" }));
    await send(
      channel.id,
      secret,
      message(group, "@clawtest_bot hi there", OWNER, {
        chatType: "supergroup",
        entities: [{ type: "mention", offset: 0, length: 13 }],
      }),
    );
    await waitFor(async () => (await channelSessions(channel.id)).length === 1, {
      timeoutMs: 10_000,
      what: "the group session",
    });
    const [session] = await channelSessions(channel.id);
    const texts = (await sessionEvents(session?.id))
      .filter((e) => e.type === "user.message")
      .map((e) => e.content[0].text);
    expect(texts).toEqual(["hi there"]);
    expect(await sent(token, 503)).toEqual([]);
    expect(await auditRows("channels.message", channel.id)).toEqual([
      expect.objectContaining({
        outcome: "failure",
        actor: { type: "channel_user", id: `telegram:${STRANGER}` },
      }),
    ]);
  });

  it("limits each chat's messages per minute, telling the sender once", async () => {
    const { channel, token, secret } = await newChannel({ rate_limit_per_minute: 2 });
    for (const text of ["one", "two", "three", "four"])
      expect((await send(channel.id, secret, message(508, text))).status).toBe(200);
    // Another chat has its own allowance.
    await send(channel.id, secret, message(509, "elsewhere"));
    const notice =
      "You are sending messages faster than this bot accepts; some were ignored. Please wait a minute.";
    await waitFor(async () => (await sent(token, 508)).some((c) => c.params.text === notice), {
      timeoutMs: 15_000,
      what: "the notice",
    });
    await waitFor(async () => (await channelSessions(channel.id)).length === 2, {
      timeoutMs: 15_000,
      what: "both chats' sessions",
    });
    const session = (await channelSessions(channel.id)).find((s) => s.metadata.chat === "508");
    await waitFor(
      async () => (await sessionEvents(session?.id)).filter((e) => e.type === "user.message").length === 2,
      {
        timeoutMs: 15_000,
        what: "the admitted messages",
      },
    );
    const texts = (await sessionEvents(session?.id))
      .filter((e) => e.type === "user.message")
      .map((e) => e.content[0].text);
    expect(texts).toEqual(["one", "two"]);
    expect((await sent(token, 508)).filter((c) => c.params.text === notice)).toHaveLength(1);
  });

  it("turns an approval into Allow/Deny buttons that only allowed users can press", async () => {
    const { channel, token, secret } = await newChannel({ allowed_users: [String(OWNER), "112"] });
    await send(channel.id, secret, message(504, "run ls"));
    await waitFor(async () => (await sent(token, 504)).length > 0, {
      timeoutMs: 15_000,
      what: "the first turn",
    });
    const [session] = await channelSessions(channel.id);
    const sessionId = session?.id as string;
    // The agent asks to run a tool: plant the asking turn's end in the session's log, as the
    // session writes it, and have the chat follow it.
    const chat = chatObject(channel.id, "504");
    const toolUseId = await plantAsk(sessionId, chat);
    await waitFor(async () => (await sent(token, 504)).some((c) => c.params.reply_markup), {
      timeoutMs: 15_000,
      what: "the buttons",
    });
    const buttons = (await sent(token, 504)).find((c) => c.params.reply_markup)?.params;
    expect(buttons?.text).toContain("bash");
    const keyboard: Array<{ text: string; callback_data: string }> =
      buttons?.reply_markup?.inline_keyboard?.[0] ?? [];
    const [allow, deny] = keyboard;
    expect([allow?.text, deny?.text]).toEqual(["Allow", "Deny"]);

    // A stranger's press is refused and audited; the call stays waiting.
    await send(
      channel.id,
      secret,
      telegramPress({ updateId: updateSeq++, chatId: 504, userId: STRANGER, data: allow?.callback_data }),
    );
    await waitFor(async () => (await doubleCalls(TG, token, "answerCallbackQuery")).length === 1, {
      what: "the refusal",
    });
    expect((await doubleCalls(TG, token, "answerCallbackQuery"))[0]?.params.text).toBe(
      "You are not allowed to answer this.",
    );
    // An allowed user's press sends the confirmation to the session.
    await send(
      channel.id,
      secret,
      telegramPress({ updateId: updateSeq++, chatId: 504, userId: 112, data: allow?.callback_data }),
    );
    await waitFor(
      async () => (await sessionEvents(sessionId)).some((e) => e.type === "user.tool_confirmation"),
      {
        timeoutMs: 10_000,
        what: "the confirmation",
      },
    );
    const confirmation = (await sessionEvents(sessionId)).find((e) => e.type === "user.tool_confirmation");
    expect(confirmation).toMatchObject({ tool_use_id: toolUseId, result: "allow" });
    await waitFor(async () => (await doubleCalls(TG, token, "answerCallbackQuery")).length === 2, {
      what: "the answer",
    });
    expect((await doubleCalls(TG, token, "answerCallbackQuery"))[1]?.params.text).toBe("Allowed.");
    const pressed = await auditRows("channels.approval", toolUseId);
    expect(pressed).toEqual([
      expect.objectContaining({ outcome: "success", actor: { type: "channel_user", id: "telegram:112" } }),
    ]);
  });

  it("splits a 10,000-character reply at Telegram's limit, in order, and retries a 429", async () => {
    const { channel, token, secret } = await newChannel();
    await send(channel.id, secret, message(505, "write a lot"));
    await waitFor(async () => (await sent(token, 505)).length > 0, {
      timeoutMs: 15_000,
      what: "the first turn",
    });
    const [session] = await channelSessions(channel.id);
    const paragraphs = Array.from(
      { length: 40 },
      (_, i) => `Paragraph ${i}: ${"lorem ipsum & <dolor> ".repeat(11)}`,
    );
    const long = paragraphs.join("\n\n").slice(0, 10_000);
    expect(long.length).toBe(10_000);
    await injectFault(TG, { account: token, method: "sendMessage", status: 429, times: 1, retryAfter: 1 });
    const before = (await sent(token, 505)).length;
    await plantReply(session?.id as string, chatObject(channel.id, "505"), long);
    await waitFor(async () => (await sent(token, 505)).length >= before + 3, {
      timeoutMs: 20_000,
      what: "the split reply",
    });
    const parts = (await sent(token, 505))
      .slice(before)
      .map((c) => telegramHtmlText(c.params.text).text as string);
    expect(parts).toHaveLength(3);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(4096);
    expect(parts.join("\n").replace(/\n+/g, "\n")).toBe(long.replace(/\n+/g, "\n").trim());
    const answers = (await doubleCalls(TG, token, "sendMessage")).map((c) => c.answered);
    expect(answers).toContain(429);
  });

  it("counts a platform failure that outlasts the retries as the channel's last error", async () => {
    const { channel, token, secret } = await newChannel();
    await injectFault(TG, { account: token, method: "sendMessage", status: 502, times: 8 });
    await send(channel.id, secret, message(506, "hello"));
    await waitFor(async () => (await callJson(`/v1/channels/${channel.id}`)).body.stats.errors > 0, {
      timeoutMs: 20_000,
      what: "the error to be counted",
    });
    const stats = (await callJson(`/v1/channels/${channel.id}`)).body.stats;
    expect(stats.last_error).toContain("HTTP 502");
    expect(stats.last_error).not.toContain(token);
    expect(
      (await doubleCalls(TG, token, "sendMessage")).filter((c) => c.answered === 502).length,
    ).toBeGreaterThanOrEqual(4);
  });

  it("stops deliveries when the channel is removed, and deletes Telegram's webhook", async () => {
    const { channel, token, secret } = await newChannel();
    const removed = await callJson(`/v1/channels/${channel.id}`, { method: "DELETE" });
    expect(removed.body).toEqual({ type: "channel_deleted", id: channel.id });
    expect(await doubleCalls(TG, token, "deleteWebhook")).toHaveLength(1);
    expect((await send(channel.id, secret, message(507, "hello"))).status).toBe(404);
    expect((await auditRows("channels.delete", channel.id))[0]).toMatchObject({ outcome: "success" });
  });
});

/** The agent asks to run a tool and waits (its run gone, as after an eviction); the chat follows. */
async function plantAsk(sessionId: string, chat: ReturnType<typeof chatObject>): Promise<string> {
  const { useId } = await plantWaitingTurn(
    sessionId,
    "run ls",
    { type: "agent.tool_use", name: "bash", input: { command: "ls" }, evaluated_permission: "ask" },
    {
      toolName: "exec",
      inputKey: '{"command":"ls"}',
      approvalId: "plugin:gone",
      toolCallId: "call_gone",
      expiresAt: Date.now() + 600_000,
    },
  );
  const [, idle] = await plantEvents(sessionId, chat, [
    () => ({ type: "agent.thinking" }),
    () => ({
      type: "session.status_idle",
      stop_reason: { type: "requires_action", event_ids: [useId] },
      stop_details: null,
    }),
  ]);
  expect(idle).toBeDefined();
  return useId;
}

async function plantReply(sessionId: string, chat: ReturnType<typeof chatObject>, text: string) {
  await plantEvents(sessionId, chat, [
    () => ({ type: "agent.message", content: [{ type: "text", text }] }),
    () => ({ type: "session.status_idle", stop_reason: { type: "end_turn" }, stop_details: null }),
  ]);
}
