/**
 * End to end with REAL containers: the Worker under `wrangler dev --enable-containers`, each
 * session's Durable Object building and starting the OpenClaw image from container/Dockerfile
 * through the local Docker engine (../shared/tools/local-containers), the Worker's LLM proxy
 * in between and the deterministic model server as the provider. Driven with the official
 * `@anthropic-ai/sdk`. The same conversation as test/runtime/sessions.test.ts's first test.
 *
 * Model egress: in production the container's `http://llm.clawplane.internal` is intercepted
 * into `LlmProxyEntrypoint`; the local sidecar stand-in intercepts nothing, so here
 * RUNTIME_LLM_BASE_URL points the gateway at `host.docker.internal` (the docker0 address),
 * where a forwarder relays to the Worker on 127.0.0.1, whose /llm/v1 proxy calls the model
 * server on 127.0.0.1.
 *
 * Run with `npm run test:e2e` (scripts/e2e.sh sets Docker up and skips when it cannot).
 */
import type Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectCompletedTurn, lastAgentText, sendAndWait } from "../support/session-driver";
import { containerAddress, type E2eStack, startE2eStack } from "./support/stack";

const ADMIN_KEY = "e2e-admin-key";
const PROVIDER_KEY = "provider-secret-for-e2e";
/** Port of the OpenClaw gateway inside the container (src/runtime/agent-runtime.ts). */
const GATEWAY_PORT = 18789;
/** Cold turn: container start + OpenClaw boot (~16 s on 2 vCPU) + pairing + lazy first turn. */
const COLD_TURN_TIMEOUT_MS = 240_000;
const WARM_TURN_TIMEOUT_MS = 60_000;
/** How long the app container may take to appear after the first message is sent (start is queued behind the DO). */
const CONTAINER_APPEAR_TIMEOUT_MS = 120_000;
const READYZ_POLL_MS = 200;
const READYZ_PROBE_TIMEOUT_MS = 2_000;

let stack: E2eStack;
let client: Anthropic;
let agentId: string;
let environmentId: string;

/**
 * Finds the session's OpenClaw container once it exists (the one whose env carries the
 * gateway's per-session token), remembering every container that appeared for cleanup.
 */
function findAppContainer(): Promise<any> {
  return stack.findContainer("OPENCLAW_GATEWAY_TOKEN=", {
    what: "the session's container",
    timeoutMs: CONTAINER_APPEAR_TIMEOUT_MS,
    intervalMs: 250,
  });
}

/** Polls /readyz from the host until 200; resolves with the time it answered, or null when unreachable. */
async function readyAt(address: string, timeoutMs: number): Promise<number | null> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`http://${address}:${GATEWAY_PORT}/readyz`, {
        signal: AbortSignal.timeout(READYZ_PROBE_TIMEOUT_MS),
      });
      if (res.status === 200) return Date.now();
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, READYZ_POLL_MS));
  }
  return null;
}

beforeAll(async () => {
  stack = await startE2eStack({
    adminKey: ADMIN_KEY,
    providerKey: PROVIDER_KEY,
    // Gateway log tail: pairing and model-call lines help when a run fails.
    containerLogs: { lines: 40, match: /pair|error/i },
  });
  client = stack.client;
  agentId = (
    await client.beta.agents.create({ name: "Echo", model: "claude-sonnet-4-6", system: "Be brief." })
  ).id;
  environmentId = (await client.beta.environments.create({ name: `e2e-${Date.now()}` })).id;
}, 20 * 60_000);

afterAll(() => stack?.stop(), 120_000);

describe("a session in a real container", () => {
  it("runs a conversation through the Anthropic SDK, with memory and no provider key in the container", async () => {
    stack.showWranglerLogOnFailure();
    const session = await client.beta.sessions.create({ agent: agentId, environment_id: environmentId });
    expect(session.status).toBe("idle");

    const started = Date.now();
    const firstTurn = sendAndWait(client, session.id, "hello clawplane", { timeoutMs: COLD_TURN_TIMEOUT_MS });
    const app = await findAppContainer();
    const containerStarted = Date.parse(app.State.StartedAt);
    const address = await containerAddress(app);
    const ready = address ? await readyAt(address, COLD_TURN_TIMEOUT_MS) : null;
    if (ready) console.log(`container start → /readyz 200: ${ready - containerStarted} ms`);
    else console.log(`container start → /readyz: not measurable from the host (address ${address})`);

    const first = await firstTurn;
    console.log(`session create → first reply (cold container): ${Date.now() - started} ms`);
    expectCompletedTurn(first);
    expect(lastAgentText(first)).toBe("echo: hello clawplane");

    // The container's model calls came back through the bridge to the Worker's proxy,
    // which alone holds the provider key.
    expect(stack.forwarder.connections()).toBeGreaterThan(0);
    const upstream = stack.model.requests.filter((r) =>
      JSON.stringify(r.body.messages).includes("hello clawplane"),
    );
    expect(upstream.length).toBeGreaterThan(0);
    for (const r of upstream) expect(r.authorization).toBe(`Bearer ${PROVIDER_KEY}`);
    const containerEnv: string[] = app.Config.Env;
    expect(containerEnv.join("\n")).not.toContain(PROVIDER_KEY);

    const warmStarted = Date.now();
    const second = await sendAndWait(client, session.id, "RECALL what I said", {
      timeoutMs: WARM_TURN_TIMEOUT_MS,
    });
    console.log(`warm turn: ${Date.now() - warmStarted} ms`);
    expect(second.at(-1)!.type).toBe("session.status_idle");
    expect(lastAgentText(second)).toContain("hello clawplane");

    const after = await client.beta.sessions.retrieve(session.id);
    expect(after.status).toBe("idle");
  });

  it("installs the environment's apt package before the first turn; the agent's bash runs it", async () => {
    // The session path around the installer with a real container: the set goes over the gateway
    // link to the packages plugin, apt runs through the image's sudo rule (uid 1000), the events
    // show it, and the agent's first tool call finds the command. Each manager alone:
    // test/e2e/packages.e2e.test.ts.
    const tools = await client.beta.agents.create({
      name: "Tools",
      model: "claude-sonnet-4-6",
      tools: [{ type: "agent_toolset_20260401" }],
    });
    const environment = await client.beta.environments.create({
      name: `e2e-apt-${Date.now()}`,
      config: { type: "cloud", packages: { apt: ["jq"] } },
    });
    const session = await client.beta.sessions.create({ agent: tools.id, environment_id: environment.id });
    stack.model.setMode({
      kind: "tool_call",
      name: "exec",
      arguments: { command: `echo '{"a":41}' | jq '.a + 1'` },
    });
    const events = await sendAndWait(client, session.id, "use jq", { timeoutMs: COLD_TURN_TIMEOUT_MS });
    stack.model.setMode("normal");
    // This session's containers, for the cleanup in afterAll.
    for (const id of await stack.newContainers()) stack.ours.add(id);
    const end = events.find((e) => e.type === "span.packages_install_end") as any;
    expect(end).toMatchObject({
      result: "installed",
      steps: [{ manager: "apt", package: "jq", result: "installed" }],
      error: null,
    });
    console.log(`apt jq through the session: ${end.duration_ms} ms`);
    expect(events.findIndex((e) => e.type === "span.packages_install_end")).toBeLessThan(
      events.findIndex((e) => e.type === "span.model_request_start"),
    );
    const result = events.find((e) => e.type === "agent.tool_result") as any;
    expect(JSON.stringify(result?.content)).toContain("42");
    expect(events.at(-1)).toMatchObject({ type: "session.status_idle", stop_reason: { type: "end_turn" } });
  });
});
