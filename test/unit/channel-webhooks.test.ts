/**
 * Webhook verification against the platforms' documented examples, and the parsing rules of
 * each platform's deliveries (pure functions; the Worker path is in test/integration/channels-*).
 */
import { describe, expect, it } from "vitest";
import { admit } from "../../src/channels/access";
import { parseSlackAction, parseSlackEvent, verifySlack } from "../../src/channels/slack";
import { parseTelegramUpdate, verifyTelegram } from "../../src/channels/telegram";
import { parseWhatsApp, verifyWhatsApp, whatsappChallenge } from "../../src/channels/whatsapp";

// docs.slack.dev/authentication/verifying-requests-from-slack — the worked example, verbatim.
const SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const SLACK_TS = 1531420618;
const SLACK_BODY =
  "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
const SLACK_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

const slackHeaders = (signature = SLACK_SIGNATURE, ts = SLACK_TS) =>
  new Headers({ "x-slack-signature": signature, "x-slack-request-timestamp": String(ts) });

describe("slack request signatures", () => {
  it("accepts Slack's documented example", async () => {
    expect(await verifySlack(slackHeaders(), SLACK_BODY, SLACK_SECRET, SLACK_TS)).toBe(true);
    expect(await verifySlack(slackHeaders(), SLACK_BODY, SLACK_SECRET, SLACK_TS + 299)).toBe(true);
  });

  it("refuses it outside the 5-minute window, tampered, or under another secret", async () => {
    expect(await verifySlack(slackHeaders(), SLACK_BODY, SLACK_SECRET, SLACK_TS + 301)).toBe(false);
    expect(await verifySlack(slackHeaders(), SLACK_BODY, SLACK_SECRET, SLACK_TS - 301)).toBe(false);
    expect(await verifySlack(slackHeaders(), `${SLACK_BODY}x`, SLACK_SECRET, SLACK_TS)).toBe(false);
    expect(await verifySlack(slackHeaders(), SLACK_BODY, `${SLACK_SECRET}x`, SLACK_TS)).toBe(false);
    expect(
      await verifySlack(
        slackHeaders(SLACK_SIGNATURE.replace("v0=", "v1=")),
        SLACK_BODY,
        SLACK_SECRET,
        SLACK_TS,
      ),
    ).toBe(false);
    expect(await verifySlack(new Headers(), SLACK_BODY, SLACK_SECRET, SLACK_TS)).toBe(false);
  });
});

describe("whatsapp (Meta) signatures and handshake", () => {
  // Meta publishes no worked example for X-Hub-Signature-256. The header is the one GitHub uses,
  // with the same scheme (sha256= hex HMAC-SHA256 of the raw body), and GitHub documents one:
  // docs.github.com "Validating webhook deliveries", secret "It's a Secret to Everybody".
  it("accepts the documented X-Hub-Signature-256 example and refuses a changed byte", async () => {
    const headers = new Headers({
      "x-hub-signature-256": "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
    });
    expect(await verifyWhatsApp(headers, "Hello, World!", "It's a Secret to Everybody")).toBe(true);
    expect(await verifyWhatsApp(headers, "Hello, World?", "It's a Secret to Everybody")).toBe(false);
    expect(await verifyWhatsApp(new Headers(), "Hello, World!", "It's a Secret to Everybody")).toBe(false);
  });

  it("echoes hub.challenge only for subscribe with the right verify token", async () => {
    const url = (mode: string, token: string) =>
      new URL(
        `https://x/channels/c/webhook?hub.mode=${mode}&hub.challenge=1158201444&hub.verify_token=${token}`,
      );
    expect(await whatsappChallenge(url("subscribe", "meatyhamhock"), "meatyhamhock")).toBe("1158201444");
    expect(await whatsappChallenge(url("subscribe", "wrong"), "meatyhamhock")).toBeUndefined();
    expect(await whatsappChallenge(url("unsubscribe", "meatyhamhock"), "meatyhamhock")).toBeUndefined();
  });
});

describe("telegram deliveries", () => {
  const bot = { id: "4242", username: "clawtest_bot" };
  const update = (message: Record<string, unknown>) => ({
    update_id: 7,
    message: {
      message_id: 1,
      from: { id: 111, is_bot: false },
      chat: { id: -5, type: "group" },
      date: 0,
      ...message,
    },
  });

  it("verifies the secret token header exactly", async () => {
    const h = (v: string) => new Headers({ "x-telegram-bot-api-secret-token": v });
    expect(await verifyTelegram(h("s3cret"), "s3cret")).toBe(true);
    expect(await verifyTelegram(h("s3cre"), "s3cret")).toBe(false);
    expect(await verifyTelegram(new Headers(), "s3cret")).toBe(false);
  });

  it("takes a group message as addressed only when it mentions, commands or replies to the bot", () => {
    const addressed = (m: Record<string, unknown>) =>
      (parseTelegramUpdate(update(m), bot)[0] as { addressed: boolean }).addressed;
    expect(addressed({ text: "hello all" })).toBe(false);
    expect(addressed({ text: "@other_bot hi", entities: [{ type: "mention", offset: 0, length: 10 }] })).toBe(
      false,
    );
    expect(
      addressed({ text: "hi @ClawTest_Bot", entities: [{ type: "mention", offset: 3, length: 13 }] }),
    ).toBe(true);
    expect(
      addressed({ text: "/new@clawtest_bot", entities: [{ type: "bot_command", offset: 0, length: 17 }] }),
    ).toBe(true);
    expect(
      addressed({ text: "yes", reply_to_message: { message_id: 2, from: { id: 4242, is_bot: true } } }),
    ).toBe(true);
    expect(parseTelegramUpdate(update({ text: "/new@clawtest_bot" }), bot)[0]).toMatchObject({
      text: "/new",
    });
  });

  it("drops other bots' messages and buttons that are not ours", () => {
    expect(parseTelegramUpdate(update({ text: "x", from: { id: 9, is_bot: true } }), bot)).toEqual([]);
    expect(
      parseTelegramUpdate(
        {
          update_id: 8,
          callback_query: { id: "q", from: { id: 1 }, data: "other", message: { chat: { id: 1 } } },
        },
        bot,
      ),
    ).toEqual([]);
  });
});

describe("slack deliveries", () => {
  const bot = { id: "U0BOT" };
  const envelope = (event: Record<string, unknown>) => ({ type: "event_callback", event_id: "Ev1", event });

  it("keeps a conversation per thread and ignores the bot's own and edited messages", () => {
    const [dm] = parseSlackEvent(
      envelope({ type: "message", channel_type: "im", channel: "D1", user: "U1", text: "hi", ts: "1.1" }),
      bot,
    );
    expect(dm).toMatchObject({
      chatKey: "D1:1.1",
      chat: { chatId: "D1", threadTs: "1.1" },
      dedupKey: "eEv1",
    });
    const [reply] = parseSlackEvent(
      envelope({
        type: "app_mention",
        channel_type: "channel",
        channel: "C1",
        user: "U1",
        text: "<@U0BOT> more",
        ts: "2.2",
        thread_ts: "1.1",
      }),
      bot,
    );
    expect(reply).toMatchObject({ chatKey: "C1:1.1", text: "more", addressed: true });
    expect(
      parseSlackEvent(
        envelope({ type: "message", channel_type: "im", channel: "D1", user: "U0BOT", text: "me", ts: "3" }),
        bot,
      ),
    ).toEqual([]);
    expect(
      parseSlackEvent(
        envelope({
          type: "message",
          channel_type: "im",
          channel: "D1",
          bot_id: "B1",
          user: "U2",
          text: "x",
          ts: "3",
        }),
        bot,
      ),
    ).toEqual([]);
    expect(
      parseSlackEvent(
        envelope({
          type: "message",
          subtype: "message_changed",
          channel_type: "im",
          channel: "D1",
          user: "U1",
          text: "x",
          ts: "3",
        }),
        bot,
      ),
    ).toEqual([]);
    expect(
      parseSlackEvent(
        envelope({ type: "message", channel_type: "channel", channel: "C1", user: "U1", text: "x", ts: "3" }),
        bot,
      ),
    ).toEqual([]);
  });

  it("reads a button press from block_actions", () => {
    const [press] = parseSlackAction({
      type: "block_actions",
      user: { id: "U1" },
      channel: { id: "C1" },
      message: { ts: "5.5", thread_ts: "1.1" },
      actions: [{ action_id: "deny", value: "abc123", action_ts: "9.9" }],
    });
    expect(press).toMatchObject({
      kind: "press",
      chatKey: "C1:1.1",
      approvalRef: "abc123",
      allow: false,
      userId: "U1",
    });
  });
});

describe("whatsapp deliveries", () => {
  const payload = (messages: unknown[], phoneNumberId = "106540352242922") => ({
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
              messages,
            },
          },
        ],
      },
    ],
  });

  it("reads text and reply-button messages for its own number only", () => {
    const text = { from: "16505551234", id: "wamid.A", timestamp: "1", type: "text", text: { body: "hi" } };
    const button = {
      from: "16505551234",
      id: "wamid.B",
      timestamp: "2",
      type: "interactive",
      interactive: { type: "button_reply", button_reply: { id: "a:abc:y", title: "Allow" } },
    };
    const parsed = parseWhatsApp(payload([text, button]), "106540352242922");
    expect(parsed).toEqual([
      expect.objectContaining({
        kind: "message",
        dedupKey: "mwamid.A",
        chatKey: "16505551234",
        text: "hi",
        messageId: "wamid.A",
      }),
      expect.objectContaining({ kind: "press", approvalRef: "abc", allow: true }),
    ]);
    expect(parseWhatsApp(payload([text], "999"), "106540352242922")).toEqual([]);
  });
});

describe("who may talk", () => {
  const config = { allowedUsers: ["1"], rateLimitPerMinute: 20, bot: {} };
  const message = (userId: string, isGroup = false, addressed = true) => ({
    kind: "message" as const,
    dedupKey: "k",
    chatKey: "c",
    chat: { chatId: "c" },
    userId,
    text: "x",
    isGroup,
    addressed,
  });
  it("admits allowlisted users, and in groups only when addressed", () => {
    expect(admit(config, message("1"))).toBe("admitted");
    expect(admit(config, message("2"))).toBe("stranger");
    expect(admit(config, message("1", true, false))).toBe("not_addressed");
    expect(admit({ ...config, allowedUsers: ["*"] }, message("2"))).toBe("admitted");
  });
});
