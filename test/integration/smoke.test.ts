import { describe, expect, it } from "vitest";
import { call, callJson, MINIMAL_AGENT } from "../helpers/api";

describe("smoke", () => {
  it("serves healthz without auth and a request id", async () => {
    const res = await call("/healthz", { key: null });
    expect(res.status).toBe(200);
    expect(res.headers.get("request-id")).toMatch(/^req_/);
  });

  it("creates and reads an agent", async () => {
    const created = await callJson("/v1/agents", { body: MINIMAL_AGENT });
    expect(created.status).toBe(200);
    const got = await callJson(`/v1/agents/${created.body.id}`);
    expect(got.body).toEqual(created.body);
  });
});
