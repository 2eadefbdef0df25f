/**
 * Hardening against hostile or broken input, each case found by a fuzzer or a probe: bodies
 * nested deep enough to break SQLite's JSON functions, text that is not valid Unicode, lax
 * number parsing, unknown nested fields, and an upload that declares far more than it sends.
 * Everything goes through the Worker's real entry point.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { JSON_LIMITS } from "../../src/lib/json-shape";
import { ADMIN_KEY, BASE_URL, callJson, MINIMAL_AGENT } from "../helpers/api";

/**
 * An agent body (JSON text: too deep for JSON.stringify) whose custom tool's input_schema nests
 * about `levels` JSON levels, as the fuzzer sent it (1,002 levels is about 6 KB).
 */
function deepAgentBody(name: string, levels: number): string {
  const n = Math.floor(levels / 2);
  const schema = `${'{"type":"object","properties":{"a":'.repeat(n)}{"type":"object"}${"}}".repeat(n)}`;
  return JSON.stringify({ ...MINIMAL_AGENT, name, tools: ["TOOL"] }).replace(
    '"TOOL"',
    `{"type":"custom","name":"deep","description":"d","input_schema":${schema}}`,
  );
}

async function agentsNamed(name: string): Promise<number> {
  const { body } = await callJson("/v1/agents?limit=1000");
  return body.data.filter((a: { name: string }) => a.name === name).length;
}

function expectFieldError(body: any, status: number, code: string, path: RegExp | string) {
  expect(body.type, JSON.stringify(body).slice(0, 300)).toBe("error");
  expect(body.error.details.error_code).toBe(code);
  const paths = (body.error.details.errors ?? []).map((e: { path: string }) => e.path);
  const matches = (p: string) => (typeof path === "string" ? p === path : path.test(p));
  expect(paths.some(matches), paths.slice(0, 5).join(", ")).toBe(
    true,
  );
  expect(status).toBe(400);
}

describe("deeply nested JSON", () => {
  it("is refused with 400 naming the too-deep path, and nothing is stored", async () => {
    for (const levels of [1_002, 10_000]) {
      const name = `deep-${levels}-${crypto.randomUUID()}`;
      const { status, body } = await callJson("/v1/agents", { rawBody: deepAgentBody(name, levels) });
      expectFieldError(body, status, "invalid_request", /^tools\.0\.input_schema(\.properties\.a)+/);
      expect(body.error.message).toContain(`deeper than ${JSON_LIMITS.maxDepth} levels`);
      expect(await agentsNamed(name)).toBe(0);
    }
    // A realistic schema (a few levels) is still fine.
    const ok = await callJson("/v1/agents", { rawBody: deepAgentBody("shallow", 20) });
    expect(ok.status).toBe(200);
  });

  it("bounds every body, not only agents (arrays and keys too)", async () => {
    const deep = await callJson("/v1/environments", {
      body: { name: "deep-env", metadata: JSON.parse(`${'{"a":'.repeat(100)}1${"}".repeat(100)}`) },
    });
    expectFieldError(deep.body, deep.status, "invalid_request", /^metadata(\.a)+$/);

    const long = await callJson("/v1/agents", {
      body: { ...MINIMAL_AGENT, system: "s", metadata: {}, tools: new Array(JSON_LIMITS.maxArrayItems + 1).fill(1) },
    });
    expectFieldError(long.body, long.status, "invalid_request", "tools");
    expect(long.body.error.message).toContain(`more than ${JSON_LIMITS.maxArrayItems} items`);
  });

  it("a stored row SQLite cannot read does not break the model list for everyone", async () => {
    // A row written before request bodies were bounded: its spec nests past SQLite's JSON limit.
    const id = `agent_legacydeep${crypto.randomUUID().replaceAll("-", "")}`;
    const spec = deepAgentBody("legacy-deep", 1_002);
    const now = Date.now();
    await env.DB.batch([
      env.DB.prepare(
        "INSERT INTO agents (id, current_version, created_at, updated_at, archived_at) VALUES (?, 1, ?, ?, NULL)",
      ).bind(id, now, now),
      env.DB.prepare("INSERT INTO agent_versions (agent_id, version, spec, created_at) VALUES (?, 1, ?, ?)").bind(
        id,
        spec,
        now,
      ),
    ]);
    const healthyName = `healthy-${crypto.randomUUID()}`;
    const healthy = await callJson("/v1/agents", { body: { ...MINIMAL_AGENT, name: healthyName } });

    const models = await callJson("/v1/models");
    expect(models.status, JSON.stringify(models.body)).toBe(200);
    const ids = models.body.data.map((m: { id: string }) => m.id);
    expect(ids).toEqual(expect.arrayContaining([id, healthy.body.id, healthyName]));
    const byName = await callJson(`/v1/models/${healthyName}`);
    expect(byName.status).toBe(200);
    expect(byName.body.agent_id).toBe(healthy.body.id);
  });
});

describe("a declared body far larger than allowed", () => {
  it("is refused with 413 at once, leaving no upload to wait for", async () => {
    let cancelled: (reason: unknown) => void = () => undefined;
    const wasCancelled = new Promise((resolve) => (cancelled = resolve));
    // 11 bytes of a body that declares 2 GB and never ends, as the probe sent it.
    const request = new Request(`${BASE_URL}/v1/agents`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${ADMIN_KEY}`,
        "content-type": "application/json",
        "content-length": "2000000000",
      },
      body: new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"name":"x"'));
        },
        cancel: (reason) => cancelled(reason ?? "cancelled"),
      }),
    });
    // The Worker's fetch handler itself, so the test sees the very Request object it was given.
    const ctx = createExecutionContext();
    const res = await createApp().fetch(request, env, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(413);
    expect(((await res.json()) as any).error.details.error_code).toBe("request_too_large");
    // Whatever hosts the Worker must not wait for the declared 2 GB before the answer leaves:
    // `wrangler dev` drains any body left unused (`bodyUsed` false), which held the connection.
    expect(request.bodyUsed).toBe(true);
    await wasCancelled;
  });
});
