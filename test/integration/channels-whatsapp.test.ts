/**
 * WhatsApp Cloud API channels through the Worker in workerd, against the Graph double
 * (test/support/whatsapp-double.mjs): the hub.challenge handshake, X-Hub-Signature-256 over the
 * raw body, dedup on the message id, read receipt + typing, approvals as reply buttons, replies
 * split at 4096. No agent runtime here (see channels-telegram.test.ts); the runtime test has one.
 */
import { describe, expect, inject, it } from "vitest";
import { call, callJson } from "../helpers/api";
import {
  auditRows,
  channelAgent,
  channelSessions,
  chatObject,
  deliver,
  doubleCalls,
  plantEvents,
  sessionEvents,
  whatsappAccount,
  whatsappPayload,
} from "../helpers/channels";
import { waitFor } from "../helpers/wait";
import { plantWaitingTurn } from "../helpers/waiting-call";
import { whatsappSignature } from "../support/chat-webhooks.mjs";

const WA = inject("whatsappApiUrl");
const OWNER = "16505551234";
const STRANGER = "16505559999";
let seq = 1;

async function newChannel() {
  const { phoneNumberId, token } = await whatsappAccount(WA);
  const appSecret = crypto.randomUUID().replaceAll("-", "");
  const { agentId, environmentId } = await channelAgent();
  const res = await callJson("/v1/channels", {
    body: {
      platform: "whatsapp",
      agent_id: agentId,
      environment_id: environmentId,
      phone_number_id: phoneNumberId,
      access_token: token,
      app_secret: appSecret,
      verify_token: "meatyhamhock",
      allowed_users: [OWNER],
    },
  });
  expect(res.status).toBe(201);
  return { channel: res.body, phoneNumberId, appSecret, token };
}

const payload = (phoneNumberId: string, messages: unknown[]) =>
  whatsappPayload(phoneNumberId, messages, [{ profile: { name: "Kerry Fisher" }, wa_id: OWNER }]);

const text = (body: string, from = OWNER) => ({
  from,
  id: `wamid.IN${seq++}`,
  timestamp: "1700000000",
  type: "text",
  text: { body },
});

async function post(channelId: string, appSecret: string, body: unknown) {
  const raw = JSON.stringify(body);
  return deliver(channelId, raw, await whatsappSignature(appSecret, raw));
}

const sentTo = async (phoneNumberId: string, to: string) =>
  (await doubleCalls(WA, phoneNumberId, "messages")).filter((c) => c.params.to === to && c.answered === 200);

describe("whatsapp channels", { timeout: 30_000 }, () => {
  it("answers the hub.challenge handshake only with the verify token", async () => {
    const { channel } = await newChannel();
    const ok = await call(
      `/channels/${channel.id}/webhook?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=meatyhamhock`,
      {
        key: null,
      },
    );
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe("1158201444");
    const bad = await call(
      `/channels/${channel.id}/webhook?hub.mode=subscribe&hub.challenge=1&hub.verify_token=guess`,
      { key: null },
    );
    expect(bad.status).toBe(401);
    expect(channel.setup).toContain("Callback URL");
  });

  it("refuses an unsigned or wrongly signed delivery, storing nothing", async () => {
    const { channel, phoneNumberId, appSecret } = await newChannel();
    const body = JSON.stringify(payload(phoneNumberId, [text("hi")]));
    expect((await deliver(channel.id, body, {})).status).toBe(401);
    expect((await deliver(channel.id, body, await whatsappSignature(`${appSecret}x`, body))).status).toBe(
      401,
    );
    // Signed over other bytes than sent (a re-serialised body) fails too.
    const other = JSON.stringify(JSON.parse(body), null, 1);
    expect((await deliver(channel.id, other, await whatsappSignature(appSecret, body))).status).toBe(401);
    expect(await channelSessions(channel.id)).toEqual([]);
    expect(await auditRows("channels.webhook", channel.id)).toHaveLength(3);
  });

  it("runs a redelivered message once, marks it read with typing, and ignores strangers", async () => {
    const { channel, phoneNumberId, appSecret } = await newChannel();
    const message = text("hello agent");
    expect((await post(channel.id, appSecret, payload(phoneNumberId, [message]))).status).toBe(200);
    expect((await post(channel.id, appSecret, payload(phoneNumberId, [message]))).status).toBe(200);
    expect(
      (await post(channel.id, appSecret, payload(phoneNumberId, [text("me too", STRANGER)]))).status,
    ).toBe(200);
    await waitFor(async () => (await sentTo(phoneNumberId, OWNER)).length > 0, {
      timeoutMs: 15_000,
      what: "the reply",
    });
    const calls = await doubleCalls(WA, phoneNumberId, "messages");
    expect(calls.find((c) => c.params.status === "read")?.params).toMatchObject({
      message_id: message.id,
      typing_indicator: { type: "text" },
    });
    expect((await sentTo(phoneNumberId, OWNER))[0]?.params.text.body).toMatch(
      /^Sorry, that did not work: [^\n]+\.$/,
    );
    const [session] = await channelSessions(channel.id);
    expect((await sessionEvents(session?.id)).filter((e) => e.type === "user.message")).toHaveLength(1);
    expect(await sentTo(phoneNumberId, STRANGER)).toEqual([]);
    expect(await auditRows("channels.message", channel.id)).toHaveLength(1);
  });

  it("asks approvals with reply buttons, and splits a 10,000-character reply at 4096", async () => {
    const { channel, phoneNumberId, appSecret } = await newChannel();
    await post(channel.id, appSecret, payload(phoneNumberId, [text("run ls")]));
    await waitFor(async () => (await sentTo(phoneNumberId, OWNER)).length > 0, {
      timeoutMs: 15_000,
      what: "the first turn",
    });
    const [session] = await channelSessions(channel.id);
    const sessionId = session?.id as string;
    const chat = chatObject(channel.id, OWNER);
    const { useId } = await plantWaitingTurn(
      sessionId,
      "run ls",
      { type: "agent.tool_use", name: "bash", input: { command: "ls" }, evaluated_permission: "ask" },
      {
        toolName: "exec",
        inputKey: '{"command":"ls"}',
        approvalId: "plugin:gone",
        toolCallId: "c1",
        expiresAt: Date.now() + 600_000,
      },
    );
    await plantEvents(sessionId, chat, [
      () => ({
        type: "session.status_idle",
        stop_reason: { type: "requires_action", event_ids: [useId] },
        stop_details: null,
      }),
    ]);
    await waitFor(
      async () => (await sentTo(phoneNumberId, OWNER)).some((c) => c.params.type === "interactive"),
      {
        timeoutMs: 15_000,
        what: "the buttons",
      },
    );
    const ask = (await sentTo(phoneNumberId, OWNER)).find((c) => c.params.type === "interactive")?.params;
    const buttons = ask?.interactive.action.buttons as Array<{ reply: { id: string; title: string } }>;
    expect(buttons.map((b) => b.reply.title)).toEqual(["Allow", "Deny"]);
    const pressed = {
      from: OWNER,
      id: `wamid.IN${seq++}`,
      timestamp: "1700000001",
      type: "interactive",
      context: { from: "15550783881", id: "wamid.OUT1" },
      interactive: { type: "button_reply", button_reply: { id: buttons[1]?.reply.id, title: "Deny" } },
    };
    await post(channel.id, appSecret, payload(phoneNumberId, [pressed]));
    await waitFor(
      async () => (await sessionEvents(sessionId)).some((e) => e.type === "user.tool_confirmation"),
      {
        timeoutMs: 10_000,
        what: "the confirmation",
      },
    );
    expect((await sessionEvents(sessionId)).find((e) => e.type === "user.tool_confirmation")).toMatchObject({
      tool_use_id: useId,
      result: "deny",
    });

    const long = "WhatsApp **reply** ".repeat(600).slice(0, 10_000);
    const before = (await sentTo(phoneNumberId, OWNER)).filter((c) => c.params.type === "text").length;
    await plantEvents(sessionId, chat, [
      () => ({ type: "agent.message", content: [{ type: "text", text: long }] }),
      () => ({ type: "session.status_idle", stop_reason: { type: "end_turn" }, stop_details: null }),
    ]);
    const texts = async () =>
      (await sentTo(phoneNumberId, OWNER)).filter((c) => c.params.type === "text").slice(before);
    await waitFor(
      async () => (await texts()).filter((c) => c.params.text.body.includes("*reply*")).length >= 3,
      {
        timeoutMs: 20_000,
        what: "the split reply",
      },
    );
    const parts = (await texts())
      .filter((c) => c.params.text.body.includes("*reply*"))
      .map((c) => c.params.text.body as string);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(4096);
    expect(parts.join(" ").replaceAll("*", "").replace(/\s+/g, " ").trim()).toBe(
      long.replaceAll("**", "").replace(/\s+/g, " ").trim(),
    );
  });
});
