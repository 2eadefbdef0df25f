/**
 * Agents Plane logs with a real OpenClaw gateway: a member's live session runs a turn, and the
 * plane admin reads (and follows) the gateway's own log lines next to the session's events —
 * with neither the session's LLM proxy token nor its gateway token anywhere in them. One
 * session, one gateway (local stack: wrangler dev, runtime supervisor, model double).
 */
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectWithPairing } from "../../src/runtime/openclaw/admin-rpc";
import { DeviceIdentity } from "../../src/runtime/openclaw/device-identity";
import { GatewayClient } from "../../src/runtime/openclaw/gateway-client";
import { type LocalStack, startLocalStack } from "../support/local-stack.mjs";
import { processEnvironment } from "../support/proc.mjs";
import { expectCompletedTurn, sendAndWait } from "../support/session-driver";
import { openSocket } from "./support";

const ADMIN_KEY = "runtime-plane-logs-admin-key";
const PROVIDER_KEY = "provider-secret-for-plane-logs";

let stack: LocalStack;

async function api(path: string, key: string, body?: unknown) {
  const res = await fetch(`${stack.worker.origin}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

beforeAll(async () => {
  stack = await startLocalStack({ adminKey: ADMIN_KEY, providerKey: PROVIDER_KEY });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

type Item = { session_id: string; source?: string; time?: string; line?: string; event?: { type: string } };

describe("plane logs of a live session", () => {
  it("shows the gateway's log lines beside the events, redacted, and follows new ones", async () => {
    const plane = await api("/v1/planes", ADMIN_KEY, {
      name: `logs-${Date.now()}`,
      template: { model: "claude-sonnet-4-6", system: "Be brief." },
    });
    expect(plane.status).toBe(201);
    const member = await api(`/v1/planes/${plane.body.id}/members`, ADMIN_KEY, {
      name: "alice",
      owner: "alice@acme.test",
    });
    expect(member.status).toBe(201);
    const alice = new Anthropic({ apiKey: member.body.token, baseURL: stack.worker.origin, maxRetries: 0 });
    const session = await alice.beta.sessions.create({
      agent: member.body.agent_id,
      environment_id: member.body.environment_id,
    });
    expectCompletedTurn(await sendAndWait(alice, session.id, "hello plane logs"));

    // The runtime's secrets, as its process has them: they must never reach an admin.
    const runtime = (await (await fetch(`${stack.supervisor.origin}/runtimes/${session.id}`)).json()) as {
      pid: number;
      port: number;
    };
    const environ = processEnvironment(runtime.pid);
    const secretOf = (name: string) =>
      environ.find((e) => e.startsWith(`${name}=`))?.slice(name.length + 1) ?? "";
    const sessionToken = secretOf("CLAWPLANE_SESSION_TOKEN");
    const gatewayToken = secretOf("OPENCLAW_GATEWAY_TOKEN");
    expect(sessionToken).toMatch(/^cpst_/);
    expect(gatewayToken.length).toBeGreaterThan(20);

    const logs = await api(
      `/v1/planes/${plane.body.id}/members/alice/logs?limit=1000`,
      plane.body.admin_token,
    );
    expect(logs.status).toBe(200);
    const items = logs.body.data as Item[];
    expect(items.some((i) => i.event?.type === "agent.message")).toBe(true);
    const lines = items.filter((i) => i.source === "runtime");
    // The gateway logged the session's own calls (chat.send over its WebSocket).
    expect(lines.some((i) => i.line?.includes("chat.send"))).toBe(true);
    for (const line of lines) {
      expect(line).toEqual({
        source: "runtime",
        session_id: session.id,
        time: expect.any(String),
        line: expect.any(String),
      });
      expect(Number.isNaN(Date.parse(line.time!))).toBe(false);
    }
    // Runtime lines come after the events.
    const firstLine = items.findIndex((i) => i.source === "runtime");
    expect(items.slice(firstLine).every((i) => i.source === "runtime")).toBe(true);
    const text = JSON.stringify(logs.body);
    expect(text).not.toContain(sessionToken);
    expect(text).not.toContain(gatewayToken);
    console.log(
      `plane logs: ${items.length - lines.length} events, ${lines.length} runtime lines, e.g.\n${lines
        .slice(-5)
        .map((i) => `  ${i.time} ${i.line?.slice(0, 120)}`)
        .join("\n")}`,
    );

    // Follow: the next turn's gateway lines arrive while the stream is open.
    const controller = new AbortController();
    const res = await fetch(
      `${stack.worker.origin}/v1/planes/${plane.body.id}/members/alice/logs?follow=true`,
      {
        headers: { authorization: `Bearer ${plane.body.admin_token}` },
        signal: controller.signal,
      },
    );
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const followed: Item[] = [];
    const reading = (async () => {
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const chunk = await reader.read().catch(() => ({ done: true as const, value: undefined }));
        if (chunk.done) return;
        buffer += decoder.decode(chunk.value, { stream: true });
        for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
          const data = buffer
            .slice(0, end)
            .split("\n")
            .filter((l) => l.startsWith("data:"))
            .map((l) => l.slice(5).trim())
            .join("\n");
          buffer = buffer.slice(end + 2);
          if (data) followed.push(JSON.parse(data));
        }
      }
    })();
    const started = Date.now();
    expectCompletedTurn(await sendAndWait(alice, session.id, "second turn while followed"));
    // A warm turn of an agent without tools may write no gateway line at all: outside verbose
    // mode OpenClaw logs a WebSocket call only when it fails or takes 50 ms or more. A call that
    // fails is always logged, so an operator connected to the gateway makes one now.
    const operator = new GatewayClient({
      connect: () => openSocket(`ws://127.0.0.1:${runtime.port}/`),
      token: gatewayToken,
      identity: await DeviceIdentity.generate(),
    });
    try {
      await connectWithPairing(operator, {
        fetch,
        origin: `http://127.0.0.1:${runtime.port}`,
        token: gatewayToken,
      });
      await expect(operator.request("clawplane.no_such_method")).rejects.toThrow();
    } finally {
      operator.close();
    }
    const deadline = Date.now() + 20_000;
    while (!followed.some((i) => i.source === "runtime") && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
    }
    controller.abort();
    await reading;
    const live = followed.filter((i) => i.source === "runtime");
    console.log(
      `followed runtime lines (${live.length}):\n${live.map((i) => `  ${i.time} ${i.line?.slice(0, 120)}`).join("\n")}`,
    );
    expect(live.length).toBeGreaterThan(0);
    // Only lines written while following: none of those read before the stream opened.
    const before = new Set(lines.map((i) => `${i.time} ${i.line}`));
    for (const line of live) {
      expect(line).toEqual({
        source: "runtime",
        session_id: session.id,
        time: expect.any(String),
        line: expect.any(String),
      });
      expect(Date.parse(line.time!)).toBeGreaterThanOrEqual(started - 5_000);
      expect(before.has(`${line.time} ${line.line}`)).toBe(false);
    }
    expect(followed.some((i) => i.event?.type === "agent.message")).toBe(true);
    const followedText = JSON.stringify(followed);
    expect(followedText).not.toContain(sessionToken);
    expect(followedText).not.toContain(gatewayToken);
  });
});
