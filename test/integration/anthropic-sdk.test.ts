/**
 * The official `@anthropic-ai/sdk` (beta.agents, beta.environments) against the Worker,
 * unchanged: only `baseURL`, `apiKey` and a fetch that reaches the Worker in workerd.
 */

import { runInDurableObject } from "cloudflare:test";
import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import type { SessionEvent, SessionEventBody } from "../../src/schemas/session-events";
import { RuntimeProgress } from "../../src/session/runtime-progress";
import type { SessionDO } from "../../src/session/session-do";
import { anthropicClient, createKey } from "../helpers/api";
import { sessionObject } from "../helpers/session-object";

describe("@anthropic-ai/sdk beta.agents", () => {
  const client = anthropicClient();

  it("creates, retrieves, updates, versions, lists and archives an agent", async () => {
    const agent = await client.beta.agents.create({
      name: "Support",
      model: "claude-sonnet-4-6",
      system: "Be brief.",
      tools: [
        {
          type: "agent_toolset_20260401",
          configs: [{ name: "bash", permission_policy: { type: "always_ask" } }],
        },
      ],
      metadata: { team: "support" },
    });
    expect(agent.id).toMatch(/^agent_/);
    expect(agent.version).toBe(1);
    expect(agent.model).toEqual({ id: "claude-sonnet-4-6" });
    expect(agent._request_id).toMatch(/^req_/);
    const toolset = agent.tools[0];
    if (toolset?.type !== "agent_toolset_20260401") throw new Error("expected the toolset first");
    expect(toolset.configs.find((c) => c.name === "bash")?.permission_policy).toEqual({ type: "always_ask" });
    expect(toolset.configs).toHaveLength(8);

    const fetched = await client.beta.agents.retrieve(agent.id);
    expect(fetched.system).toBe("Be brief.");

    const v2 = await client.beta.agents.update(agent.id, {
      version: 1,
      system: "Be thorough.",
      metadata: { tier: "gold" },
    });
    expect(v2.version).toBe(2);
    expect(v2.metadata).toEqual({ team: "support", tier: "gold" });
    expect((await client.beta.agents.retrieve(agent.id, { version: 1 })).system).toBe("Be brief.");

    // A stale version is a 409 the SDK surfaces as ConflictError with our error code.
    const stale = await client.beta.agents
      .update(agent.id, { version: 1, system: "lost update" })
      .catch((e) => e);
    expect(stale).toBeInstanceOf(Anthropic.ConflictError);
    expect(stale.errorCode).toBe("version_conflict");

    const versions = [];
    for await (const v of client.beta.agents.versions.list(agent.id)) versions.push(v.version);
    expect(versions).toEqual([2, 1]);

    const archived = await client.beta.agents.archive(agent.id);
    expect(archived.archived_at).not.toBeNull();
    // History stays readable after archival.
    expect((await client.beta.agents.retrieve(agent.id, { version: 1 })).system).toBe("Be brief.");
  });

  it("auto-paginates lists across pages", async () => {
    const tag = crypto.randomUUID();
    const ids = [];
    for (let i = 0; i < 5; i++) {
      ids.push(
        (
          await client.beta.agents.create({
            name: `page-${i}`,
            model: "claude-sonnet-4-6",
            metadata: { tag },
          })
        ).id,
      );
    }
    const seen: string[] = [];
    for await (const a of client.beta.agents.list({ limit: 2 })) {
      if (a.metadata.tag === tag) seen.push(a.id);
    }
    // Every agent exactly once (ids within one millisecond may order either way).
    expect(seen).toHaveLength(ids.length);
    expect(new Set(seen)).toEqual(new Set(ids));
  });

  it("maps errors onto the SDK's typed errors", async () => {
    const missing = await client.beta.agents.retrieve("agent_nope").catch((e) => e);
    expect(missing).toBeInstanceOf(Anthropic.NotFoundError);
    expect(missing.errorCode).toBe("agent_not_found");
    expect(missing.requestID).toMatch(/^req_/);

    const invalid = await client.beta.agents.create({ name: "", model: "m" }).catch((e) => e);
    expect(invalid).toBeInstanceOf(Anthropic.BadRequestError);
    expect(invalid.details.errors[0].path).toBe("name");

    const reader = await createKey(["read"]);
    const denied = await anthropicClient(reader.secret)
      .beta.agents.create({ name: "x", model: "m" })
      .catch((e) => e);
    expect(denied).toBeInstanceOf(Anthropic.PermissionDeniedError);

    const unauthenticated = await anthropicClient("cpk_wrong")
      .beta.agents.list()
      .catch((e) => e);
    expect(unauthenticated).toBeInstanceOf(Anthropic.AuthenticationError);
  });
});

describe("@anthropic-ai/sdk beta.environments", () => {
  const client = anthropicClient();

  it("creates, retrieves, updates, lists, archives and deletes an environment", async () => {
    const name = `python-${crypto.randomUUID()}`;
    const env = await client.beta.environments.create({
      name,
      config: {
        type: "cloud",
        networking: { type: "limited", allowed_hosts: ["api.example.com"], allow_package_managers: true },
      },
    });
    expect(env.id).toMatch(/^env_/);
    expect(env.config).toMatchObject({
      type: "cloud",
      networking: { type: "limited", allowed_hosts: ["api.example.com"] },
    });

    const updated = await client.beta.environments.update(env.id, {
      description: "data work",
      metadata: { team: "ml" },
    });
    expect(updated.description).toBe("data work");
    expect((await client.beta.environments.retrieve(env.id)).metadata).toEqual({ team: "ml" });

    const names: string[] = [];
    for await (const e of client.beta.environments.list({ limit: 50 })) names.push(e.name);
    expect(names).toContain(name);

    // Names are unique among live environments.
    const dup = await client.beta.environments.create({ name }).catch((e) => e);
    expect(dup).toBeInstanceOf(Anthropic.ConflictError);

    const typeChange = await client.beta.environments
      .update(env.id, { config: { type: "self_hosted" } })
      .catch((e) => e);
    expect(typeChange).toBeInstanceOf(Anthropic.BadRequestError);
    expect(typeChange.errorCode).toBe("invalid_config_type_change");

    const archived = await client.beta.environments.archive(env.id);
    expect(archived.archived_at).not.toBeNull();
    const afterArchive = await client.beta.environments.update(env.id, { description: "x" }).catch((e) => e);
    expect(afterArchive.errorCode).toBe("environment_archived");

    const deleted = await client.beta.environments.delete(env.id);
    expect(deleted).toMatchObject({ id: env.id, type: "environment_deleted" });
    const gone = await client.beta.environments.retrieve(env.id).catch((e) => e);
    expect(gone).toBeInstanceOf(Anthropic.NotFoundError);
    expect(gone.errorCode).toBe("environment_not_found");
  });
});

describe("@anthropic-ai/sdk beta.sessions.events", () => {
  const client = anthropicClient();

  it("lists and streams Clawplane's cold-start spans without error", async () => {
    const agent = await client.beta.agents.create({ name: "Cold", model: "claude-sonnet-4-6" });
    const environment = await client.beta.environments.create({ name: `cold-${crypto.randomUUID()}` });
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    const stream = await client.beta.sessions.events.stream(session.id);
    // A cold start as a turn reports it, by the session object's own emitter (these tests
    // have no runtime to start).
    await runInDurableObject(sessionObject(session.id), (instance: SessionDO) => {
      const emit = (instance as unknown as { emit: (event: SessionEventBody) => SessionEvent }).emit;
      const progress = new RuntimeProgress((event) => emit.call(instance, event));
      progress.starting();
      progress.ready();
    });

    const streamed: Array<{ type: string } & Record<string, unknown>> = [];
    for await (const event of stream) {
      streamed.push(event as never);
      if (streamed.length === 2) break;
    }
    const [start, ready] = streamed;
    expect(start).toEqual({
      id: expect.stringMatching(/^sevt_/),
      type: "span.runtime_start",
      processed_at: expect.any(String),
    });
    expect(ready).toEqual({
      id: expect.stringMatching(/^sevt_/),
      type: "span.runtime_ready",
      processed_at: expect.any(String),
      runtime_start_id: start?.id,
      started_at: start?.processed_at,
      ready_ms: expect.any(Number),
    });
    const listed = [];
    for await (const event of client.beta.sessions.events.list(session.id)) listed.push(event);
    expect(listed).toEqual(streamed);
  });
});
