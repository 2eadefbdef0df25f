/** The egress decisions of src/egress/policy.ts: what a limited-networking container may reach. */
import { describe, expect, it } from "vitest";
import {
  DEFAULT_PACKAGE_REGISTRY_HOSTS,
  decideEgress,
  describePolicy,
  type EgressPolicy,
  egressPolicyFor,
  hostMatches,
  LLM_PROXY_HOST,
  MCP_PROXY_HOST,
  mcpServerReachable,
  type Networking,
  packageRegistryHosts,
} from "../../src/egress/policy";

const limited = (over: Partial<Extract<Networking, { type: "limited" }>> = {}): Networking => ({
  type: "limited",
  allowed_hosts: [],
  allow_mcp_servers: false,
  allow_package_managers: false,
  ...over,
});
const MCP_URLS = ["https://mcp.linear.app/mcp", "http://10.1.2.3:8080/mcp"];
const allowed = (policy: EgressPolicy, url: string) => decideEgress(policy, url).allow;
const via = (policy: EgressPolicy, url: string) => {
  const d = decideEgress(policy, url);
  return d.allow ? d.via : "denied";
};

describe("hostMatches", () => {
  it.each([
    ["example.com", "example.com", true],
    ["example.com", "EXAMPLE.com.", true],
    ["Example.COM", "example.com", true],
    ["example.com", "api.example.com", false],
    ["example.com", "example.co", false],
    ["example.com", "notexample.com", false],
    ["*.example.com", "api.example.com", true],
    ["*.example.com", "a.b.example.com", true],
    ["*.example.com", "example.com", false],
    ["*.example.com", "evil-example.com", false],
    ["*.example.com", "example.com.evil.net", false],
    ["*.example.com", "api.example.com.", true],
    ["10.0.0.1", "10.0.0.1", true],
    ["10.0.0.1", "10.0.0.10", false],
    ["", "example.com", false],
    ["example.com", "", false],
  ])("%s vs %s → %s", (pattern, host, expected) => {
    expect(hostMatches(pattern, host)).toBe(expected);
  });
});

describe("decideEgress under unrestricted networking", () => {
  const policy = egressPolicyFor({ type: "unrestricted" }, MCP_URLS);
  it("allows every host", () => {
    expect(policy).toEqual({ type: "unrestricted" });
    for (const url of ["https://anything.example/x", "http://10.0.0.1/", "https://[::1]:8443/"]) {
      expect(via(policy, url)).toBe("unrestricted");
    }
  });
  it("still names the proxies' own hosts", () => {
    expect(via(policy, `http://${LLM_PROXY_HOST}/v1/chat/completions`)).toBe("llm_proxy");
    expect(via(policy, `http://${MCP_PROXY_HOST}/docs`)).toBe("mcp_proxy");
  });
});

describe("decideEgress under limited networking", () => {
  it("allows only the proxies when nothing else is listed", () => {
    const policy = egressPolicyFor(limited(), MCP_URLS);
    expect(via(policy, `http://${LLM_PROXY_HOST}/v1/chat/completions`)).toBe("llm_proxy");
    expect(via(policy, `http://${MCP_PROXY_HOST}/docs/x`)).toBe("mcp_proxy");
    expect(via(policy, `http://${LLM_PROXY_HOST.toUpperCase()}./v1`)).toBe("llm_proxy");
    for (const url of [
      "https://example.com/",
      "https://mcp.linear.app/mcp",
      "https://pypi.org/simple/",
      "http://169.254.169.254/latest/meta-data/",
      "http://127.0.0.1:8787/",
      "https://llm.clawplane.internal.evil.com/",
    ]) {
      expect(allowed(policy, url), url).toBe(false);
    }
  });

  it("allows the listed hosts, wildcards and IPv4 addresses, on any port and scheme", () => {
    const policy = egressPolicyFor(
      limited({ allowed_hosts: ["api.github.com", "*.githubusercontent.com", "10.0.0.1"] }),
      [],
    );
    expect(via(policy, "https://api.github.com/repos")).toBe("allowed_hosts");
    expect(via(policy, "http://API.GITHUB.COM:8080/")).toBe("allowed_hosts");
    expect(via(policy, "https://raw.githubusercontent.com/a/b")).toBe("allowed_hosts");
    expect(via(policy, "http://10.0.0.1/")).toBe("allowed_hosts");
    // IP forms are normalised by the URL parser before matching.
    expect(via(policy, "http://0x0a.0.0.1/")).toBe("allowed_hosts");
    expect(via(policy, "http://167772161/")).toBe("allowed_hosts");
    for (const url of [
      "https://github.com/",
      "https://githubusercontent.com/",
      "https://api.github.com.evil.net/",
      "http://10.0.0.2/",
      "https://gist.github.com/",
    ]) {
      expect(allowed(policy, url), url).toBe(false);
    }
  });

  it("allows the agent's MCP server hosts only with allow_mcp_servers", () => {
    const off = egressPolicyFor(limited(), MCP_URLS);
    expect(allowed(off, "https://mcp.linear.app/other")).toBe(false);
    const on = egressPolicyFor(limited({ allow_mcp_servers: true }), MCP_URLS);
    expect(via(on, "https://mcp.linear.app/anything")).toBe("mcp_server");
    expect(via(on, "http://10.1.2.3:9999/")).toBe("mcp_server");
    expect(allowed(on, "https://linear.app/")).toBe(false);
    expect(allowed(on, "https://api.mcp.linear.app/")).toBe(false);
  });

  it("allows the package registries only with allow_package_managers, plus the deployment's own", () => {
    const off = egressPolicyFor(limited(), []);
    expect(allowed(off, "https://pypi.org/simple/")).toBe(false);
    const on = egressPolicyFor(
      limited({ allow_package_managers: true }),
      [],
      packageRegistryHosts(" registry.internal.example , mirror.example"),
    );
    for (const host of DEFAULT_PACKAGE_REGISTRY_HOSTS)
      expect(via(on, `https://${host}/`)).toBe("package_manager");
    expect(via(on, "https://registry.internal.example/pkg")).toBe("package_manager");
    expect(via(on, "https://mirror.example/")).toBe("package_manager");
    expect(allowed(on, "https://evil.example/")).toBe(false);
  });

  it("explains a denial with the host and the policy", () => {
    const policy = egressPolicyFor(limited({ allowed_hosts: ["api.github.com"] }), []);
    const decision = decideEgress(policy, "https://Evil.Example./steal?token=x");
    expect(decision).toEqual({
      allow: false,
      host: "evil.example",
      reason:
        "host evil.example is not allowed by this environment's limited networking " +
        "(allowed_hosts: api.github.com; allow_mcp_servers: false; allow_package_managers: false)",
    });
    expect(describePolicy({ type: "unrestricted" })).toBe("unrestricted networking");
    expect(decideEgress(policy, "not a url at all").allow).toBe(false);
  });

  it("takes bare host names as well as URLs", () => {
    const policy = egressPolicyFor(limited({ allowed_hosts: ["example.com"] }), []);
    expect(via(policy, "example.com")).toBe("allowed_hosts");
    expect(via(policy, "example.com:443")).toBe("allowed_hosts");
    expect(allowed(policy, "other.com")).toBe(false);
  });
});

describe("mcpServerReachable (the MCP proxy's own upstream calls)", () => {
  it("is always true under unrestricted networking", () => {
    expect(mcpServerReachable({ type: "unrestricted" }, "https://mcp.linear.app/mcp")).toBe(true);
  });
  it("needs allow_mcp_servers or the host in allowed_hosts under limited networking", () => {
    const url = "https://mcp.linear.app/mcp";
    expect(mcpServerReachable(egressPolicyFor(limited(), [url]), url)).toBe(false);
    expect(mcpServerReachable(egressPolicyFor(limited({ allow_mcp_servers: true }), [url]), url)).toBe(true);
    expect(
      mcpServerReachable(egressPolicyFor(limited({ allowed_hosts: ["*.linear.app"] }), [url]), url),
    ).toBe(true);
    expect(mcpServerReachable(egressPolicyFor(limited({ allow_mcp_servers: true }), [url]), "::bad")).toBe(
      false,
    );
  });
});
