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
import type Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { expectCompletedTurn, lastAgentText, sendAndWait, sessionLog } from "../support/session-driver";
import { inspect, pollUntil } from "./support/containers.mjs";
import { type E2eStack, startE2eStack } from "./support/stack";

const ADMIN_KEY = "e2e-admin-key";
const PROVIDER_KEY = "provider-secret-for-e2e";
const SYSTEM_PROMPT = "You are the pool e2e agent.";
/** A pool container's boot + warm-up on a loaded 2-core machine. */
const POOL_READY_TIMEOUT_MS = 8 * 60_000;
const WARM_TURN_TIMEOUT_MS = 120_000;

let stack: E2eStack;
let client: Anthropic;

async function pool(): Promise<any> {
  const res = await fetch(`${stack.worker.origin}/v1/runtime_pool`, { headers: { "x-api-key": ADMIN_KEY } });
  return res.json();
}

beforeAll(async () => {
  stack = await startE2eStack({
    adminKey: ADMIN_KEY,
    providerKey: PROVIDER_KEY,
    vars: async ({ forward, model }) => {
      // The pool container's way to the model server for its warm-up turn (nothing is intercepted here).
      const warmup = await forward(Number(new URL(model.url).port));
      return {
        RUNTIME_POOL_WARMUP_BASE_URL: `http://host.docker.internal:${warmup.port}/v1`,
        CONTAINER_POOL_MIN_IDLE: "1",
        CONTAINER_POOL_MAX: "1",
      };
    },
    // The pool's containers are never looked up by this file: everything new goes.
    removeAllNew: true,
  });
  client = stack.client;
}, 20 * 60_000);

afterAll(() => stack?.stop(), 120_000);

describe("the container warm pool", () => {
  it("hands a new session a pre-booted container that answers with its agent's config", async () => {
    stack.showWranglerLogOnFailure({ ignore: /^Step |^ ---> |^Removing|^Successfully/, lines: 80 });
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
    for (const id of await stack.newContainers()) {
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
    // Claimed at create or by the message, whichever came first: the session's log holds it.
    const span = (await sessionLog(client, session.id)).find(
      (e) => e.type === "span.runtime_warm_pool",
    ) as any;
    expect(span).toMatchObject({ outcome: "claimed", code: null });
    console.log(
      `warm: session create → first reply ${firstReplyMs} ms; claim → config applied ${span.apply_ms} ms`,
    );
    // The claimed gateway took the agent's config before its first turn: the system prompt is in
    // the model request, which carries the session's identity to the Worker's proxy.
    const upstream = stack.model.requests.filter((r) =>
      JSON.stringify(r.body.messages).includes("hello warm pool"),
    );
    expect(upstream.length).toBeGreaterThan(0);
    expect(JSON.stringify(upstream[0]?.body.messages)).toContain(SYSTEM_PROMPT);
    // Single use: the claimed member left the pool, which boots a replacement.
    const after = await pool();
    expect(after).toMatchObject({ claims: 1, idle: 0 });
    expect(after.refills).toBe(2);
    // The claimed member's waiting time (boot to claim) is in the D1 cost ledger, billed to the
    // organisation (the shared pool) and priced at the configured rate.
    const billed = await pollUntil(
      async () =>
        (await pool()).cost?.billed?.find(
          (b: { billed_to: string; warm_seconds: number }) =>
            b.billed_to === "organization" && b.warm_seconds >= after.warm_seconds - 1,
        ),
      { timeoutMs: 30_000, what: "the claimed member's time in the cost ledger" },
    );
    const cost = (await pool()).cost;
    expect(billed.warm_seconds).toBeGreaterThan(0);
    expect(cost.usd_per_hour).toBeGreaterThan(0);
    expect(billed.cost_usd).toBeGreaterThan(0);
    console.log(
      `cost ledger: ${billed.warm_seconds} runtime-s waiting, $${billed.cost_usd} at $${cost.usd_per_hour}/h (pool counter ${after.warm_seconds} s)`,
    );
  });
});
