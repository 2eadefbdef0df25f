import { describe, expect, it } from "vitest";
import { call, callJson } from "../helpers/api";

describe("OpenAPI and docs", () => {
  it("serves an OpenAPI 3.1 document generated from the route schemas, without auth", async () => {
    const { status, body } = await callJson("/openapi.json", { key: null });
    expect(status).toBe(200);
    expect(body.openapi).toBe("3.1.0");
    const operations = Object.entries(body.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations).toEqual(
      expect.arrayContaining([
        "POST /v1/agents",
        "GET /v1/agents",
        "GET /v1/agents/{agent_id}",
        "POST /v1/agents/{agent_id}",
        "POST /v1/agents/{agent_id}/archive",
        "GET /v1/agents/{agent_id}/versions",
        "POST /v1/environments",
        "GET /v1/environments",
        "GET /v1/environments/{environment_id}",
        "POST /v1/environments/{environment_id}",
        "POST /v1/environments/{environment_id}/archive",
        "DELETE /v1/environments/{environment_id}",
        "POST /v1/api_keys",
        "GET /v1/api_keys",
        "POST /v1/api_keys/{api_key_id}/revoke",
        "GET /v1/audit",
        "GET /healthz",
      ]),
    );
    for (const name of [
      "Agent",
      "AgentCreate",
      "AgentUpdate",
      "Environment",
      "EnvironmentCreate",
      "Error",
      "ApiKey",
      "AuditEvent",
    ]) {
      expect(body.components.schemas).toHaveProperty(name);
    }
    // The request schema carries the validation rules the Worker enforces.
    expect(body.components.schemas.AgentCreate.required).toEqual(expect.arrayContaining(["name", "model"]));
  });

  it("documents the custom tool events in the session event catalog", async () => {
    const { body } = await callJson("/openapi.json", { key: null });
    const schemas = body.components.schemas;
    const catalog = JSON.stringify(schemas.SessionEvent);
    for (const name of ["AgentCustomToolUseEvent", "UserCustomToolResultEvent"]) {
      expect(catalog).toContain(`#/components/schemas/${name}`);
    }
    expect(schemas.AgentCustomToolUseEvent.properties).toHaveProperty("input");
    expect(schemas.UserCustomToolResultEvent.properties).toHaveProperty("custom_tool_use_id");
  });

  it("declares the statuses the shared layers return, on every route they apply to", async () => {
    const { body } = await callJson("/openapi.json", { key: null });
    const missing: string[] = [];
    for (const [path, ops] of Object.entries(body.paths as Record<string, Record<string, any>>)) {
      if (!path.startsWith("/v1/")) continue;
      for (const [method, op] of Object.entries(ops)) {
        const expected = ["401", "429"];
        if (op.requestBody?.content?.["application/json"]) expected.push("400", "413", "415");
        if (method === "post") expected.push("409", "422");
        for (const status of expected) {
          if (!op.responses[status]) missing.push(`${method.toUpperCase()} ${path} ${status}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it("declares text/event-stream on the streaming responses", async () => {
    const { body } = await callJson("/openapi.json", { key: null });
    const content = (path: string, method: string) => body.paths[path][method].responses["200"].content;
    expect(content("/v1/sessions/{session_id}/events/stream", "get")).toHaveProperty(["text/event-stream"]);
    expect(content("/v1/chat/completions", "post")).toHaveProperty(["text/event-stream"]);
    expect(content("/v1/planes/{plane}/members/{member}/logs", "get")).toHaveProperty(["text/event-stream"]);
  });

  it("declares which request objects refuse unknown fields, at every depth", async () => {
    const { body } = await callJson("/openapi.json", { key: null });
    const resolve = (schema: any): any =>
      schema?.$ref ? body.components.schemas[schema.$ref.replace("#/components/schemas/", "")] : schema;
    const undeclared = new Set<string>();
    const seen = new Set<unknown>();
    const walk = (schema: any, where: string) => {
      const s = resolve(schema);
      if (!s || typeof s !== "object" || seen.has(s)) return;
      seen.add(s);
      // An object schema either refuses unknown fields (false) or says it accepts them.
      if (s.properties && !("additionalProperties" in s)) undeclared.add(where);
      for (const [key, sub] of Object.entries(s.properties ?? {})) walk(sub, `${where}.${key}`);
      for (const sub of [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])]) walk(sub, where);
      if (s.items) walk(s.items, `${where}[]`);
    };
    for (const [path, ops] of Object.entries(body.paths as Record<string, Record<string, any>>)) {
      // The OpenAI-compatible body is open on purpose: clients send many sampling parameters.
      if (path === "/v1/chat/completions") continue;
      for (const [method, op] of Object.entries(ops)) {
        const schema = op.requestBody?.content?.["application/json"]?.schema;
        if (schema) walk(schema, `${method.toUpperCase()} ${path}`);
      }
    }
    expect(undeclared.size, [...undeclared].join(" | ")).toBe(0);
    const env = resolve(body.paths["/v1/environments"].post.requestBody.content["application/json"].schema);
    expect(env.additionalProperties).toBe(false);
    expect(body.components.schemas.PackagesParams.additionalProperties).toBe(false);
  });

  it("answers an unsupported method on a known path with 405 and Allow", async () => {
    const agent = (await callJson("/v1/agents", { body: { name: "a", model: "m" } })).body.id;
    const cases: Array<[string, string, string[]]> = [
      ["PUT", "/v1/agents", ["GET", "POST"]],
      ["DELETE", `/v1/agents/${agent}`, ["GET", "POST"]],
      ["PATCH", "/v1/environments/env_x", ["DELETE", "GET", "POST"]],
      ["GET", `/v1/agents/${agent}/archive`, ["POST"]],
    ];
    for (const [method, path, allowed] of cases) {
      const res = await callJson(path, { method, body: method === "GET" ? undefined : {} });
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.body.error.details.error_code).toBe("method_not_allowed");
      const allow = (res.res.headers.get("allow") ?? "").split(/,\s*/);
      expect(allow).toEqual(expect.arrayContaining(allowed));
      expect(allow).not.toContain(method);
    }
    expect((await callJson("/v1/nothing-here", { method: "PUT", body: {} })).status).toBe(404);
  });

  it("serves a docs page that renders the document", async () => {
    const res = await call("/docs", { key: null });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(await res.text()).toContain('data-url="/openapi.json"');
  });
});
