/**
 * GatewayClient against a REAL OpenClaw gateway (one per file) and the deterministic model
 * server: device pairing over the admin RPC, streaming turns, memory across turns, abort,
 * tool events and usage. Prints measured figures at the end (boot, latencies, RSS).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectWithPairing } from "../../src/runtime/openclaw/admin-rpc";
import { DeviceIdentity } from "../../src/runtime/openclaw/device-identity";
import { GatewayClient, OPERATOR_SCOPES } from "../../src/runtime/openclaw/gateway-client";
import { PairingRequiredError } from "../../src/runtime/openclaw/gateway-errors";
import type { AgentEventPayload } from "../../src/runtime/openclaw/protocol";
import { realUserMessages, usageFor } from "../support/model-prompt.mjs";
import { type ModelServer, startModelServer } from "../support/model-server.mjs";
import { lanAddress, type OpenClawProcess, startOpenClaw } from "../support/openclaw-process.mjs";
import { EventLog, openSocket, waitUntil } from "./support";

const TOKEN = "clawplane-runtime-test-token";
const SESSION_TOKEN = "clawplane-runtime-session-token";
const SESSION = "agent:main:ses_runtime";
// Connect over a non-loopback address when there is one: that is how the gateway sees a
// Durable Object in production, and the only path on which pairing is enforced.
const LAN = lanAddress();

let model: ModelServer;
let gateway: OpenClawProcess;
let identity: DeviceIdentity;
const clients: GatewayClient[] = [];
const figures: Record<string, number | string | undefined> = {};

function newClient(deviceIdentity = identity): GatewayClient {
  const host = LAN ?? "127.0.0.1";
  const client = new GatewayClient({
    connect: () => openSocket(`ws://${host}:${gateway.port}/`),
    token: TOKEN,
    identity: deviceIdentity,
  });
  clients.push(client);
  return client;
}
const admin = () => ({ fetch, origin: gateway.origin, token: TOKEN });

beforeAll(async () => {
  model = await startModelServer();
  gateway = await startOpenClaw({
    token: TOKEN,
    sessionToken: SESSION_TOKEN,
    modelBaseUrl: model.url,
    bind: "lan",
  });
  identity = await DeviceIdentity.generate();
  figures.bootMs = gateway.bootMs;
  figures.rssAfterBootMiB = Math.round(((await gateway.rssKiB()) ?? 0) / 1024);
  figures.path = LAN ? `non-loopback (${LAN})` : "loopback only";
});

afterAll(async () => {
  for (const client of clients) client.close();
  figures.rssAtEndMiB = Math.round(((await gateway?.rssKiB()) ?? 0) / 1024);
  await gateway?.stop();
  await model?.close();
  console.log(`runtime figures: ${JSON.stringify(figures)}`);
});

describe("GatewayClient ↔ real OpenClaw gateway", () => {
  it.skipIf(!LAN)("refuses an unpaired remote device with a typed PairingRequiredError", async () => {
    const stranger = newClient(await DeviceIdentity.generate());
    const error = await stranger.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PairingRequiredError);
    const pairing = error as PairingRequiredError;
    expect(pairing.code).toBe("NOT_PAIRED");
    expect(pairing.details).toMatchObject({ code: "PAIRING_REQUIRED", reason: "not-paired" });
    expect(pairing.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("pairs the device over the admin RPC, then connects with full operator scopes", async () => {
    const client = newClient();
    const { hello, approvedRequestId } = await connectWithPairing(client, admin());
    if (LAN) expect(approvedRequestId).toBeDefined();
    expect(hello).toMatchObject({ type: "hello-ok", protocol: 4, server: { version: "2026.9.6" } });
    expect([...hello.auth.scopes].sort()).toEqual([...OPERATOR_SCOPES].sort());
    figures.deviceTokenIssued = String(Boolean(hello.auth.deviceToken));

    // The approval sticks: the same identity connects again without a new request.
    const again = await connectWithPairing(newClient(), admin());
    expect(again.approvedRequestId).toBeUndefined();
  });

  it("streams a turn: chat deltas and final carry the model's reply, usage reaches the events", async () => {
    const client = newClient();
    await connectWithPairing(client, admin());
    const log = new EventLog(client);
    await client.request("sessions.messages.subscribe", { key: SESSION });
    const started = Date.now();
    const { runId, status } = await client.chatSend({
      sessionKey: SESSION,
      message: "hello clawplane",
      idempotencyKey: "run-first",
    });
    expect({ runId, status }).toEqual({ runId: "run-first", status: "started" });
    const end = await log.runEnd(runId);
    figures.firstTurnMs = end.at - started;

    expect(end.payload).toMatchObject({ state: "final", stopReason: "stop" });
    expect(end.payload.message?.content).toEqual([{ type: "text", text: "echo: hello clawplane" }]);
    const deltas = log.chat(runId).filter((p) => p.state === "delta");
    expect(deltas.length).toBeGreaterThan(0);
    expect(deltas.map((p) => p.deltaText).join("")).toBe("echo: hello clawplane");

    const request = model.requests.at(-1)!;
    expect(request.authorization).toBe(`Bearer ${SESSION_TOKEN}`);
    expect(request.body).toMatchObject({
      model: "default",
      stream: true,
      stream_options: { include_usage: true },
    });
    const expected = usageFor(request.body, "echo: hello clawplane");
    const assistant = await log.waitFor(
      (f) =>
        f.event === "session.message" &&
        (f.payload as { message?: { role?: string } }).message?.role === "assistant",
      10_000,
      "assistant session.message",
    );
    const usage = (assistant.frame.payload as { message: { usage: Record<string, number> } }).message.usage;
    expect(usage).toMatchObject({ input: expected.prompt_tokens, output: expected.completion_tokens });
    expect(usage.totalTokens).toBe(expected.total_tokens);
    const usageStream = log
      .forRun(runId)
      .map((e) => e.frame.payload as AgentEventPayload)
      .find((p) => p.stream === "usage");
    expect(usageStream?.data).toEqual({ outputTokens: expected.completion_tokens });
    figures.promptTokensPerTurn = expected.prompt_tokens;
  });

  it("remembers: the second turn's model request carries the first turn", async () => {
    const client = newClient();
    await connectWithPairing(client, admin());
    const log = new EventLog(client);
    const started = Date.now();
    const { runId } = await client.chatSend({
      sessionKey: SESSION,
      message: "RECALL what did I say first?",
      idempotencyKey: "run-recall",
    });
    const end = await log.runEnd(runId);
    figures.warmTurnMs = end.at - started;
    const seen = ["hello clawplane", "RECALL what did I say first?"];
    expect(realUserMessages(model.requests.at(-1)!.body)).toEqual(seen);
    expect(end.payload.message?.content[0]?.text).toBe(`recall: ${JSON.stringify(seen)}`);
  });

  it("chat.abort ends a slow run promptly and cancels the model stream", async () => {
    const client = newClient();
    await connectWithPairing(client, admin());
    const log = new EventLog(client);
    model.setMode({ kind: "slow", chunkDelayMs: 200, chunks: 150 }); // 30 s if never aborted
    try {
      const { runId } = await client.chatSend({
        sessionKey: "agent:main:ses_abort",
        message: "take your time",
        idempotencyKey: "run-slow",
      });
      await log.waitFor(
        (f) =>
          f.event === "chat" &&
          (f.payload as { runId: string; state: string }).runId === runId &&
          (f.payload as { state: string }).state === "delta",
        30_000,
        "first delta",
      );
      const abortedAt = Date.now();
      const result = await client.chatAbort({ sessionKey: "agent:main:ses_abort", runId });
      expect(result).toEqual({ ok: true, aborted: true, runIds: [runId] });
      const end = await log.runEnd(runId, 10_000);
      figures.abortMs = end.at - abortedAt;
      expect(end.payload).toMatchObject({ state: "aborted", stopReason: "rpc" });
      expect(figures.abortMs).toBeLessThan(2_000);
      const request = model.requests.at(-1)!;
      await waitUntil(() => request.outcome === "aborted", {
        timeoutMs: 5_000,
        what: "model stream cancelled",
      });
    } finally {
      model.setMode("normal");
    }
  });

  it("reports tool start/result events and ends with the tool-informed reply", async () => {
    const client = newClient();
    await connectWithPairing(client, admin());
    const log = new EventLog(client);
    model.setMode({ kind: "tool_call", name: "exec", arguments: { command: "echo hi-from-tool" } });
    try {
      const { runId } = await client.chatSend({
        sessionKey: "agent:main:ses_tool",
        message: "run it",
        idempotencyKey: "run-tool",
      });
      const end = await log.runEnd(runId);
      expect(end.payload.state).toBe("final");
      const agent = log
        .forRun(runId)
        .filter((e) => e.frame.event === "agent")
        .map((e) => e.frame.payload as AgentEventPayload);
      const tool = agent.filter((p) => p.stream === "tool").map((p) => p.data);
      expect(tool.find((d) => d.phase === "start")).toMatchObject({
        name: "exec",
        args: { command: "echo hi-from-tool" },
      });
      expect(tool.find((d) => d.phase === "result")).toMatchObject({
        name: "exec",
        isError: false,
        result: { content: [{ type: "text", text: "hi-from-tool" }] },
      });
      const lifecycleEnd = agent.find((p) => p.stream === "lifecycle" && p.data.phase === "end");
      expect(lifecycleEnd?.data.terminalReply).toMatchObject({ text: "tool result: hi-from-tool" });
      // The follow-up model request carried the tool result.
      expect(model.requests.at(-1)!.body.messages.some((m: { role: string }) => m.role === "tool")).toBe(
        true,
      );
    } finally {
      model.setMode("normal");
    }
  });
});
