/**
 * The durable workspace's size cap: an environment's `config.workspace_max_mb` (1-2048 MB,
 * default 100), validated at its field path, kept, changed and reset like the other settings,
 * and taken by a session when it is created. What the cap does to a save is proven with a real
 * runtime (test/runtime/workspace.test.ts).
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { callJson, MINIMAL_AGENT } from "../helpers/api";
import { sessionObject } from "../helpers/session-object";

const newName = () => `ws-${crypto.randomUUID()}`;

async function createEnvironment(config?: object) {
  return callJson("/v1/environments", { body: { name: newName(), ...(config ? { config } : {}) } });
}

describe("config.workspace_max_mb", () => {
  it("is 100 MB by default, kept when omitted from an update, changed when sent, reset by null", async () => {
    const created = await createEnvironment();
    expect(created.status).toBe(200);
    expect(created.body.config.workspace_max_mb).toBe(100);
    const id = created.body.id;

    const raised = await callJson(`/v1/environments/${id}`, {
      body: { config: { type: "cloud", workspace_max_mb: 500 } },
    });
    expect(raised.status).toBe(200);
    expect(raised.body.config.workspace_max_mb).toBe(500);

    const other = await callJson(`/v1/environments/${id}`, {
      body: { config: { type: "cloud", sleep_after_seconds: 120 } },
    });
    expect(other.body.config).toMatchObject({ workspace_max_mb: 500, sleep_after_seconds: 120 });
    expect((await callJson(`/v1/environments/${id}`)).body.config.workspace_max_mb).toBe(500);

    const reset = await callJson(`/v1/environments/${id}`, {
      body: { config: { type: "cloud", workspace_max_mb: null } },
    });
    expect(reset.body.config.workspace_max_mb).toBe(100);
  });

  it("refuses a cap that is not a whole number of MB from 1 to 2048 at its path, and stores nothing", async () => {
    for (const bad of [0, -5, 2049, 1.5, "100", true]) {
      const name = newName();
      const res = await callJson("/v1/environments", {
        body: { name, config: { type: "cloud", workspace_max_mb: bad } },
      });
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(res.body.error.details.errors[0].path).toBe("config.workspace_max_mb");
      const list = await callJson("/v1/environments?limit=1000");
      expect(list.body.data.some((e: { name: string }) => e.name === name)).toBe(false);
    }
    for (const edge of [1, 2048]) {
      expect(
        (await createEnvironment({ type: "cloud", workspace_max_mb: edge })).body.config.workspace_max_mb,
      ).toBe(edge);
    }
  });

  it("refuses a bad cap on update and leaves the environment as it was", async () => {
    const id = (await createEnvironment({ type: "cloud", workspace_max_mb: 42 })).body.id;
    const res = await callJson(`/v1/environments/${id}`, {
      body: { config: { type: "cloud", workspace_max_mb: 100_000 } },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details.errors[0].path).toBe("config.workspace_max_mb");
    expect((await callJson(`/v1/environments/${id}`)).body.config.workspace_max_mb).toBe(42);
  });

  it("is taken by a session when it is created", async () => {
    const agent = (await callJson("/v1/agents", { body: MINIMAL_AGENT })).body;
    const environment = (await createEnvironment({ type: "cloud", workspace_max_mb: 7 })).body;
    const session = await callJson("/v1/sessions", {
      body: { agent: agent.id, environment_id: environment.id },
    });
    expect(session.status).toBe(200);
    // A later change of the environment does not move the cap of a session that exists.
    await callJson(`/v1/environments/${environment.id}`, {
      body: { config: { type: "cloud", workspace_max_mb: 900 } },
    });
    const cap = await runInDurableObject(sessionObject(session.body.id), (_instance, state) => {
      return state.storage.kv.get<{ workspaceMaxMb?: number }>("session")?.workspaceMaxMb;
    });
    expect(cap).toBe(7);
  });
});
