/**
 * Idle sleep: a session stops its runtime after its environment's `sleep_after_seconds` without
 * a turn (the next message starts it again). These tests have no runtime, so they read the
 * alarm that will stop it; the stop itself is the alarm's idle branch (session-recovery.test.ts).
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { SESSION_WATCHDOG_MS } from "../../src/config";
import { callJson, MINIMAL_AGENT } from "../helpers/api";
import { sessionObject } from "../helpers/session-object";
import { waitFor } from "../helpers/wait";

async function newSession(config?: object): Promise<string> {
  const agent = (await callJson("/v1/agents", { body: MINIMAL_AGENT })).body;
  const name = `sleep-${crypto.randomUUID()}`;
  const environment = await callJson("/v1/environments", { body: { name, config } });
  expect(environment.status).toBe(200);
  return (await callJson("/v1/sessions", { body: { agent: agent.id, environment_id: environment.body.id } }))
    .body.id;
}

/** Runs one turn, then answers in how many seconds after the message the runtime will be stopped. */
async function secondsUntilSleep(sessionId: string): Promise<number> {
  const sent = Date.now();
  const message = { type: "user.message", content: [{ type: "text", text: "hi" }] };
  await callJson(`/v1/sessions/${sessionId}/events`, { body: { events: [message] } });
  let alarm = 0;
  await waitFor(
    async () => {
      alarm =
        (await runInDurableObject(sessionObject(sessionId), (_i, state) => state.storage.getAlarm())) ?? 0;
      // Beyond the watchdog that guards a pending message: the turn is over, the idle alarm is set.
      return alarm - sent > SESSION_WATCHDOG_MS;
    },
    { what: "the idle alarm" },
  );
  return (alarm - sent) / 1000;
}

describe("idle sleep", () => {
  it("stops an idle runtime after its environment's sleep_after_seconds, 10 minutes by default", async () => {
    const quick = await secondsUntilSleep(await newSession({ type: "cloud", sleep_after_seconds: 120 }));
    expect(quick).toBeGreaterThanOrEqual(120);
    expect(quick).toBeLessThan(150);
    const standard = await secondsUntilSleep(await newSession());
    expect(standard).toBeGreaterThanOrEqual(600);
    expect(standard).toBeLessThan(630);
  });

  it("refuses a sleep outside a minute to a day at its path, and stores nothing", async () => {
    const name = `sleep-bad-${crypto.randomUUID()}`;
    const res = await callJson("/v1/environments", {
      body: { name, config: { type: "cloud", sleep_after_seconds: 30 } },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details.errors[0].path).toBe("config.sleep_after_seconds");
    const list = await callJson("/v1/environments?limit=1000");
    expect(list.body.data.some((e: { name: string }) => e.name === name)).toBe(false);
  });

  it("reads an environment stored before the setting existed with the 10 minutes it always had", async () => {
    const id = `env_old${crypto.randomUUID().replaceAll("-", "")}`;
    const spec = {
      name: `old-${id}`,
      description: null,
      config: {
        type: "cloud",
        networking: { type: "unrestricted" },
        packages: { type: "packages", apt: [], cargo: [], gem: [], go: [], npm: [], pip: [] },
      },
      metadata: {},
      scope: "organization",
    };
    await env.DB.prepare(
      "INSERT INTO environments (id, name, spec, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
    )
      .bind(id, spec.name, JSON.stringify(spec), Date.now(), Date.now())
      .run();
    expect((await callJson(`/v1/environments/${id}`)).body.config.sleep_after_seconds).toBe(600);
  });
});
