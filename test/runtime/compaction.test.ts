/**
 * OpenClaw's context compaction against a REAL gateway and the model double: the signal the
 * session turns into `agent.thread_context_compacted`. The session's runtime link (the same
 * GatewayClient, subscribed to the session's messages as the Durable Object subscribes) asks
 * OpenClaw to compact a session that has a conversation; OpenClaw summarises it with a model
 * call and reports the completed compaction as a `session.operation` frame, which
 * `compactedSessionKey` (the translator module) must recognise for that session's key. How the
 * session routes that frame to a thread's log and the parent's stream is covered by
 * test/integration/threads.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectWithPairing } from "../../src/runtime/openclaw/admin-rpc";
import { DeviceIdentity } from "../../src/runtime/openclaw/device-identity";
import { GatewayClient } from "../../src/runtime/openclaw/gateway-client";
import { compactedSessionKey } from "../../src/session/turn-translator";
import { type ModelServer, startModelServer } from "../support/model-server.mjs";
import { type OpenClawProcess, startOpenClaw } from "../support/openclaw-process.mjs";
import { EventLog, openSocket } from "./support";

const TOKEN = "clawplane-compaction-test-token";
const SESSION = "agent:main:ses_compaction";

let model: ModelServer;
let gateway: OpenClawProcess;
let client: GatewayClient;

beforeAll(async () => {
  model = await startModelServer();
  gateway = await startOpenClaw({ token: TOKEN, modelBaseUrl: model.url });
  client = new GatewayClient({
    connect: () => openSocket(`ws://127.0.0.1:${gateway.port}/`),
    token: TOKEN,
    identity: await DeviceIdentity.generate(),
  });
  await connectWithPairing(client, { fetch, origin: gateway.origin, token: TOKEN });
});

afterAll(async () => {
  client?.close();
  await gateway?.stop();
  await model?.close();
});

describe("OpenClaw compaction → the session's signal", () => {
  it("an explicit compaction of a session's conversation reaches its link as a completed compaction of its key", async () => {
    const log = new EventLog(client);
    await client.request("sessions.messages.subscribe", { key: SESSION });
    for (const [i, text] of ["remember the number 41", "and the colour teal", "what did I say?"].entries()) {
      const { runId } = await client.chatSend({
        sessionKey: SESSION,
        message: text,
        idempotencyKey: `run-${i}`,
      });
      expect((await log.runEnd(runId, 120_000)).payload.state).toBe("final");
    }
    const calls = model.requests.length;

    const result = await client.request<{ ok: boolean; compacted: boolean }>("sessions.compact", {
      key: SESSION,
    });
    expect(result).toMatchObject({ ok: true, compacted: true });
    // OpenClaw summarised the conversation with a model call of its own.
    expect(model.requests.length).toBeGreaterThan(calls);

    const done = await log.waitFor(
      (f) => compactedSessionKey(f) !== null,
      30_000,
      "completed compaction frame",
    );
    expect(compactedSessionKey(done.frame)).toBe(SESSION);
    // Exactly one: its start frame is not a compaction, nor are other frames of the session.
    expect(log.events.filter((e) => compactedSessionKey(e.frame) !== null)).toHaveLength(1);
  }, 300_000);
});
