/**
 * Channels of a plane member's agent: the member's token manages only their own agent's
 * channels (the environment defaults to theirs; anyone-may-talk is refused), and another
 * member's channel is invisible to them, as every member resource is.
 */
import { describe, expect, inject, it } from "vitest";
import { callJson } from "../helpers/api";
import {
  auditRows,
  channelSessions,
  deliver,
  doubleCalls,
  whatsappAccount,
  whatsappPayload,
} from "../helpers/channels";
import { addMember, createPlane, memberSession, modelCall, runTurn, unique } from "../helpers/planes";
import { waitFor } from "../helpers/wait";
import { whatsappSignature } from "../support/chat-webhooks.mjs";

const WA = inject("whatsappApiUrl");

const whatsapp = (agentId: string, extra: Record<string, unknown> = {}) => ({
  platform: "whatsapp",
  agent_id: agentId,
  phone_number_id: "106540352242922",
  access_token: "EAAG-member",
  app_secret: "member-app-secret",
  verify_token: "member-verify",
  allowed_users: ["16505551234"],
  ...extra,
});

describe("a plane member's channels", () => {
  it("are the member's own: created in their environment, listed and removed only by them", async () => {
    const plane = await createPlane();
    const alice = await addMember(plane.id, "alice");
    const bob = await addMember(plane.id, "bob");

    const mine = await callJson("/v1/channels", { key: alice.token, body: whatsapp(alice.agent_id) });
    expect(mine.status).toBe(201);
    expect(mine.body).toMatchObject({ agent_id: alice.agent_id, environment_id: alice.environment_id });
    expect((await auditRows("channels.create", mine.body.id))[0]).toMatchObject({ outcome: "success" });

    const anyone = await callJson("/v1/channels", {
      key: alice.token,
      body: whatsapp(alice.agent_id, { allowed_users: ["*"] }),
    });
    expect(anyone.status).toBe(400);
    expect(anyone.body.error.details.errors[0].path).toBe("allowed_users");
    // Even the org admin cannot open a member's agent to anyone.
    const adminAnyone = await callJson("/v1/channels", {
      body: whatsapp(alice.agent_id, { allowed_users: ["*"] }),
    });
    expect(adminAnyone.status).toBe(400);

    const theirs = await callJson("/v1/channels", { key: alice.token, body: whatsapp(bob.agent_id) });
    expect(theirs.status).toBe(404);
    expect(theirs.body.error.details.errors[0].path).toBe("agent_id");

    const bobs = await callJson("/v1/channels", { key: bob.token, body: whatsapp(bob.agent_id) });
    expect(bobs.status).toBe(201);
    const listed = await callJson("/v1/channels?limit=1000", { key: alice.token });
    expect(listed.body.data.map((c: { id: string }) => c.id)).toEqual([mine.body.id]);
    expect((await callJson(`/v1/channels/${bobs.body.id}`, { key: alice.token })).status).toBe(404);
    expect(
      (await callJson(`/v1/channels/${bobs.body.id}`, { key: alice.token, method: "DELETE" })).status,
    ).toBe(404);
    expect((await callJson(`/v1/channels/${bobs.body.id}`)).status).toBe(200);
    expect(
      (await callJson(`/v1/channels/${mine.body.id}`, { key: alice.token, method: "DELETE" })).status,
    ).toBe(200);
  });

  it("spend the member's plane budget: past it, the chat is told why and no turn starts", async () => {
    const plane = await createPlane({ monthly_budget_usd: 0.000001 });
    const alice = await addMember(plane.id, "alice");
    // Spend past the budget through an ordinary session of the member's agent.
    const spent = await memberSession(alice);
    await runTurn(spent.id, alice.token);
    expect((await modelCall(spent.id, unique("channel-budget"))).status).toBe(200);

    const { phoneNumberId, token } = await whatsappAccount(WA);
    const created = await callJson("/v1/channels", {
      key: alice.token,
      body: whatsapp(alice.agent_id, { phone_number_id: phoneNumberId, access_token: token }),
    });
    expect(created.status).toBe(201);
    const raw = JSON.stringify(
      whatsappPayload(phoneNumberId, [
        {
          from: "16505551234",
          id: `wamid.${unique("b")}`,
          timestamp: "1700000000",
          type: "text",
          text: { body: "hi" },
        },
      ]),
    );
    const delivered = await deliver(created.body.id, raw, await whatsappSignature("member-app-secret", raw));
    expect(delivered.status).toBe(200);

    const replies = async () =>
      (await doubleCalls(WA, phoneNumberId, "messages")).filter(
        (c) => c.params.to === "16505551234" && c.params.type === "text",
      );
    await waitFor(async () => (await replies()).length > 0, { timeoutMs: 15_000, what: "the chat's answer" });
    expect((await replies())[0]?.params.text.body).toMatch(
      /^Sorry, that did not work: monthly budget exhausted/,
    );
    expect(await channelSessions(created.body.id)).toEqual([]);
  });
});
