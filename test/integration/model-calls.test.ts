/**
 * No hidden spend: the LLM proxy grants a session's model calls only while the session runs a
 * turn. A gateway acting on its own between turns (OpenClaw's heartbeat, a wake-up) is refused
 * before anything reaches a provider, so no call is metered that no turn's spans report. The
 * same refusal against a real gateway is in test/runtime/hidden-spend.test.ts.
 */
import { describe, expect, it } from "vitest";
import { callJson, MINIMAL_AGENT } from "../helpers/api";
import { mintSessionToken, modelCall } from "../helpers/session-token";

describe("model calls outside a turn", () => {
  it("are refused with 409 for an idle session, and nothing is metered", async () => {
    const agent = (await callJson("/v1/agents", { body: MINIMAL_AGENT })).body;
    const environment = (
      await callJson("/v1/environments", { body: { name: `idle-${crypto.randomUUID()}` } })
    ).body;
    const session = (
      await callJson("/v1/sessions", { body: { agent: agent.id, environment_id: environment.id } })
    ).body;
    const token = await mintSessionToken(session.id);
    expect(token).toMatch(/^cpst_/);
    const before = (await callJson(`/v1/sessions/${session.id}`)).body;
    expect(before.status).toBe("idle");

    const refused = await modelCall(token);
    expect(refused.status).toBe(409);
    expect(refused.headers.get("x-should-retry")).toBe("false");
    const body = (await refused.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("session_idle");
    expect(body.error.message).toContain("running no turn");

    const after = (await callJson(`/v1/sessions/${session.id}`)).body;
    expect(after.usage).toEqual(before.usage);
    expect(after.status).toBe("idle");
  });
});
