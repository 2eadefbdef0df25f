/**
 * The warm pool with real parts: the Worker under `wrangler dev`, the local supervisor keeping
 * pre-booted OpenClaw gateways (generic config, no session's secrets, warmed with one data-free
 * turn), the Worker's LLM proxy, and the deterministic model server as the provider. A session's
 * first turn claims a warm gateway, which takes the session's config (model via the proxy,
 * system prompt, tools, identity) by hot reload instead of a boot.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import type { AgentCreateParams } from "@anthropic-ai/sdk/resources/beta/agents/agents";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { PoolStatus } from "../../scripts/runtime-supervisor.mjs";
import { startSupervisor } from "../../scripts/runtime-supervisor.mjs";
import { type LocalStack, startLocalStack } from "../support/local-stack.mjs";
import { processEnvironment } from "../support/proc.mjs";
import {
  expectCompletedTurn,
  lastAgentText,
  type SessionEvent,
  sendAndWait,
  sessionLog,
} from "../support/session-driver";
import { waitUntil } from "./support";

const ADMIN_KEY = "warm-pool-test-admin-key";
const PROVIDER_KEY = "provider-secret-for-warm-pool";
const POOL = { min: 2, max: 2 };
/** A pool gateway boots in 20–110 s on a loaded 2-core machine, two of them at once. */
const POOL_READY_MS = 360_000;
const TURN_MS = 300_000;
/** A claim at create, from a warm pool: ~1.5 s quiet, up to tens of seconds on a loaded machine. */
const CLAIM_MS = 120_000;

let stack: LocalStack;
let client: Anthropic;
let environmentId: string;

interface RuntimeStatus {
  pid: number;
  pool_member: string | null;
  config_dir: string | null;
}

const poolStatus = async (origin = stack.supervisor.origin): Promise<PoolStatus> =>
  (await fetch(`${origin}/pool`)).json() as Promise<PoolStatus>;
const runtimeStatus = async (sessionId: string): Promise<RuntimeStatus> =>
  (await fetch(`${stack.supervisor.origin}/runtimes/${sessionId}`)).json() as Promise<RuntimeStatus>;
/** The pool's status once a warm runtime is idle in it. */
const warmRuntimeIdle = async (): Promise<PoolStatus> =>
  (await waitUntil(
    async () => {
      const status = await poolStatus();
      return status.idle > 0 ? status : undefined;
    },
    { timeoutMs: POOL_READY_MS, intervalMs: 500, what: "a warm runtime" },
  ))!;
const warmPoolEvent = (events: SessionEvent[]) => events.find((e) => e.type === "span.runtime_warm_pool");
/** The model requests of turns whose text holds `marker`. */
const requestsWith = (marker: string) =>
  stack.model.requests.filter((r) => JSON.stringify(r.body.messages).includes(marker));
const systemText = (body: { messages: Array<{ role: string; content: unknown }> }) =>
  JSON.stringify(body.messages.filter((m) => m.role === "system" || m.role === "developer"));
const toolNames = (body: { tools?: Array<{ function?: { name?: string } }> }) =>
  (body.tools ?? []).map((t) => t.function?.name).sort();

/** Sessions to delete after the test that made them (each holds a ~1.2 GB gateway). */
const made: string[] = [];

async function agent(name: string, model: string, system: string, tools: AgentCreateParams["tools"]) {
  return (await client.beta.agents.create({ name, model, system, tools })).id;
}

async function session(agentId: string) {
  const created = await client.beta.sessions.create({ agent: agentId, environment_id: environmentId });
  made.push(created.id);
  return created;
}

beforeAll(async () => {
  stack = await startLocalStack({ adminKey: ADMIN_KEY, providerKey: PROVIDER_KEY, pool: POOL });
  client = new Anthropic({ apiKey: ADMIN_KEY, baseURL: stack.worker.origin, maxRetries: 0 });
  environmentId = (await client.beta.environments.create({ name: `warm-pool-${Date.now()}` })).id;
  await waitUntil(async () => (await poolStatus()).idle === POOL.max, {
    timeoutMs: POOL_READY_MS,
    intervalMs: 500,
    what: "the warm pool to fill",
  });
}, POOL_READY_MS + 120_000);

afterEach(async () => {
  await Promise.all(made.splice(0).map((id) => client.beta.sessions.delete(id).catch(() => {})));
});

afterAll(async () => {
  await stack?.stop();
});

describe("the warm pool", () => {
  it("pool off is today's behaviour: a start asking for a warm runtime boots one, saying the pool is off", async () => {
    const supervisor = await startSupervisor({ pool: { min: 0 } });
    try {
      expect((await poolStatus(supervisor.origin)).enabled).toBe(false);
      const res = await fetch(`${supervisor.origin}/runtimes/pool-off/start`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          pool: true,
          env: {
            OPENCLAW_GATEWAY_TOKEN: "t",
            CLAWPLANE_LLM_BASE_URL: stack.model.url,
            CLAWPLANE_SESSION_TOKEN: "s",
            CLAWPLANE_SESSION_CONFIG: "{}",
          },
        }),
      });
      expect(res.status).toBe(201);
      const body = (await res.json()) as {
        started: boolean;
        pid: number;
        pool: unknown;
        pool_member: unknown;
      };
      expect(body).toMatchObject({ started: true, pool_member: null });
      expect(body.pool).toEqual({
        outcome: "missed",
        code: "pool_off",
        reason: "the warm pool is off (pool size 0)",
      });
      expect(body.pid).toBeGreaterThan(0);
    } finally {
      await supervisor.close();
    }
  });

  it(
    "two concurrent sessions claim two different warm runtimes, each answering with its own agent's model, prompt and tools",
    async () => {
      const [agentA, agentB] = await Promise.all([
        agent("Alpha", "claude-sonnet-4-6", "You are ALPHA-PROMPT-7.", [{ type: "agent_toolset_20260401" }]),
        agent("Beta", "claude-haiku-4-5", "You are BETA-PROMPT-9.", [
          {
            type: "agent_toolset_20260401",
            default_config: { enabled: false },
            configs: [{ name: "read", enabled: true }],
          },
        ]),
      ]);
      const [a, b] = await Promise.all([session(agentA), session(agentB)]);
      const started = Date.now();
      const [turnA, turnB] = await Promise.all([
        sendAndWait(client, a.id, "hello from alpha-marker", { timeoutMs: TURN_MS }),
        sendAndWait(client, b.id, "hello from beta-marker", { timeoutMs: TURN_MS }),
      ]);
      console.log(`two warm sessions: create + first message → both replies in ${Date.now() - started} ms`);
      for (const [turn, text, id] of [
        [turnA, "echo: hello from alpha-marker", a.id],
        [turnB, "echo: hello from beta-marker", b.id],
      ] as const) {
        expectCompletedTurn(turn);
        expect(lastAgentText(turn)).toBe(text);
        // Claimed at create or by the message, whichever came first: the session's log says.
        expect(warmPoolEvent(await sessionLog(client, id))).toMatchObject({
          outcome: "claimed",
          code: null,
          reason: null,
        });
      }

      // Never the same runtime: two pool members, two processes.
      const [runtimeA, runtimeB] = await Promise.all([runtimeStatus(a.id), runtimeStatus(b.id)]);
      expect(runtimeA.pool_member).toMatch(/^pool-/);
      expect(runtimeB.pool_member).toMatch(/^pool-/);
      expect(runtimeA.pool_member).not.toBe(runtimeB.pool_member);
      expect(runtimeA.pid).not.toBe(runtimeB.pid);

      // Each runtime's model calls carry its own agent's model, system prompt and tools, never the other's.
      const fromA = requestsWith("alpha-marker");
      const fromB = requestsWith("beta-marker");
      expect(fromA.length).toBeGreaterThan(0);
      expect(fromB.length).toBeGreaterThan(0);
      for (const r of fromA) {
        expect(r.body.model).toBe("claude-sonnet-4-6");
        expect(systemText(r.body)).toContain("ALPHA-PROMPT-7");
        expect(systemText(r.body)).not.toContain("BETA-PROMPT-9");
        expect(toolNames(r.body)).toEqual(expect.arrayContaining(["exec", "read", "write"]));
      }
      for (const r of fromB) {
        expect(r.body.model).toBe("claude-haiku-4-5");
        expect(systemText(r.body)).toContain("BETA-PROMPT-9");
        expect(systemText(r.body)).not.toContain("ALPHA-PROMPT-7");
        expect(toolNames(r.body)).toContain("read");
        expect(toolNames(r.body)).not.toContain("exec");
        expect(toolNames(r.body)).not.toContain("write");
      }
    },
    TURN_MS + 60_000,
  );

  it(
    "a claimed runtime holds no boot-time secret; the LLM proxy meters its calls to its session and refuses its credential as any other",
    async () => {
      const agentId = await agent("Gamma", "claude-sonnet-4-6", "Be brief.", [
        { type: "agent_toolset_20260401" },
      ]);
      await waitUntil(async () => (await poolStatus()).idle > 0, {
        timeoutMs: POOL_READY_MS,
        intervalMs: 500,
        what: "a warm runtime",
      });
      const mine = await session(agentId);
      const other = await session(agentId);
      const turn = await sendAndWait(client, mine.id, "identity check gamma", { timeoutMs: TURN_MS });
      expectCompletedTurn(turn);
      expect(warmPoolEvent(await sessionLog(client, mine.id))).toMatchObject({ outcome: "claimed" });
      // Metered to this session: its usage counts the model call the proxy made for it.
      const usage = turn.find((e) => e.type === "session.usage")!.usage;
      expect(usage.input_tokens).toBeGreaterThan(0);
      for (const r of requestsWith("identity check gamma"))
        expect(r.authorization).toBe(`Bearer ${PROVIDER_KEY}`);

      // The runtime was booted before this session existed: its process env names no session.
      const runtime = await runtimeStatus(mine.id);
      const environ = processEnvironment(runtime.pid).join("\n");
      expect(environ).not.toContain("cpst_");
      expect(environ).not.toContain(mine.id);
      expect(environ).not.toContain(PROVIDER_KEY);

      // Its credential, written into its config at claim, is this session's alone.
      const document = JSON.parse(
        await readFile(join(runtime.config_dir!, "clawplane-session.json"), "utf8"),
      );
      const token: string = document.models.providers.clawplane.apiKey;
      expect(token.startsWith(`cpst_${mine.id}_`)).toBe(true);
      const asOther = token.replace(mine.id, other.id);
      const call = (bearer: string) =>
        fetch(`${stack.worker.origin}/llm/v1/chat/completions`, {
          method: "POST",
          headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
          body: JSON.stringify({ model: "default", messages: [{ role: "user", content: "hi" }] }),
        });
      expect((await call(asOther)).status).toBe(401);
    },
    POOL_READY_MS + TURN_MS,
  );

  it(
    "a burst beyond the pool's max boots cold, with the reason in the session's events",
    async () => {
      const agentId = await agent("Delta", "claude-sonnet-4-6", "Be brief.", [
        { type: "agent_toolset_20260401" },
      ]);
      const sessions = await Promise.all(Array.from({ length: POOL.max + 1 }, () => session(agentId)));
      const turns = await Promise.all(
        sessions.map((s, i) => sendAndWait(client, s.id, `burst ${i}`, { timeoutMs: TURN_MS * 2 })),
      );
      for (const turn of turns) expectCompletedTurn(turn);
      const logs = await Promise.all(sessions.map((s) => sessionLog(client, s.id)));
      const outcomes = logs.map((events) => warmPoolEvent(events)!);
      const missed = outcomes.filter((e) => e.outcome === "missed");
      // Never more warm runtimes than the pool holds; every other start said why it booted.
      expect(outcomes.filter((e) => e.outcome === "claimed").length).toBeLessThanOrEqual(POOL.max);
      expect(missed.length).toBeGreaterThan(0);
      for (const e of missed) {
        expect(e.code).toBe("pool_empty");
        expect(e.reason).toMatch(/no warm runtime is ready|every warm runtime is taken/);
      }
      const status = await poolStatus();
      expect(status.idle + status.warming).toBeLessThanOrEqual(POOL.max);
      expect(status.misses).toBeGreaterThanOrEqual(missed.length);
    },
    TURN_MS * 2 + 60_000,
  );

  it(
    "a session created without a message claims a warm runtime at once, stays idle, and its first message runs on that runtime with no second claim",
    async () => {
      const agentId = await agent("Epsilon", "claude-sonnet-4-6", "Be brief.", [
        { type: "agent_toolset_20260401" },
      ]);
      const before = await warmRuntimeIdle();
      const created = await session(agentId);
      // No message yet: the runtime is claimed and ready all the same, said in the session's log.
      const started = await waitUntil(
        async () => {
          const events = await sessionLog(client, created.id);
          return events.some((e) => e.type === "span.runtime_ready") ? events : undefined;
        },
        { timeoutMs: CLAIM_MS, intervalMs: 100, what: "the runtime started at create" },
      );
      expect(started!.map((e) => e.type)).toEqual([
        "span.runtime_start",
        "span.runtime_warm_pool",
        "span.runtime_ready",
      ]);
      expect(warmPoolEvent(started!)).toMatchObject({ outcome: "claimed", code: null });
      expect((await client.beta.sessions.retrieve(created.id)).status).toBe("idle");
      const claimed = await runtimeStatus(created.id);
      expect(claimed.pool_member).toMatch(/^pool-/);
      expect((await poolStatus()).claims).toBe(before.claims + 1);

      const turn = await sendAndWait(client, created.id, "hello after create", { timeoutMs: TURN_MS });
      expectCompletedTurn(turn);
      expect(lastAgentText(turn)).toBe("echo: hello after create");
      // The turn found its runtime started: no start of its own, no second claim, the same gateway.
      expect(turn.filter((e) => e.type.startsWith("span.runtime_"))).toEqual([]);
      expect((await poolStatus()).claims).toBe(before.claims + 1);
      expect(await runtimeStatus(created.id)).toMatchObject({
        pid: claimed.pid,
        pool_member: claimed.pool_member,
      });
    },
    POOL_READY_MS + 2 * TURN_MS,
  );

  it(
    "a message sent right after create claims exactly one runtime, before the reply",
    async () => {
      const agentId = await agent("Zeta", "claude-sonnet-4-6", "Be brief.", [
        { type: "agent_toolset_20260401" },
      ]);
      const before = await warmRuntimeIdle();
      const created = await session(agentId);
      const turn = await sendAndWait(client, created.id, "hello at once", { timeoutMs: TURN_MS });
      expectCompletedTurn(turn);
      const events = await sessionLog(client, created.id);
      const types = events.map((e) => e.type);
      // One start, one claim, whether the create's start or the message's turn began it.
      expect(types.filter((t) => t === "span.runtime_start")).toHaveLength(1);
      expect(types.filter((t) => t === "span.runtime_warm_pool")).toHaveLength(1);
      expect(types.filter((t) => t === "span.runtime_ready")).toHaveLength(1);
      expect(warmPoolEvent(events)).toMatchObject({ outcome: "claimed" });
      expect(types.indexOf("span.runtime_ready")).toBeLessThan(types.indexOf("agent.message"));
      expect((await poolStatus()).claims).toBe(before.claims + 1);
    },
    POOL_READY_MS + TURN_MS,
  );

  it(
    "deleting a session while its runtime is being claimed at create leaves no runtime of it running",
    async () => {
      const agentId = await agent("Eta", "claude-sonnet-4-6", "Be brief.", [
        { type: "agent_toolset_20260401" },
      ]);
      const before = await warmRuntimeIdle();
      const created = await client.beta.sessions.create({ agent: agentId, environment_id: environmentId });
      // The claim is under way (started, not ready) when the delete comes.
      const inFlight = await waitUntil(
        async () => {
          const types = (await sessionLog(client, created.id)).map((e) => e.type);
          return types.includes("span.runtime_start") ? types : undefined;
        },
        { timeoutMs: CLAIM_MS, intervalMs: 20, what: "the start at create to begin" },
      );
      expect(inFlight).not.toContain("span.runtime_ready");
      await client.beta.sessions.delete(created.id);
      // Nothing of it runs: the supervisor holds no runtime for it, and the pool member it claimed
      // (if the claim went through) was destroyed with it, not left running.
      expect((await fetch(`${stack.supervisor.origin}/runtimes/${created.id}`)).status).toBe(404);
      const after = await poolStatus();
      if (after.claims > before.claims) {
        const pids = (await poolStatus()).members.map((m) => m.pid);
        for (const member of before!.members.filter((m) => m.state === "idle" && m.pid)) {
          if (pids.includes(member.pid)) continue;
          // A member that left the pool: claimed by this session, and now gone.
          expect(() => process.kill(member.pid!, 0)).toThrow();
        }
      }
    },
    POOL_READY_MS + TURN_MS,
  );

  it(
    "a session whose warm pool is off, or whose agent the pool cannot serve (custom tools), starts nothing at create",
    async () => {
      const res = await fetch(`${stack.worker.origin}/v1/environments`, {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({
          name: `pool-off-${Date.now()}`,
          config: { type: "cloud", warm_pool: { min_idle: 0, max: 0 } },
        }),
      });
      expect(res.status).toBe(200);
      const off = (await res.json()) as { id: string };
      const agentId = await agent("Theta", "claude-sonnet-4-6", "Be brief.", [
        { type: "agent_toolset_20260401" },
      ]);
      // Custom tools are declared in a plugin manifest OpenClaw reads at boot: the pool's own rule
      // (unclaimableReason) sends such a session to a cold boot, so nothing is begun at create.
      const customAgent = await agent("Iota", "claude-sonnet-4-6", "Be brief.", [
        {
          type: "custom",
          name: "get_weather",
          description: "The current weather in a city.",
          input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
        },
      ]);
      const before = await warmRuntimeIdle();
      const quiet = await client.beta.sessions.create({ agent: agentId, environment_id: off.id });
      made.push(quiet.id);
      const custom = await session(customAgent);
      // A session created after them, whose pool is on, gets its runtime claimed and ready: the
      // quiet sessions' own decisions (settings and pool reads) were made long before that.
      const pooled = await session(agentId);
      await waitUntil(
        async () => (await sessionLog(client, pooled.id)).some((e) => e.type === "span.runtime_ready"),
        { timeoutMs: CLAIM_MS, intervalMs: 100, what: "the pooled session's runtime" },
      );
      for (const unstarted of [quiet, custom]) {
        expect(await sessionLog(client, unstarted.id)).toEqual([]);
        expect((await fetch(`${stack.supervisor.origin}/runtimes/${unstarted.id}`)).status).toBe(404);
      }
      expect((await poolStatus()).claims).toBe(before.claims + 1);
    },
    POOL_READY_MS + TURN_MS,
  );

  it(
    "a pool runtime that dies is replaced",
    async () => {
      const before = await waitUntil(
        async () => {
          const status = await poolStatus();
          return status.members.find((m) => m.state === "idle") ? status : undefined;
        },
        { timeoutMs: POOL_READY_MS, intervalMs: 500, what: "an idle pool member" },
      );
      const victim = before!.members.find((m) => m.state === "idle")!;
      process.kill(-victim.pid!, "SIGKILL");
      const after = await waitUntil(
        async () => {
          const status = await poolStatus();
          const replaced = status.replaced > before!.replaced;
          // The replacement: a member that was not in the pool before the kill (booting or warm).
          const known = new Set(before!.members.map((m) => m.id));
          if (!status.members.some((m) => !known.has(m.id))) return undefined;
          const fresh = status.members.find(
            (m) => m.state === "idle" && m.id !== victim.id && m.pid !== victim.pid,
          );
          return replaced && fresh && !status.members.some((m) => m.id === victim.id) ? status : undefined;
        },
        { timeoutMs: POOL_READY_MS, intervalMs: 500, what: "the dead member's replacement" },
      );
      expect(after!.idle + after!.warming).toBeLessThanOrEqual(POOL.max);
    },
    POOL_READY_MS + 30_000,
  );
});
