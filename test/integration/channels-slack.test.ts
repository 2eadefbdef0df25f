/**
 * Slack channels through the Worker in workerd, against the Slack Web API double
 * (test/support/slack-double.mjs): signed Events API and interactivity deliveries, the
 * url_verification handshake, retries with X-Slack-Retry-Num, a session per thread, approvals
 * as Block Kit buttons, replies split below Slack's limits. No agent runtime runs here (see
 * channels-telegram.test.ts for how replies are planted); test/runtime/channels.test.ts has one.
 */
import { describe, expect, inject, it } from "vitest";
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
import { slackSignature } from "../support/chat-webhooks.mjs";

const SLACK = inject("slackApiUrl").replace(/\/api$/, "");
const OWNER = "U0OWNER";
const STRANGER = "U0STRANGER";
const BOT = "U0BOT";
let eventSeq = 1;

async function newChannel(extra: Record<string, unknown> = {}) {
  const token = `xoxb-${crypto.randomUUID()}`;
  const signingSecret = crypto.randomUUID().replaceAll("-", "");
  await registerAccount(SLACK, { account: token, botUserId: BOT, botId: "B0BOT", teamId: "T0TEAM" });
  const { agentId, environmentId } = await channelAgent();
  const res = await callJson("/v1/channels", {
    body: {
      platform: "slack",
      agent_id: agentId,
      environment_id: environmentId,
      bot_token: token,
      signing_secret: signingSecret,
      allowed_users: [OWNER],
      ...extra,
    },
  });
  expect(res.status).toBe(201);
  return { channel: res.body, token, signingSecret };
}

async function post(
  channelId: string,
  secret: string,
  body: string,
  extra: Record<string, string> = {},
  at?: number,
) {
  return deliver(channelId, body, { ...(await slackSignature(secret, body, at)), ...extra });
}

function messageEvent(e: {
  channel: string;
  user?: string;
  text: string;
  ts?: string;
  threadTs?: string;
  type?: string;
  channelType?: string;
  eventId?: string;
}) {
  const ts = e.ts ?? `${1_700_000_000 + eventSeq}.000200`;
  return {
    token: "deprecated",
    team_id: "T0TEAM",
    api_app_id: "A0APP",
    type: "event_callback",
    event_id: e.eventId ?? `Ev${eventSeq++}`,
    event_time: 1_700_000_000,
    event: {
      type: e.type ?? "message",
      channel: e.channel,
      channel_type: e.channelType ?? "im",
      user: e.user ?? OWNER,
      text: e.text,
      ts,
      ...(e.threadTs ? { thread_ts: e.threadTs } : {}),
    },
  };
}

const posted = async (token: string, channel: string) =>
  (await doubleCalls(SLACK, token, "chat.postMessage")).filter(
    (c) => c.params.channel === channel && c.answered === 200,
  );

describe("slack channels", { timeout: 30_000 }, () => {
  it("checks the bot token with auth.test and returns the URL to paste", async () => {
    const { channel, token, signingSecret } = await newChannel();
    expect(channel).toMatchObject({ platform: "slack", bot: { id: BOT, team_id: "T0TEAM" } });
    expect(channel.setup).toContain("Request URL");
    expect(JSON.stringify(channel)).not.toContain(token);
    expect(JSON.stringify(channel)).not.toContain(signingSecret);
    expect(await doubleCalls(SLACK, token, "auth.test")).toHaveLength(1);
  });

  it("answers url_verification only when signed, and refuses stale or forged signatures", async () => {
    const { channel, signingSecret } = await newChannel();
    const body = JSON.stringify({
      token: "x",
      challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
      type: "url_verification",
    });
    const ok = await post(channel.id, signingSecret, body);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" });
    const forged = await post(channel.id, "wrong-secret", body);
    expect(forged.status).toBe(401);
    const stale = await post(channel.id, signingSecret, body, {}, Math.floor(Date.now() / 1000) - 6 * 60);
    expect(stale.status).toBe(401);
    const unsigned = await deliver(channel.id, body, {});
    expect(unsigned.status).toBe(401);
    expect(await auditRows("channels.webhook", channel.id)).toHaveLength(3);
  });

  it("acknowledges within Slack's 3 s, runs a retried event once, and answers in the thread", async () => {
    const { channel, token, signingSecret } = await newChannel();
    const event = JSON.stringify(messageEvent({ channel: "D0DM", text: "hello", ts: "1700000100.000100" }));
    const started = Date.now();
    const first = await post(channel.id, signingSecret, event);
    const ackMs = Date.now() - started;
    expect(first.status).toBe(200);
    expect(ackMs).toBeLessThan(3_000);
    console.log(`slack webhook → ack: ${ackMs} ms`);
    const retried = await post(channel.id, signingSecret, event, {
      "x-slack-retry-num": "1",
      "x-slack-retry-reason": "http_timeout",
    });
    expect(retried.status).toBe(200);
    await waitFor(async () => (await posted(token, "D0DM")).length > 0, {
      timeoutMs: 15_000,
      what: "the reply",
    });
    const reply = (await posted(token, "D0DM"))[0]?.params;
    expect(reply).toMatchObject({ thread_ts: "1700000100.000100" });
    expect(reply?.text).toMatch(/^Sorry, that did not work: [^\n]+\.$/);
    const [session] = await channelSessions(channel.id);
    expect((await sessionEvents(session?.id)).filter((e) => e.type === "user.message")).toHaveLength(1);
  });

  it("runs one session per thread, answers mentions in channels only, and ignores strangers", async () => {
    const { channel, token, signingSecret } = await newChannel();
    await post(
      channel.id,
      signingSecret,
      JSON.stringify(messageEvent({ channel: "C0GEN", channelType: "channel", text: "no mention here" })),
    );
    await post(
      channel.id,
      signingSecret,
      JSON.stringify(
        messageEvent({
          channel: "C0GEN",
          channelType: "channel",
          type: "app_mention",
          text: `<@${BOT}> first thread`,
          ts: "1700000200.000100",
        }),
      ),
    );
    await waitFor(async () => (await posted(token, "C0GEN")).length >= 1, {
      timeoutMs: 15_000,
      what: "the first answer",
    });
    await post(
      channel.id,
      signingSecret,
      JSON.stringify(
        messageEvent({
          channel: "C0GEN",
          channelType: "channel",
          type: "app_mention",
          text: `<@${BOT}> same thread`,
          threadTs: "1700000200.000100",
        }),
      ),
    );
    await post(
      channel.id,
      signingSecret,
      JSON.stringify(
        messageEvent({
          channel: "C0GEN",
          channelType: "channel",
          type: "app_mention",
          text: `<@${BOT}> another`,
          ts: "1700000300.000100",
        }),
      ),
    );
    await post(
      channel.id,
      signingSecret,
      JSON.stringify(messageEvent({ channel: "D0X", user: STRANGER, text: "let me in" })),
    );
    await waitFor(async () => (await posted(token, "C0GEN")).length >= 3, {
      timeoutMs: 15_000,
      what: "three answers",
    });
    const sessions = await channelSessions(channel.id);
    expect(sessions.map((s) => s.metadata.chat).sort()).toEqual([
      "C0GEN:1700000200.000100",
      "C0GEN:1700000300.000100",
    ]);
    const first = sessions.find((s) => s.metadata.chat === "C0GEN:1700000200.000100");
    const texts = (await sessionEvents(first?.id))
      .filter((e) => e.type === "user.message")
      .map((e) => e.content[0].text);
    expect(texts).toEqual(["first thread", "same thread"]);
    expect(await posted(token, "D0X")).toEqual([]);
    expect(await auditRows("channels.message", channel.id)).toHaveLength(1);
  });

  it("asks approvals with buttons that only allowed users can press, and splits a 10,000-character reply", async () => {
    const { channel, token, signingSecret } = await newChannel({ allowed_users: [OWNER, "U0MATE"] });
    await post(
      channel.id,
      signingSecret,
      JSON.stringify(messageEvent({ channel: "D0AP", text: "run ls", ts: "1700000400.000100" })),
    );
    await waitFor(async () => (await posted(token, "D0AP")).length > 0, {
      timeoutMs: 15_000,
      what: "the first turn",
    });
    const [session] = await channelSessions(channel.id);
    const sessionId = session?.id as string;
    const chat = chatObject(channel.id, "D0AP:1700000400.000100");
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
    await waitFor(async () => (await posted(token, "D0AP")).some((c) => c.params.blocks), {
      timeoutMs: 15_000,
      what: "the buttons",
    });
    const ask = (await posted(token, "D0AP")).find((c) => c.params.blocks)?.params;
    expect(ask?.thread_ts).toBe("1700000400.000100");
    const buttons = ask?.blocks[1].elements as Array<{
      action_id: string;
      value: string;
      text: { text: string };
    }>;
    expect(buttons.map((b) => [b.action_id, b.text.text])).toEqual([
      ["approve", "Allow"],
      ["deny", "Deny"],
    ]);
    const press = (user: string, actionTs: string) =>
      `payload=${encodeURIComponent(
        JSON.stringify({
          type: "block_actions",
          user: { id: user },
          team: { id: "T0TEAM" },
          channel: { id: "D0AP" },
          container: {
            type: "message",
            channel_id: "D0AP",
            message_ts: "1700000500.000100",
            thread_ts: "1700000400.000100",
          },
          message: { ts: "1700000500.000100", thread_ts: "1700000400.000100" },
          trigger_id: "1.2.3",
          response_url: "https://hooks.slack.com/actions/x",
          actions: [
            {
              type: "button",
              action_id: "approve",
              block_id: "b",
              value: buttons[0]?.value,
              action_ts: actionTs,
            },
          ],
        }),
      )}`;
    const form = { "content-type": "application/x-www-form-urlencoded" };
    expect((await post(channel.id, signingSecret, press(STRANGER, "1700000600.1"), form)).status).toBe(200);
    expect((await post(channel.id, signingSecret, press("U0MATE", "1700000600.2"), form)).status).toBe(200);
    await waitFor(
      async () => (await sessionEvents(sessionId)).some((e) => e.type === "user.tool_confirmation"),
      {
        timeoutMs: 10_000,
        what: "the confirmation",
      },
    );
    expect((await sessionEvents(sessionId)).filter((e) => e.type === "user.tool_confirmation")).toEqual([
      expect.objectContaining({ tool_use_id: useId, result: "allow" }),
    ]);
    expect(await auditRows("channels.approval", useId)).toEqual([
      expect.objectContaining({ outcome: "success", actor: { type: "channel_user", id: "slack:U0MATE" } }),
    ]);

    // A long reply, through one injected 429.
    const long = Array.from(
      { length: 200 },
      (_, i) => `line ${i}: **bold** & [link](https://example.com/${i})`,
    )
      .join("\n")
      .padEnd(10_000, "x");
    await injectFault(SLACK, {
      account: token,
      method: "chat.postMessage",
      status: 429,
      times: 1,
      retryAfter: 1,
    });
    const before = (await posted(token, "D0AP")).length;
    await plantEvents(sessionId, chat, [
      () => ({ type: "agent.message", content: [{ type: "text", text: long }] }),
      () => ({ type: "session.status_idle", stop_reason: { type: "end_turn" }, stop_details: null }),
    ]);
    await waitFor(async () => (await posted(token, "D0AP")).length >= before + 3, {
      timeoutMs: 20_000,
      what: "the split reply",
    });
    const parts = (await posted(token, "D0AP")).slice(before).map((c) => c.params.text as string);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(4_000);
    expect(parts[0]).toContain("*bold* &amp; <https://example.com/0|link>");
    expect(parts.every((p) => !p.includes("**"))).toBe(true);
  });
});
