/**
 * No hidden spend, with real parts (Worker under `wrangler dev`, one real OpenClaw gateway per
 * session, the Worker's LLM proxy, the model double):
 *   - the model is offered only the tools the agent has (none for `tools: []`);
 *   - a model call the gateway starts on its own while the session is idle (what OpenClaw's
 *     heartbeat or a wake-up does) never reaches the provider and costs nothing, and the
 *     session goes on normally afterwards;
 *   - OpenClaw's own schedules (heartbeat, dreaming, skill reviews) are off in our config.
 */
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminRpc, connectWithPairing } from "../../src/runtime/openclaw/admin-rpc";
import { DeviceIdentity } from "../../src/runtime/openclaw/device-identity";
import { GatewayClient } from "../../src/runtime/openclaw/gateway-client";
import { openclawSessionKey } from "../../src/session/session-runtime";
import { type LocalStack, startLocalStack } from "../support/local-stack.mjs";
import { processEnvironment } from "../support/proc.mjs";
import { expectCompletedTurn, lastAgentText, sendAndWait } from "../support/session-driver";
import { EventLog, openSocket } from "./support";

const ADMIN_KEY = "runtime-test-admin-key";
// A cold turn includes a gateway boot: minutes on a loaded 2-core machine.
const TURN_TIMEOUT_MS = 300_000;

let stack: LocalStack;
let client: Anthropic;
let environmentId: string;

beforeAll(async () => {
  stack = await startLocalStack({ adminKey: ADMIN_KEY, providerKey: "provider-secret-for-tests" });
  client = new Anthropic({ apiKey: ADMIN_KEY, baseURL: stack.worker.origin, maxRetries: 0 });
  environmentId = (await client.beta.environments.create({ name: `hidden-spend-${Date.now()}` })).id;
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

async function sessionWith(tools: Anthropic.Beta.Agents.AgentCreateParams["tools"]) {
  const agent = await client.beta.agents.create({ name: "Spend", model: "claude-sonnet-4-6", tools });
  return (await client.beta.sessions.create({ agent: agent.id, environment_id: environmentId })).id;
}

/** The names of the tools offered in the model requests of the turn whose user text is `marker`. */
function offeredTools(marker: string): string[][] {
  const requests = stack.model.requests.filter((r) => JSON.stringify(r.body.messages).includes(marker));
  expect(requests.length).toBeGreaterThan(0);
  return requests.map((r) =>
    (r.body.tools ?? []).map((t: { function: { name: string } }) => t.function.name),
  );
}

/** The session's gateway: its port and bearer, as the session's Durable Object holds them. */
async function gatewayOf(sessionId: string) {
  const status = (await (await fetch(`${stack.supervisor.origin}/runtimes/${sessionId}`)).json()) as {
    pid: number;
    port: number;
  };
  const token = processEnvironment(status.pid)
    .find((line) => line.startsWith("OPENCLAW_GATEWAY_TOKEN="))!
    .slice("OPENCLAW_GATEWAY_TOKEN=".length);
  return { origin: `http://127.0.0.1:${status.port}`, port: status.port, token };
}

describe("no hidden spend", { timeout: 700_000 }, () => {
  let bareSession: string;

  it("offers no tool to an agent with tools: [], and exactly its tools to an agent with some", async () => {
    bareSession = await sessionWith([]);
    expectCompletedTurn(await sendAndWait(client, bareSession, "hi bare", { timeoutMs: TURN_TIMEOUT_MS }));
    for (const names of offeredTools("hi bare")) expect(names).toEqual([]);

    const someSession = await sessionWith([
      {
        type: "agent_toolset_20260401",
        default_config: { enabled: false },
        configs: [
          { name: "read", enabled: true },
          { name: "bash", enabled: true },
        ],
      },
    ]);
    expectCompletedTurn(await sendAndWait(client, someSession, "hi some", { timeoutMs: TURN_TIMEOUT_MS }));
    // read → read; bash → exec and process, plus tool_call, OpenClaw's dispatcher for bash's
    // deferred terminal and code_execution; no file writing, no web, no OpenClaw operator tools.
    for (const names of offeredTools("hi some")) {
      expect(names.sort()).toEqual(["exec", "process", "read", "tool_call"]);
    }
  });

  it("keeps an idle session's gateway from spending: a call it starts on its own never reaches the model", async () => {
    const gateway = await gatewayOf(bareSession);
    const before = await client.beta.sessions.retrieve(bareSession);
    const eventsBefore = (await client.beta.sessions.events.list(bareSession, { limit: 1000 })).data.length;
    const requestsBefore = stack.model.requests.length;

    // What OpenClaw's heartbeat or a wake-up does: a run in the session, started by the gateway
    // rather than by a user's message (here, by an operator connected to it directly).
    const operator = new GatewayClient({
      connect: () => openSocket(`ws://127.0.0.1:${gateway.port}/`),
      token: gateway.token,
      identity: await DeviceIdentity.generate(),
    });
    try {
      await connectWithPairing(operator, { fetch, origin: gateway.origin, token: gateway.token });
      const log = new EventLog(operator);
      const { runId } = await operator.chatSend({
        sessionKey: openclawSessionKey(bareSession),
        message: "unprompted heartbeat",
        idempotencyKey: "self-started-run",
      });
      // The run is over (it got no model reply): had the proxy let the call through, the model
      // double would have recorded it by now.
      await log.runEnd(runId, TURN_TIMEOUT_MS);
    } finally {
      operator.close();
    }
    expect(stack.model.requests.slice(requestsBefore)).toEqual([]);
    const after = await client.beta.sessions.retrieve(bareSession);
    expect(after.usage).toEqual(before.usage);
    expect(after.status).toBe("idle");
    expect((await client.beta.sessions.events.list(bareSession, { limit: 1000 })).data.length).toBe(
      eventsBefore,
    );

    // OpenClaw's own schedules are off: nothing would start such a run in the first place.
    const cron = await adminRpc<Record<string, unknown>>(
      fetch,
      gateway.origin,
      gateway.token,
      "cron.status",
      {},
    );
    expect(cron.enabled).toBe(false);

    // The refusal did not break the session's provider: the next user turn runs as usual.
    const next = await sendAndWait(client, bareSession, "still here?", { timeoutMs: TURN_TIMEOUT_MS });
    expect(next.find((e) => e.type === "session.error")).toBeUndefined();
    expectCompletedTurn(next);
    expect(lastAgentText(next)).toBe("echo: still here?");
  });
});
