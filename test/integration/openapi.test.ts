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

  it("serves a docs page that renders the document", async () => {
    const res = await call("/docs", { key: null });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(await res.text()).toContain('data-url="/openapi.json"');
  });
});
