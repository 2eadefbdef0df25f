/**
 * Hardening against hostile or broken input, each case found by a fuzzer or a probe: bodies
 * nested deep enough to break SQLite's JSON functions, text that is not valid Unicode, lax
 * number parsing, unknown nested fields, and an upload that declares far more than it sends.
 * Everything goes through the Worker's real entry point.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
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
  expect(paths.some(matches), paths.slice(0, 5).join(", ")).toBe(true);
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
      body: {
        ...MINIMAL_AGENT,
        system: "s",
        metadata: {},
        tools: new Array(JSON_LIMITS.maxArrayItems + 1).fill(1),
      },
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
      env.DB.prepare(
        "INSERT INTO agent_versions (agent_id, version, spec, created_at) VALUES (?, 1, ?, ?)",
      ).bind(id, spec, now),
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

describe("text and numbers are taken strictly", () => {
  it("a body that is not valid UTF-8 is a 400 invalid_json, not stored as U+FFFD", async () => {
    const name = `utf8-${crypto.randomUUID()}`;
    const bytes = new TextEncoder().encode(JSON.stringify({ ...MINIMAL_AGENT, name: `${name}X` }));
    bytes[bytes.indexOf("X".charCodeAt(0))] = 0xff;
    const res = await exports.default.fetch(
      new Request(`${BASE_URL}/v1/agents`, {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
        body: bytes,
      }),
    );
    const body = (await res.json()) as any;
    expect(res.status).toBe(400);
    expect(body.error.details.error_code).toBe("invalid_json");
    expect(body.error.message).toContain("UTF-8");
    expect(await agentsNamed(`${name}\ufffd`)).toBe(0);
  });

  it("lone surrogates, NUL and control characters in names are 400s naming the field", async () => {
    const cases: Array<[string, string, string]> = [
      ["/v1/agents", '{"name":"a\\ud800b","model":"m"}', "name"],
      ["/v1/agents", '{"name":"a\\u0000b","model":"m"}', "name"],
      ["/v1/agents", '{"name":"a\\u0007b","model":"m"}', "name"],
      ["/v1/agents", '{"name":"line\\nbreak","model":"m"}', "name"],
      ["/v1/agents", '{"name":"ok","model":"m","metadata":{"k\\udc00":"v"}}', "metadata.k\udc00"],
      ["/v1/environments", '{"name":"env\\u001b[31m"}', "name"],
      ["/v1/api_keys", '{"name":"key\\u0085"}', "name"],
      ["/v1/agents", '{"name":"ok","model":"m","system":"nul \\u0000 inside"}', "system"],
    ];
    for (const [route, raw, path] of cases) {
      const { status, body } = await callJson(route, { rawBody: raw });
      expectFieldError(body, status, "invalid_request", path);
    }
    // Free text keeps its newlines and tabs.
    const ok = await callJson("/v1/agents", {
      body: { ...MINIMAL_AGENT, description: "two\nlines\tand a tab", system: "line one\nline two" },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.system).toBe("line one\nline two");
  });

  it("integers in query strings are plain decimal digits", async () => {
    const agent = (await callJson("/v1/agents", { body: MINIMAL_AGENT })).body.id;
    for (const path of [
      "/v1/agents?limit=1e3",
      "/v1/agents?limit=0x10",
      "/v1/agents?limit=%2B5",
      "/v1/agents?limit=%205",
      "/v1/agents?limit=",
      "/v1/environments?limit=5.0",
      `/v1/agents/${agent}?version=0x1`,
    ]) {
      const { status, body } = await callJson(path);
      expect(status, path).toBe(400);
      expect(body.error.details.errors[0].path, path).toMatch(/^query\.(limit|version)$/);
    }
    expect((await callJson("/v1/agents?limit=10")).status).toBe(200);
    expect((await callJson(`/v1/agents/${agent}?version=1`)).status).toBe(200);
  });

  it("unknown fields are refused at any depth, each at its own path", async () => {
    const cases: Array<[string, unknown, string]> = [
      [
        "/v1/environments",
        { name: "e", config: { type: "cloud", packages: { npm: ["x"], surprise: 1 } } },
        "config.packages.surprise",
      ],
      [
        "/v1/environments",
        { name: "e", config: { type: "cloud", networking: { type: "unrestricted", x: 1 } } },
        "config.networking.x",
      ],
      ["/v1/agents", { ...MINIMAL_AGENT, model: { id: "m", temprature: 1 } }, "model.temprature"],
      [
        "/v1/agents",
        { ...MINIMAL_AGENT, mcp_servers: [{ type: "url", name: "a", url: "https://a.example", x: 1 }] },
        "mcp_servers.0.x",
      ],
      [
        "/v1/agents",
        { ...MINIMAL_AGENT, tools: [{ type: "agent_toolset_20260401", extra: true }] },
        "tools.0.extra",
      ],
    ];
    for (const [route, body, path] of cases) {
      const res = await callJson(route, { body });
      expectFieldError(res.body, res.status, "invalid_request", path);
      expect(res.body.error.message).toContain("unknown field");
    }
    // A custom tool's input_schema is JSON Schema: any keyword is kept.
    const custom = await callJson("/v1/agents", {
      body: {
        ...MINIMAL_AGENT,
        tools: [
          {
            type: "custom",
            name: "t",
            description: "d",
            input_schema: { type: "object", additionalProperties: false },
          },
        ],
      },
    });
    expect(custom.status).toBe(200);
    expect(custom.body.tools[0].input_schema.additionalProperties).toBe(false);
  });
});
