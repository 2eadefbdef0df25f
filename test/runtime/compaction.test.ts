/**
 * OpenClaw's context compaction against a REAL gateway and the model double: the signal the
 * session turns into `agent.thread_context_compacted`. A GatewayClient subscribed exactly as the
 * session's runtime link subscribes (subscribeSessionEvents) sees a session with a conversation
 * compacted by the gateway's `sessions.compact`; OpenClaw summarises it with a model call and
 * reports the completed compaction as a `session.operation` frame, which `compactedSessionKey`
 * (the translator module) must recognise for that key. (A user's `/compact` message compacts
 * too, but OpenClaw reports it only as a status-notice reply, no frame; auto-compaction mid-run
 * comes on the run's `compaction` agent stream, which this small model-double conversation
 * never triggers: both are in test/unit/turn-translator.test.ts's frames only.) How the
 * session routes that frame to a thread's log and the parent's stream is covered by
 * test/integration/threads.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectWithPairing } from "../../src/runtime/openclaw/admin-rpc";
import { DeviceIdentity } from "../../src/runtime/openclaw/device-identity";
import { GatewayClient } from "../../src/runtime/openclaw/gateway-client";
import { subscribeSessionEvents } from "../../src/session/gateway-link";
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
  it("sessions.compact on a session with a conversation reaches the link as one completed compaction of its key", async () => {
    const log = new EventLog(client);
    await subscribeSessionEvents(client, SESSION);
    const turn = async (text: string, id: string) => {
      const { runId } = await client.chatSend({ sessionKey: SESSION, message: text, idempotencyKey: id });
      return (await log.runEnd(runId, 120_000)).payload;
    };
    for (const [i, text] of ["remember the number 41", "and the colour teal"].entries())
      expect((await turn(text, `run-${i}`)).state).toBe("final");
    const compactions = () => log.events.filter((e) => compactedSessionKey(e.frame) !== null);
    expect(compactions()).toEqual([]);

    const calls = model.requests.length;
    const result = await client.request<{ ok: boolean; compacted: boolean }>(
      "sessions.compact",
      { key: SESSION },
      { timeoutMs: 120_000 },
    );
    expect(result).toMatchObject({ ok: true, compacted: true });
    expect(model.requests.length).toBeGreaterThan(calls);
    const done = await log.waitFor((f) => compactedSessionKey(f) !== null, 30_000, "compaction frame");
    expect(compactedSessionKey(done.frame)).toBe(SESSION);
    // One frame for the one compaction: its start frame and the sessions.changed notice are not.
    expect(compactions()).toHaveLength(1);
  }, 300_000);
});
