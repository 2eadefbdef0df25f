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
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { type ModelServer, startModelServer } from "../support/model-server.mjs";
import { expectCompletedTurn, lastAgentText, sendAndWait } from "../support/session-driver";
import {
  type BridgeForwarder,
  bridgeHostAddress,
  type ContainerWorker,
  containerIds,
  docker,
  dockerUsable,
  freePort,
  inspect,
  pollUntil,
  removeContainers,
  startBridgeForwarder,
  startContainerWorker,
} from "./support/containers.mjs";
import { type WorkerdDockerHost, workerdDockerHost } from "./support/docker-api-proxy.mjs";

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

let model: ModelServer;
let forwarder: BridgeForwarder;
let dockerHost: WorkerdDockerHost | undefined;
let worker: ContainerWorker;
let client: Anthropic;
let agentId: string;
let environmentId: string;
/** Containers present before this run: never touched by cleanup. */
let before: Set<string>;
/** Containers this run saw appear (the session's app container and its sidecar). */
const ours = new Set<string>();

/** Containers created since the run began (by anyone: filtered by image below). */
async function newContainers(): Promise<string[]> {
  return [...(await containerIds())].filter((id) => !before.has(id));
}

/**
 * Finds the session's OpenClaw container once it exists (the one whose env carries the
 * gateway's per-session token), remembering every container that appeared for cleanup.
 */
async function findAppContainer(): Promise<any> {
  return pollUntil(
    async () => {
      for (const id of await newContainers()) {
        const info = await inspect(id);
        if (!info) continue;
        const env: string[] = info.Config?.Env ?? [];
        if (!env.some((e) => e.startsWith("OPENCLAW_GATEWAY_TOKEN="))) continue;
        ours.add(id);
        const mode: string = info.HostConfig?.NetworkMode ?? "";
        if (mode.startsWith("container:")) ours.add(mode.slice("container:".length));
        return info;
      }
      return null;
    },
    { timeoutMs: CONTAINER_APPEAR_TIMEOUT_MS, intervalMs: 250, what: "the session's container" },
  );
}

/** The address the host reaches the container's network namespace at (its own or its sidecar's). */
async function containerAddress(info: any): Promise<string | null> {
  const mode: string = info.HostConfig?.NetworkMode ?? "";
  const owner = mode.startsWith("container:") ? await inspect(mode.slice("container:".length)) : info;
  const nets = Object.values(owner?.NetworkSettings?.Networks ?? {}) as { IPAddress?: string }[];
  return nets.find((n) => n.IPAddress)?.IPAddress ?? null;
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
  if (!dockerUsable()) throw new Error("Docker is not usable: run via scripts/e2e.sh, which sets it up");
  before = await containerIds();
  model = await startModelServer();
  const workerPort = await freePort();
  const bridgeHost = bridgeHostAddress();
  forwarder = await startBridgeForwarder(bridgeHost, workerPort);
  // workerd needs the bridge's IPAM gateway, which docker.io 20.10 without --bip leaves empty
  // (see docker-api-proxy.mjs): then it gets a proxied engine socket that fills it in.
  dockerHost = await workerdDockerHost({ gateway: bridgeHost });
  if (dockerHost.proxied) console.log(`bridge has no IPAM gateway: workerd uses ${dockerHost.url}`);
  worker = await startContainerWorker({
    port: workerPort,
    containerEngine: dockerHost.url,
    vars: {
      ADMIN_API_KEY: ADMIN_KEY,
      LOG_LEVEL: "warn",
      LLM_UPSTREAM_BASE_URL: model.url,
      LLM_UPSTREAM_API_KEY: PROVIDER_KEY,
      RUNTIME_LLM_BASE_URL: `http://host.docker.internal:${forwarder.port}/llm/v1`,
    },
  });
  console.log(`wrangler dev (image build included) ready in ${worker.readyMs} ms`);
  client = new Anthropic({ apiKey: ADMIN_KEY, baseURL: worker.origin, maxRetries: 0 });
  agentId = (
    await client.beta.agents.create({ name: "Echo", model: "claude-sonnet-4-6", system: "Be brief." })
  ).id;
  environmentId = (await client.beta.environments.create({ name: `e2e-${Date.now()}` })).id;
}, 20 * 60_000);

afterAll(async () => {
  if (worker) {
    // Gateway log tail: pairing and model-call lines help when a run fails.
    for (const id of ours) {
      const logs = await docker("logs", "--tail", "40", id).catch(() => "");
      if (/pair|error/i.test(logs)) console.log(`--- container ${id.slice(0, 12)} log tail ---\n${logs}`);
    }
    await worker.stop();
  }
  // wrangler removes its containers on SIGINT; remove whatever of ours is left.
  const removed = await removeContainers(ours);
  if (removed.length) console.log(`removed leftover containers: ${removed.map((id) => id.slice(0, 12))}`);
  await forwarder?.close();
  await dockerHost?.close();
  await model?.close();
}, 120_000);

describe("a session in a real container", () => {
  it("runs a conversation through the Anthropic SDK, with memory and no provider key in the container", async () => {
    onTestFailed(() => {
      // wrangler's output (workerd errors, the DO's warnings) is the first thing to read.
      const relevant = worker
        .logs()
        .split("\n")
        .filter((l) => !/wrangler:info|"msg":"request"/.test(l));
      console.log(`--- wrangler dev output (tail) ---\n${relevant.slice(-60).join("\n")}`);
    });
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
    expect(forwarder.connections()).toBeGreaterThan(0);
    const upstream = model.requests.filter((r) =>
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
    model.setMode({
      kind: "tool_call",
      name: "exec",
      arguments: { command: `echo '{"a":41}' | jq '.a + 1'` },
    });
    const events = await sendAndWait(client, session.id, "use jq", { timeoutMs: COLD_TURN_TIMEOUT_MS });
    model.setMode("normal");
    // This session's containers, for the cleanup in afterAll.
    for (const id of await newContainers()) ours.add(id);
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
