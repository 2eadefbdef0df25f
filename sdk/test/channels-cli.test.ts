/**
 * `clawplane channels …` and `client.channels`, in-process against the real Worker (workerd, D1).
 * WhatsApp is used because creating it calls no platform (Telegram's and Slack's creates are
 * proven against the platform doubles in the Worker's test/integration/channels-*.test.ts).
 */
import { describe, expect, it } from "vitest";
import { cliOn } from "./fake-api";
import { ADMIN_KEY, BASE_URL, client, workerFetch } from "./helpers";

const SECRETS = {
  WHATSAPP_ACCESS_TOKEN: "EAAG-cli-test-token",
  WHATSAPP_APP_SECRET: "cli-app-secret",
  WHATSAPP_VERIFY_TOKEN: "cli-verify-token",
};
const cli = (env: Record<string, string> = SECRETS) =>
  cliOn({ fetch: workerFetch, baseURL: BASE_URL, apiKey: ADMIN_KEY, env });

async function agentAndEnvironment() {
  const c = client();
  const agent = await c.agents.create({ name: "Chat agent", model: "claude-sonnet-4-6" });
  const environment = await c.environments.create({ name: `chat-${crypto.randomUUID().slice(0, 8)}` });
  return { agentId: agent.id, environmentId: environment.id };
}

describe("clawplane channels", () => {
  it("adds a WhatsApp channel with secrets from the environment, lists, shows and removes it", async () => {
    const { agentId, environmentId } = await agentAndEnvironment();
    const added = await cli().run(
      "channels",
      "add",
      "whatsapp",
      "--agent",
      agentId,
      "--environment",
      environmentId,
      "--phone-number-id",
      "106540352242922",
      "--allow",
      "16505551234",
      "--allow",
      "16505550000",
    );
    expect(added).toMatchObject({ code: 0, err: "" });
    const id = added.out.match(/^id: +(chan_\S+)$/m)?.[1] as string;
    expect(id).toBeDefined();
    expect(added.out).toMatch(/^webhook url: +http:\/\/\S+\/channels\/chan_\S+\/webhook$/m);
    expect(added.out).toMatch(/^allowed users: +16505551234, 16505550000$/m);
    for (const secret of Object.values(SECRETS)) expect(added.out).not.toContain(secret);

    const stored = await client().channels.retrieve(id);
    expect(stored).toMatchObject({
      platform: "whatsapp",
      agent_id: agentId,
      phone_number_id: "106540352242922",
    });

    const listed = await cli().run("channels", "ls", "--limit", "1000");
    expect(listed.out).toContain(id);
    const shown = await cli().run("channels", "show", id, "--json");
    expect(JSON.parse(shown.out)).toMatchObject({
      id,
      stats: { messages_in: 0, errors: 0, last_error: null },
    });

    const removed = await cli().run("channels", "rm", id);
    expect(removed).toMatchObject({ code: 0, out: `removed ${id}\n` });
    expect((await cli().run("channels", "show", id)).code).toBe(1);
  });

  it("refuses to run without the platform's secrets in the environment, sending nothing", async () => {
    const { agentId } = await agentAndEnvironment();
    const before = (await client().channels.list({ limit: 1000 })).data.length;
    const res = await cli({ WHATSAPP_ACCESS_TOKEN: "x" }).run(
      "channels",
      "add",
      "whatsapp",
      "--agent",
      agentId,
      "--phone-number-id",
      "1",
      "--allow",
      "1",
    );
    expect(res.code).toBe(2);
    expect(res.err).toContain("WHATSAPP_APP_SECRET, WHATSAPP_VERIFY_TOKEN");
    expect((await client().channels.list({ limit: 1000 })).data.length).toBe(before);
  });
});
