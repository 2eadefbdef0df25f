/**
 * Environment packages with real parts: `wrangler dev`, the local runtime supervisor and real
 * OpenClaw gateways with Clawplane's packages plugin, the real npm registry, the LLM proxy and
 * the model double. The set is installed in the running gateway before the first turn, the
 * agent's bash uses it in that turn, the same set in a second session comes from the cache, and
 * a failed install is a session.error naming the package, with no turn run.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installPackageSet } from "../../container/plugins/clawplane-packages/install.mjs";
import { type LocalStack, startLocalStack } from "../support/local-stack.mjs";
import type { ModelServer } from "../support/model-server.mjs";
import { lastAgentText, type SessionEvent, sendAndWait } from "../support/session-driver";

const ADMIN_KEY = "packages-test-admin-key";
const PIN = "is-number@7.0.0";
/** Prints what the installed package answers and which version is installed. */
const USE_IT = `node -e "console.log('is-number:' + require('is-number')('42') + ':' + require('is-number/package.json').version)"`;
const MISSING = "clawplane-no-such-package-7f3a9c@1.0.0";

let stack: LocalStack;
let model: ModelServer;
let client: Anthropic;
let agentId: string;
let cacheDir: string;
const sessions: string[] = [];

async function sessionIn(packages: Record<string, string[]>): Promise<string> {
  const environment = await client.beta.environments.create({
    name: `packages-${crypto.randomUUID()}`,
    config: { type: "cloud", packages },
  });
  const session = await client.beta.sessions.create({ agent: agentId, environment_id: environment.id });
  sessions.push(session.id);
  return session.id;
}

const ofType = (events: SessionEvent[], type: string) => events.filter((e) => e.type === type);
const indexOf = (events: SessionEvent[], type: string) => events.findIndex((e) => e.type === type);

/** A turn that never ran: one session.error, no model call, idle with retries_exhausted. */
function expectNoTurn(events: SessionEvent[], requestsBefore: number): SessionEvent {
  expect(model.requests.length).toBe(requestsBefore);
  expect(ofType(events, "span.model_request_start")).toEqual([]);
  expect(ofType(events, "agent.message")).toEqual([]);
  expect(events.at(-1)).toMatchObject({
    type: "session.status_idle",
    stop_reason: { type: "retries_exhausted" },
  });
  const errors = ofType(events, "session.error");
  expect(errors).toHaveLength(1);
  return errors[0]!;
}

beforeAll(async () => {
  // A cache of this run's own: the first install of the set is a cold one.
  cacheDir = await mkdtemp(join(tmpdir(), "clawplane-packages-test-"));
  process.env.CLAWPLANE_PACKAGES_CACHE_DIR = cacheDir;
  stack = await startLocalStack({ adminKey: ADMIN_KEY, providerKey: "provider-key-packages" });
  model = stack.model;
  client = new Anthropic({ apiKey: ADMIN_KEY, baseURL: stack.worker.origin, maxRetries: 0 });
  agentId = (
    await client.beta.agents.create({
      name: "Packages",
      model: "claude-sonnet-4-6",
      tools: [{ type: "agent_toolset_20260401" }],
    })
  ).id;
}, 180_000);

afterAll(async () => {
  await Promise.all(sessions.map((id) => client?.beta.sessions.delete(id).catch(() => {})));
  await stack?.stop();
  delete process.env.CLAWPLANE_PACKAGES_CACHE_DIR;
  if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
});

// Each test boots its own gateway (one per session); on a busy 2-core machine that alone can take a minute.
describe("environment packages", { timeout: 300_000 }, () => {
  let coldMs = 0;

  it("installs the set before the first turn, and the agent's bash uses it in that turn", async () => {
    const sessionId = await sessionIn({ npm: [PIN] });
    model.setMode({ kind: "tool_call", name: "exec", arguments: { command: USE_IT } });
    const events = await sendAndWait(client, sessionId, "check a number", { timeoutMs: 240_000 });
    model.setMode("normal");

    const [start] = ofType(events, "span.packages_install_start");
    expect(start).toMatchObject({
      packages: { npm: [PIN] },
      cache_key: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const [end] = ofType(events, "span.packages_install_end");
    expect(end).toMatchObject({
      packages_install_start_id: start!.id,
      result: "installed",
      steps: [{ manager: "npm", package: PIN, result: "installed" }],
      error: null,
    });
    coldMs = end!.duration_ms;
    expect(coldMs).toBeGreaterThan(0);
    // Installed before the turn's first model call.
    expect(indexOf(events, "span.packages_install_end")).toBeLessThan(
      indexOf(events, "span.model_request_start"),
    );
    // The agent's bash found the package, at the pinned version.
    const result = ofType(events, "agent.tool_result")[0];
    expect(JSON.stringify(result?.content)).toContain("is-number:true:7.0.0");
    expect(lastAgentText(events)).toBe("tool result: is-number:true:7.0.0");
    expect(events.at(-1)).toMatchObject({ type: "session.status_idle", stop_reason: { type: "end_turn" } });

    // The next turn runs on the same runtime: nothing is installed again.
    const next = await sendAndWait(client, sessionId, "hello again", { timeoutMs: 120_000 });
    expect(ofType(next, "span.packages_install_start")).toEqual([]);
    expect(next.at(-1)).toMatchObject({ type: "session.status_idle", stop_reason: { type: "end_turn" } });
  });

  it("restores the same set in a new session from the cache, faster, and it is just as usable", async () => {
    const sessionId = await sessionIn({ npm: [PIN] });
    model.setMode({ kind: "tool_call", name: "exec", arguments: { command: USE_IT } });
    const events = await sendAndWait(client, sessionId, "check a number", { timeoutMs: 240_000 });
    model.setMode("normal");
    const [end] = ofType(events, "span.packages_install_end");
    expect(end).toMatchObject({ result: "cached", steps: [], error: null });
    expect(end!.duration_ms).toBeLessThan(coldMs);
    expect(lastAgentText(events)).toBe("tool result: is-number:true:7.0.0");
  });

  it("reports a package that does not exist as a session.error naming it with npm's message; no turn runs", async () => {
    const sessionId = await sessionIn({ npm: [PIN, MISSING] });
    const before = model.requests.length;
    const events = await sendAndWait(client, sessionId, "hi", { timeoutMs: 240_000 });
    const [end] = ofType(events, "span.packages_install_end");
    expect(end).toMatchObject({ result: "failed", error: { manager: "npm", package: MISSING } });
    expect(end!.error.message).toContain("E404");
    const error = expectNoTurn(events, before);
    expect(error.error.message).toContain(
      `Installing npm package "${MISSING}" failed: npm exited with code 1`,
    );
    expect(error.error.message).toContain("404 Not Found");
  });

  it("refuses apt packages in a local runtime with a session.error that says why; no turn runs", async () => {
    const sessionId = await sessionIn({ apt: ["jq"] });
    const before = model.requests.length;
    const events = await sendAndWait(client, sessionId, "hi", { timeoutMs: 240_000 });
    const error = expectNoTurn(events, before);
    expect(error.error.message).toContain('Installing apt package "jq" failed');
    expect(error.error.message).toContain("apt packages are not installed by local runtimes");
  });
});

describe("the installer", { timeout: 120_000 }, () => {
  it("names the package and npm's own message when the registry cannot be reached; nothing is cached", async () => {
    const dir = await mkdtemp(join(tmpdir(), "clawplane-packages-unreachable-"));
    try {
      const outcome = await installPackageSet({
        key: "0".repeat(64),
        packages: { npm: [PIN] },
        packagesDir: join(dir, "runtime"),
        cacheDir: join(dir, "cache"),
        // Nothing listens on port 9 (discard) here: the connection is refused.
        env: { ...process.env, npm_config_registry: "http://127.0.0.1:9/" },
      });
      expect(outcome).toMatchObject({ result: "failed", error: { manager: "npm", package: PIN } });
      expect(outcome.error?.message).toContain("ECONNREFUSED");
      expect(outcome.error?.message).toContain("127.0.0.1:9");
      // Nothing half-installed is left for a later install to find.
      expect(await readdir(join(dir, "cache"))).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
