/**
 * Warm pools per plane and per environment with real parts (the Worker under `wrangler dev`, the
 * local supervisor's gateways, the model server as the provider). The deployment's shared pool is
 * off here, so a warm start can only come from the pool the plane's or environment's setting
 * asked for: a plane's member is served by the plane's pool (billed to the plane, visible in its
 * status), a plane whose pool is 0 boots its members cold and says why, and an environment with
 * packages and its own pool serves its sessions warm with the packages already installed.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../support/local-stack.mjs";
import { expectCompletedTurn, type SessionEvent, sendAndWait, sessionLog } from "../support/session-driver";
import { waitUntil } from "./support";

const ADMIN_KEY = "warm-pool-scopes-admin-key";
const PROVIDER_KEY = "provider-secret-for-warm-pool-scopes";
/** A pool gateway boots and warms in 20–110 s on a loaded 2-core machine. */
const POOL_READY_MS = 360_000;
const TURN_MS = 300_000;

let stack: LocalStack;
let client: Anthropic;
const made: string[] = [];

interface KeyedPool {
  key: string;
  scope: string;
  billed_to: string;
  packages_key: string | null;
  idle: number;
  max: number;
  claims: number;
}

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`${stack.worker.origin}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, any>;
  expect(res.status, JSON.stringify(json)).toBeLessThan(300);
  return json;
}

/** The supervisor's pool whose key starts with `prefix`, once it has `idle` warm members. */
async function poolIdle(prefix: string, idle = 1): Promise<KeyedPool> {
  let found: KeyedPool | undefined;
  await waitUntil(
    async () => {
      const status = (await (await fetch(`${stack.supervisor.origin}/pool`)).json()) as {
        pools: KeyedPool[];
      };
      found = status.pools.find((p) => p.key.startsWith(prefix));
      return (found?.idle ?? 0) >= idle;
    },
    { timeoutMs: POOL_READY_MS, intervalMs: 500, what: `a warm runtime in the pool ${prefix}…` },
  );
  return found as KeyedPool;
}

const warmPoolEvent = (events: SessionEvent[]) => events.find((e) => e.type === "span.runtime_warm_pool");

async function session(agentId: string, environmentId: string) {
  const created = await client.beta.sessions.create({ agent: agentId, environment_id: environmentId });
  made.push(created.id);
  return created.id;
}

beforeAll(async () => {
  // The shared pool off: only the pools the settings ask for serve warm.
  stack = await startLocalStack({ adminKey: ADMIN_KEY, providerKey: PROVIDER_KEY, pool: { min: 0, max: 0 } });
  client = new Anthropic({ apiKey: ADMIN_KEY, baseURL: stack.worker.origin, maxRetries: 0 });
}, 180_000);

afterEach(async () => {
  await Promise.all(made.splice(0).map((id) => client.beta.sessions.delete(id).catch(() => {})));
});

afterAll(async () => {
  await stack?.stop();
});

describe("warm pools per plane and per environment", () => {
  it(
    "a plane's member is served by the plane's warm runtime; with the plane's pool at 0 it boots cold, saying why",
    async () => {
      const plane = await api("POST", "/v1/planes", {
        name: `pool-plane-${Date.now()}`,
        template: { model: "claude-sonnet-4-6", system: "Be brief." },
        warm_pool: { min_idle: 1, max: 1 },
      });
      const member = await api("POST", `/v1/planes/${plane.id}/members`, {
        name: "alice",
        owner: "alice@acme.test",
      });
      await poolIdle(`plane:${plane.id}`);

      const warmId = await session(member.agent_id, member.environment_id);
      const warm = await sendAndWait(client, warmId, "hello plane", {
        timeoutMs: TURN_MS,
      });
      expectCompletedTurn(warm);
      // Claimed at create or by the message: the session's log holds it either way.
      expect(warmPoolEvent(await sessionLog(client, warmId))).toMatchObject({
        outcome: "claimed",
        pool: expect.stringMatching(new RegExp(`^plane:${plane.id}@`)),
        pool_scope: "plane",
      });

      // The plane's status shows its pool, billed to it, with the claim counted.
      const status = await api("GET", `/v1/planes/${plane.id}/status`);
      expect(status.runtime_pool.pools).toEqual([
        expect.objectContaining({ scope: "plane", billed_to: `plane:${plane.id}`, claims: 1, max: 1 }),
      ]);

      await api("POST", `/v1/planes/${plane.id}`, { warm_pool: { min_idle: 0, max: 0 } });
      const coldId = await session(member.agent_id, member.environment_id);
      const cold = await sendAndWait(client, coldId, "hello again", {
        timeoutMs: TURN_MS,
      });
      expectCompletedTurn(cold);
      expect(warmPoolEvent(await sessionLog(client, coldId))).toMatchObject({
        outcome: "missed",
        code: "pool_off",
        reason: `plane ${plane.name} has its warm pool set to 0 (off): its members' sessions boot cold`,
      });
    },
    POOL_READY_MS + 2 * TURN_MS,
  );

  it(
    "an environment with packages and its own pool serves its sessions warm, the packages already installed",
    async () => {
      const environment = await api("POST", "/v1/environments", {
        name: `pool-packages-${Date.now()}`,
        config: { type: "cloud", packages: { npm: ["is-number@7.0.0"] }, warm_pool: { min_idle: 1, max: 1 } },
      });
      const pool = await poolIdle(`env:${environment.id}:pk-`);
      expect(pool.packages_key).toMatch(/^[0-9a-f]{64}$/);
      const agentId = (await client.beta.agents.create({ name: "Packaged", model: "claude-sonnet-4-6" })).id;

      const sessionId = await session(agentId, environment.id);
      const turn = await sendAndWait(client, sessionId, "hello packages", { timeoutMs: TURN_MS });
      expectCompletedTurn(turn);
      expect(warmPoolEvent(await sessionLog(client, sessionId))).toMatchObject({
        outcome: "claimed",
        pool: pool.key,
        pool_scope: "environment",
      });
      // Nothing to install before the first turn: the claimed runtime held the set already.
      expect(turn.filter((e) => e.type === "span.packages_install_start")).toEqual([]);
      const runtime = (await (await fetch(`${stack.supervisor.origin}/runtimes/${sessionId}`)).json()) as {
        config_dir: string;
      };
      const installed = JSON.parse(
        await readFile(
          join(runtime.config_dir, "packages", "active", "npm", "node_modules", "is-number", "package.json"),
          "utf8",
        ),
      );
      expect(installed.version).toBe("7.0.0");
    },
    POOL_READY_MS + TURN_MS,
  );
});
