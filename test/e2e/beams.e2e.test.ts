/**
 * Delegation to Teleport Beams through the connector's REAL container: the Worker under
 * `wrangler dev --enable-containers`, the org's TeleportConnectorDO building and starting
 * container/beams-connector/Dockerfile (with its tsh/tbot doubles: the TELEPORT_DOUBLES build
 * argument, set by test/e2e/support/containers.mjs through wrangler's `image_vars`), and a
 * session's OpenClaw container for the session token a `beam_agent` call carries.
 *
 * Proves: a `beam_agent` call is run by the connector container (configured by the object with
 * the bot's join token, which it alone receives), the result and the CLI's reported usage come
 * back, and the join token is in neither container's environment.
 *
 * Not through the model: inside a session container the `beam_agent` plugin calls
 * `http://beams.clawplane.internal`, which only Cloudflare's outbound interception routes to the
 * Worker; the local sidecar stand-in intercepts nothing (see sessions.e2e.test.ts for the LLM
 * proxy's workaround). So this test makes the plugin's call itself, to the Worker's front door
 * for local runtimes (`/beams/v1/delegate`, the same handler) with the session's own token; the
 * model path is covered against the connector process in test/runtime/beams.test.ts.
 *
 * Run with `npm run test:e2e` (scripts/e2e.sh sets Docker up and skips when it cannot).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectCompletedTurn, sendAndWait } from "../support/session-driver";
import { docker } from "./support/containers.mjs";
import { type E2eStack, startE2eStack } from "./support/stack";

const ADMIN_KEY = "e2e-beams-admin-key";
const CONNECTOR_TOKEN = `connector-${crypto.randomUUID()}`;
const JOIN_TOKEN = `tbot-join-${crypto.randomUUID().replaceAll("-", "")}`;
const COLD_TURN_TIMEOUT_MS = 240_000;
/** The connector's first call builds nothing (wrangler built the image) but starts the container. */
const RUN_TIMEOUT_MS = 180_000;

let stack: E2eStack;

/** A container created since the run began whose env has `marker` (remembered for cleanup). */
function containerWithEnv(marker: string, what: string): Promise<any> {
  return stack.findContainer(marker, { what, timeoutMs: RUN_TIMEOUT_MS, intervalMs: 500 });
}

beforeAll(async () => {
  stack = await startE2eStack({
    adminKey: ADMIN_KEY,
    providerKey: "provider-key-e2e-beams",
    // No BEAMS_CONNECTOR_URL: the object drives its container.
    vars: () => ({ BEAMS_CONNECTOR_TOKEN: CONNECTOR_TOKEN }),
    containerLogs: { lines: 30, match: /error/i },
  });
}, 20 * 60_000);

afterAll(() => stack?.stop(), 120_000);

describe("delegation through the Teleport connector's container", () => {
  it("a beam_agent call runs in the connector container; the join token reaches only that container", async () => {
    stack.showWranglerLogOnFailure();
    const put = await stack.api("/v1/teleport/connection", {
      method: "PUT",
      body: {
        proxy_address: "acme.teleport.sh:443",
        bot_name: "clawplane",
        credential: { type: "join_token", token: JOIN_TOKEN },
      },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const agent = await stack.api("/v1/agents", {
      body: { name: "Delegator", model: "claude-sonnet-4-6", tools: [{ type: "beam_agent" }] },
    });
    expect(agent.status, JSON.stringify(agent.body)).toBeLessThan(300);
    const environment = await stack.client.beta.environments.create({ name: `e2e-beams-${Date.now()}` });
    const session = await stack.client.beta.sessions.create({
      agent: agent.body.id,
      environment_id: environment.id,
    });
    // One turn starts the session's container and mints its token.
    expectCompletedTurn(
      await sendAndWait(stack.client, session.id, "hello", { timeoutMs: COLD_TURN_TIMEOUT_MS }),
    );
    const app = await containerWithEnv("CLAWPLANE_SESSION_TOKEN=", "the session's container");
    const token = (app.Config.Env as string[])
      .find((e) => e.startsWith("CLAWPLANE_SESSION_TOKEN="))!
      .slice("CLAWPLANE_SESSION_TOKEN=".length);

    // The call the plugin makes, with the session's token.
    const task = "fix the flaky test [lines 3] [sleep 1500]";
    const started = Date.now();
    const res = await fetch(`${stack.worker.origin}/beams/v1/delegate`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ tool_call_id: "call_e2e_1", task }),
      signal: AbortSignal.timeout(RUN_TIMEOUT_MS),
    });
    const result = (await res.json()) as any;
    console.log(
      `beam call through the connector container (cold container start included): ${Date.now() - started} ms`,
    );
    expect(res.status, JSON.stringify(result)).toBe(200);
    expect(result).toMatchObject({ status: "succeeded", exit_code: 0 });
    expect(result.output).toContain(`RESULT: done with "${task}"`);

    const run = (await stack.api(`/v1/beam_runs/${result.beam_run_id}`)).body;
    expect(run).toMatchObject({ status: "succeeded", bot_identity: "bot-clawplane" });
    expect(run.beam.id).toMatch(/^[a-z]+-[a-z]+-\d+$/);
    expect(run.usage).toMatchObject({ input_tokens: 1200, output_tokens: 340 });

    // The connector is its own container, started by the object with only its caller's token;
    // the bot's join token came in /configure and lives in that container alone.
    const connector = await containerWithEnv(
      `BEAMS_CONNECTOR_TOKEN=${CONNECTOR_TOKEN}`,
      "the connector container",
    );
    expect(connector.Id).not.toBe(app.Id);
    expect((connector.Config.Env as string[]).join("\n")).not.toContain(JOIN_TOKEN);
    expect((app.Config.Env as string[]).join("\n")).not.toContain(JOIN_TOKEN);
    expect((app.Config.Env as string[]).join("\n")).not.toContain(CONNECTOR_TOKEN);
    const identity = await docker(
      "exec",
      connector.Id,
      "cat",
      "/var/lib/clawplane-connector/machine-id/identity",
    );
    expect(identity).toMatch(/^bot=clawplane$/m);
    // The beam was removed after the run (the tenant lives in the connector container).
    const listed = await docker(
      "exec",
      connector.Id,
      "tsh",
      "-i",
      "/var/lib/clawplane-connector/machine-id/identity",
      "--proxy",
      "acme.teleport.sh:443",
      "beams",
      "ls",
      "--format=json",
    );
    expect(JSON.parse(listed)).toEqual([]);
  });
});
