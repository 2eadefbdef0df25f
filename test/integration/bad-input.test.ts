/**
 * Bad input on every route gets the one error envelope with a 4xx, never a 500:
 * malformed JSON, wrong types, unknown fields, unknown ids, oversize bodies, wrong media type.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADMIN_KEY, BASE_URL, callJson, MINIMAL_AGENT } from "../helpers/api";

/** Every JSON-body route, with a path that exists (ids filled in per test). */
const BODY_ROUTES = [
  "/v1/agents",
  "/v1/agents/{agent}",
  "/v1/environments",
  "/v1/environments/{env}",
  "/v1/api_keys",
  "/v1/planes",
  "/v1/planes/{plane}",
  "/v1/planes/{plane}/members",
  "/v1/planes/{plane}/upgrades",
] as const;

async function fixtures() {
  const agent = (await callJson("/v1/agents", { body: MINIMAL_AGENT })).body.id;
  const env = (await callJson("/v1/environments", { body: { name: `bad-input-${crypto.randomUUID()}` } }))
    .body.id;
  const plane = (
    await callJson("/v1/planes", {
      body: { name: `bad-input-${crypto.randomUUID().slice(0, 8)}`, template: { model: "m" } },
    })
  ).body.id;
  return (path: string) => path.replace("{agent}", agent).replace("{env}", env).replace("{plane}", plane);
}

function expectEnvelope(body: any, status: number, code: string, res: Response) {
  expect(body).toMatchObject({
    type: "error",
    error: { type: expect.any(String), message: expect.any(String), details: { error_code: code } },
    request_id: res.headers.get("request-id"),
  });
  expect(res.headers.get("content-type")).toContain("application/json");
  expect(res.status).toBe(status);
}

describe("bad input", () => {
  it("malformed JSON is a 400 invalid_json on every body route", async () => {
    const fill = await fixtures();
    for (const route of BODY_ROUTES) {
      const { body, res } = await callJson(fill(route), { method: "POST", rawBody: '{"name": "x",' });
      expectEnvelope(body, 400, "invalid_json", res);
    }
  });

  it("a non-object body is a 400 with a field path", async () => {
    const fill = await fixtures();
    for (const route of BODY_ROUTES) {
      const { body, res } = await callJson(fill(route), { method: "POST", rawBody: "[1,2]" });
      expectEnvelope(body, 400, "invalid_request", res);
      expect(body.error.details.errors[0].path).toBe("body");
    }
  });

  it("wrong types and unknown fields name the offending fields", async () => {
    const wrong = await callJson("/v1/agents", { body: { name: 42, model: { id: 7 }, tools: "all" } });
    expectEnvelope(wrong.body, 400, "invalid_request", wrong.res);
    const paths = wrong.body.error.details.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(["name", "tools"]));
    expect(wrong.body.error.message).toContain("name");

    const unknown = await callJson("/v1/agents", { body: { ...MINIMAL_AGENT, surprise: true } });
    expectEnvelope(unknown.body, 400, "invalid_request", unknown.res);
    expect(unknown.body.error.message).toContain("surprise");

    const env = await callJson("/v1/environments", {
      body: { name: "typed", config: { type: "cloud", networking: { type: "limited", allowed_hosts: [1] } } },
    });
    expectEnvelope(env.body, 400, "invalid_request", env.res);
    expect(env.body.error.details.errors[0].path).toBe("config.networking.allowed_hosts.0");
  });

  it("unknown ids are 404s with the resource's error code", async () => {
    const cases: Array<[string, string, string]> = [
      ["GET", "/v1/agents/agent_missing", "agent_not_found"],
      ["POST", "/v1/agents/agent_missing", "agent_not_found"],
      ["POST", "/v1/agents/agent_missing/archive", "agent_not_found"],
      ["GET", "/v1/agents/agent_missing/versions", "agent_not_found"],
      ["GET", "/v1/environments/env_missing", "environment_not_found"],
      ["POST", "/v1/environments/env_missing", "environment_not_found"],
      ["POST", "/v1/environments/env_missing/archive", "environment_not_found"],
      ["DELETE", "/v1/environments/env_missing", "environment_not_found"],
      ["GET", "/v1/api_keys/key_missing", "api_key_not_found"],
      ["POST", "/v1/api_keys/key_missing/revoke", "api_key_not_found"],
      ["GET", "/v1/nothing-here", "not_found"],
    ];
    for (const [method, path, code] of cases) {
      const { body, res } = await callJson(path, { method, body: method === "POST" ? {} : undefined });
      expectEnvelope(body, 404, code, res);
    }
  });

  it("no junk body makes any route answer 5xx", { timeout: 30_000 }, async () => {
    const fill = await fixtures();
    const junk: unknown[] = [
      null,
      0,
      "text",
      {},
      { name: null, model: null },
      { name: "x".repeat(10_000), model: "m" },
      { name: "n", model: "m", tools: [{}] },
      { name: "n", model: "m", tools: [{ type: "mcp_toolset", mcp_server_name: "nope" }] },
      { name: "n", model: "m", metadata: { k: 1 } },
      { name: "n", model: "m", mcp_servers: [{ type: "url", name: "a", url: "ftp://x" }] },
      { name: "n", config: { type: "cloud", networking: { type: "limited" } } },
      { name: "n", config: { type: "martian" } },
      { version: -1 },
      { version: "1" },
      { scopes: [] },
      { metadata: { ["k".repeat(100)]: "v" } },
      { __proto__: { polluted: true }, constructor: { prototype: {} } },
    ];
    for (const route of [...BODY_ROUTES, "/v1/agents/{agent}/archive", "/v1/environments/{env}/archive"]) {
      for (const body of junk) {
        const res = await callJson(fill(route), { method: "POST", rawBody: JSON.stringify(body) });
        expect(res.status, `${route} ${JSON.stringify(body).slice(0, 80)}`).toBeLessThan(500);
        expect(res.body.type === "error" || res.status < 300).toBe(true);
      }
    }
  });

  it("an unknown agent version is a 404", async () => {
    const agent = (await callJson("/v1/agents", { body: MINIMAL_AGENT })).body.id;
    const { body, res } = await callJson(`/v1/agents/${agent}?version=9`);
    expectEnvelope(body, 404, "agent_version_not_found", res);
  });

  it("oversize bodies are a 413, whether or not content-length is sent", async () => {
    const huge = JSON.stringify({ ...MINIMAL_AGENT, system: "x".repeat(1_100_000) });
    const sized = await callJson("/v1/agents", { method: "POST", rawBody: huge });
    expectEnvelope(sized.body, 413, "request_too_large", sized.res);

    // A streamed body carries no content-length; the limit is enforced while reading.
    const chunked = await exports.default.fetch(
      new Request(`${BASE_URL}/v1/agents`, {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
        body: new Blob([huge]).stream(),
      }),
    );
    expect(chunked.status).toBe(413);
  });

  it("a body that is not JSON is a 415", async () => {
    const { body, res } = await callJson("/v1/agents", {
      method: "POST",
      rawBody: "name=x",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expectEnvelope(body, 415, "unsupported_media_type", res);
  });

  it("malformed list queries are 400s naming the query field", async () => {
    for (const path of [
      "/v1/agents?limit=0",
      "/v1/agents?limit=abc",
      "/v1/environments?limit=1001",
      "/v1/agents?include_archived=yes",
    ]) {
      const { body, res } = await callJson(path);
      expectEnvelope(body, 400, "invalid_request", res);
      expect(body.error.details.errors[0].path).toMatch(/^query\./);
    }
    const { body, res } = await callJson("/v1/agents?page=garbage");
    expectEnvelope(body, 400, "invalid_cursor", res);
  });
});
