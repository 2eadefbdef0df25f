/**
 * End to end with REAL containers: the container warm pool under `wrangler dev
 * --enable-containers` (the same harness as sessions.e2e.test.ts). The pool (min 1, max 1)
 * boots one RuntimePoolMember container from container/Dockerfile with no session's secrets and
 * warms it; a session created afterwards claims it: its first start emits
 * `span.runtime_warm_pool` "claimed", its document is hot-reloaded into the running gateway, and
 * the first reply follows the agent's own config (its system prompt reaches the model).
 *
 * What the local stand-in cannot show: container egress is not intercepted
 * (../shared/tools/local-containers), so the claimed gateway's model calls go to
 * RUNTIME_LLM_BASE_URL through the host bridge (authenticated by the session's token in the
 * claimed document), not through `llm.clawplane.internal`; a pool container's outbound
 * identity is proven in test/integration/container-pool.test.ts.
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
const SYSTEM_PROMPT = "You are the pool e2e agent.";
/** A pool container's boot + warm-up on a loaded 2-core machine. */
const POOL_READY_TIMEOUT_MS = 8 * 60_000;
const WARM_TURN_TIMEOUT_MS = 120_000;

let model: ModelServer;
let forwarder: BridgeForwarder;
/** The pool container's way to the model server for its warm-up turn (nothing is intercepted here). */
let warmupForwarder: BridgeForwarder;
let dockerHost: WorkerdDockerHost | undefined;
let worker: ContainerWorker;
let client: Anthropic;
let before: Set<string>;

async function pool(): Promise<any> {
  const res = await fetch(`${worker.origin}/v1/runtime_pool`, { headers: { "x-api-key": ADMIN_KEY } });
  return res.json();
}

beforeAll(async () => {
  if (!dockerUsable()) throw new Error("Docker is not usable: run via scripts/e2e.sh, which sets it up");
  before = await containerIds();
  model = await startModelServer();
  const workerPort = await freePort();
  const bridgeHost = bridgeHostAddress();
  forwarder = await startBridgeForwarder(bridgeHost, workerPort);
  warmupForwarder = await startBridgeForwarder(bridgeHost, Number(new URL(model.url).port));
  dockerHost = await workerdDockerHost({ gateway: bridgeHost });
  worker = await startContainerWorker({
    port: workerPort,
    containerEngine: dockerHost.url,
    vars: {
      ADMIN_API_KEY: ADMIN_KEY,
      LOG_LEVEL: "warn",
      LLM_UPSTREAM_BASE_URL: model.url,
      LLM_UPSTREAM_API_KEY: PROVIDER_KEY,
      RUNTIME_LLM_BASE_URL: `http://host.docker.internal:${forwarder.port}/llm/v1`,
      RUNTIME_POOL_WARMUP_BASE_URL: `http://host.docker.internal:${warmupForwarder.port}/v1`,
      CONTAINER_POOL_MIN_IDLE: "1",
      CONTAINER_POOL_MAX: "1",
    },
  });
  console.log(`wrangler dev (image build included) ready in ${worker.readyMs} ms`);
  client = new Anthropic({ apiKey: ADMIN_KEY, baseURL: worker.origin, maxRetries: 0 });
}, 20 * 60_000);

afterAll(async () => {
  await worker?.stop();
  const ours = [...(await containerIds())].filter((id) => !before?.has(id));
  const removed = await removeContainers(ours);
  if (removed.length) console.log(`removed leftover containers: ${removed.map((id) => id.slice(0, 12))}`);
  await forwarder?.close();
  await warmupForwarder?.close();
  await dockerHost?.close();
  await model?.close();
}, 120_000);

describe("the container warm pool", () => {
  it("hands a new session a pre-booted container that answers with its agent's config", async () => {
    onTestFailed(() => {
      const relevant = worker
        .logs()
        .split("\n")
        .filter((l) => !/wrangler:info|"msg":"request"|^Step |^ ---> |^Removing|^Successfully/.test(l));
      console.log(`--- wrangler dev output (tail) ---\n${relevant.slice(-80).join("\n")}`);
    });
    // The first status read wakes the pool; it boots and warms its one member.
    const woke = Date.now();
    expect(await pool()).toMatchObject({ runtime: "container", enabled: true, min_idle: 1, max: 1 });
    await pollUntil(async () => (await pool()).idle === 1, {
      timeoutMs: POOL_READY_TIMEOUT_MS,
      intervalMs: 2_000,
      what: "one warm pool container",
    });
    console.log(`pool woken → one warm container: ${Date.now() - woke} ms`);
    // The warm container booted with no session's secrets: a pool token and a placeholder only.
    const poolContainers = [];
    for (const id of await containerIds()) {
      if (before.has(id)) continue;
      const env: string[] = (await inspect(id))?.Config?.Env ?? [];
      if (env.includes("CLAWPLANE_POOL_MEMBER=1")) poolContainers.push(env);
    }
    expect(poolContainers).toHaveLength(1);
    expect(poolContainers[0]).toContain("CLAWPLANE_SESSION_TOKEN=pool-placeholder");
    expect(poolContainers[0]?.join("\n")).not.toContain("cpst_");

    const agent = await client.beta.agents.create({
      name: "Pooled",
      model: "claude-sonnet-4-6",
      system: SYSTEM_PROMPT,
    });
    const environment = await client.beta.environments.create({ name: `e2e-pool-${Date.now()}` });
    const created = Date.now();
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    const events = await sendAndWait(client, session.id, "hello warm pool", {
      timeoutMs: WARM_TURN_TIMEOUT_MS,
    });
    const firstReplyMs = Date.now() - created;
    onTestFailed(() => {
      const shown = events.filter((e) => /runtime_warm_pool|session\.error/.test(e.type));
      console.log(`--- the turn's pool and error events ---\n${JSON.stringify(shown, null, 2)}`);
    });
    expectCompletedTurn(events);
    expect(lastAgentText(events)).toBe("echo: hello warm pool");
    const span = events.find((e) => e.type === "span.runtime_warm_pool") as any;
    expect(span).toMatchObject({ outcome: "claimed", code: null });
    console.log(
      `warm: session create → first reply ${firstReplyMs} ms; claim → config applied ${span.apply_ms} ms`,
    );
    // The claimed gateway took the agent's config before its first turn: the system prompt is in
    // the model request, which carries the session's identity to the Worker's proxy.
    const upstream = model.requests.filter((r) =>
      JSON.stringify(r.body.messages).includes("hello warm pool"),
    );
    expect(upstream.length).toBeGreaterThan(0);
    expect(JSON.stringify(upstream[0]?.body.messages)).toContain(SYSTEM_PROMPT);
    // Single use: the claimed member left the pool, which boots a replacement.
    const after = await pool();
    expect(after).toMatchObject({ claims: 1, idle: 0 });
    expect(after.refills).toBe(2);
  });
});
