/**
 * The egress policy of a session's container: which hosts its outbound HTTP(S) may reach.
 *
 * Pure decisions, no I/O. An environment with `networking: {type: "limited"}` lets the container
 * reach only: the Worker's own virtual hosts (LLM proxy, MCP proxy), its `allowed_hosts`
 * (exact names, IPv4 addresses, `*.domain` for subdomains), the hosts of the agent's declared
 * MCP servers when `allow_mcp_servers`, and the package registries when
 * `allow_package_managers`. Unrestricted networking allows everything. `EgressEntrypoint`
 * (src/entrypoints/egress.ts) applies these decisions at the container's network edge; the MCP
 * proxy applies {@link mcpServerReachable} to its own upstream calls.
 */

/** The container's model-provider host; see `LlmProxyEntrypoint`. */
export const LLM_PROXY_HOST = "llm.clawplane.internal";
/** The container's MCP host (`http://mcp.clawplane.internal/<server name>`); see `McpProxyEntrypoint`. */
export const MCP_PROXY_HOST = "mcp.clawplane.internal";
/** The container's host for the peer tools (`peer_send`, `peer_list`); see `PeerCallEntrypoint`. */
export const PEER_CALLS_HOST = "peers.clawplane.internal";
/** The container's host for the `beam_agent` tool; see `BeamCallEntrypoint`. */
export const BEAM_CALLS_HOST = "beams.clawplane.internal";

/**
 * Registries `allow_package_managers` opens by default (pip, cargo, gem, go). Deployments add
 * their npm and apt registries or mirrors with the `EGRESS_PACKAGE_REGISTRY_HOSTS` var.
 */
export const DEFAULT_PACKAGE_REGISTRY_HOSTS: readonly string[] = [
  "pypi.org",
  "files.pythonhosted.org",
  "crates.io",
  "index.crates.io",
  "static.crates.io",
  "rubygems.org",
  "index.rubygems.org",
  "proxy.golang.org",
  "sum.golang.org",
];

/** An environment's networking as stored (`config.networking`). */
export type Networking =
  | { type: "unrestricted" }
  | {
      type: "limited";
      allowed_hosts: string[];
      allow_mcp_servers: boolean;
      allow_package_managers: boolean;
    };

/** What the container may reach; built once per container start by {@link egressPolicyFor}. */
export type EgressPolicy =
  | { type: "unrestricted" }
  | {
      type: "limited";
      /** The environment's `allowed_hosts`, as given (patterns). */
      allowedHosts: string[];
      allowMcpServers: boolean;
      allowPackageManagers: boolean;
      /** Hosts of the agent's MCP servers (only consulted when `allowMcpServers`). */
      mcpServerHosts: string[];
      /** Package registry hosts (only consulted when `allowPackageManagers`). */
      packageRegistryHosts: string[];
    };

/** Why a request was allowed. */
export type AllowedVia =
  | "unrestricted"
  | "llm_proxy"
  | "mcp_proxy"
  | "beam_calls"
  | "peer_calls"
  | "allowed_hosts"
  | "mcp_server"
  | "package_manager";

export type EgressDecision =
  | { allow: true; host: string; via: AllowedVia }
  | { allow: false; host: string; reason: string };

/**
 * The policy for a container of `networking`, given the agent's MCP server URLs and the package
 * registries (`DEFAULT_PACKAGE_REGISTRY_HOSTS` plus the deployment's own).
 */
export function egressPolicyFor(
  networking: Networking,
  mcpServerUrls: readonly string[],
  packageRegistryHosts: readonly string[] = DEFAULT_PACKAGE_REGISTRY_HOSTS,
): EgressPolicy {
  if (networking.type === "unrestricted") return { type: "unrestricted" };
  const mcpServerHosts = mcpServerUrls.flatMap((url) => {
    const host = URL.canParse(url) ? normalizeHost(new URL(url).hostname) : "";
    return host ? [host] : [];
  });
  return {
    type: "limited",
    allowedHosts: [...networking.allowed_hosts],
    allowMcpServers: networking.allow_mcp_servers,
    allowPackageManagers: networking.allow_package_managers,
    mcpServerHosts: [...new Set(mcpServerHosts)],
    packageRegistryHosts: [...new Set(packageRegistryHosts.map(normalizeHost).filter(Boolean))],
  };
}

/** Extra registry hosts from a comma-separated var, appended to the defaults. */
export function packageRegistryHosts(extra: string | undefined): string[] {
  const more = (extra ?? "")
    .split(",")
    .map((h) => h.trim())
    .filter(Boolean);
  return [...DEFAULT_PACKAGE_REGISTRY_HOSTS, ...more];
}

/** Lower-case, without a trailing dot or IPv6 brackets: the form hosts are compared in. */
export function normalizeHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith("[") && h.endsWith("]")) h = h.slice(1, -1);
  while (h.endsWith(".")) h = h.slice(0, -1);
  return h;
}

/**
 * Whether `host` matches `pattern`: equal names (case-insensitive), or `*.example.com`
 * matching any subdomain of example.com at any depth, but not example.com itself.
 */
export function hostMatches(pattern: string, host: string): boolean {
  const p = normalizeHost(pattern);
  const h = normalizeHost(host);
  if (!p || !h) return false;
  if (p.startsWith("*.")) {
    const suffix = p.slice(1); // ".example.com"
    return h.length > suffix.length && h.endsWith(suffix);
  }
  return p === h;
}

/** Decides one outbound request to `url` (a URL or a bare host name). */
export function decideEgress(policy: EgressPolicy, url: string | URL): EgressDecision {
  const host = hostOf(url);
  if (!host) return { allow: false, host: String(url), reason: "the request has no valid host" };
  if (host === LLM_PROXY_HOST) return { allow: true, host, via: "llm_proxy" };
  if (host === MCP_PROXY_HOST) return { allow: true, host, via: "mcp_proxy" };
  if (host === PEER_CALLS_HOST) return { allow: true, host, via: "peer_calls" };
  if (host === BEAM_CALLS_HOST) return { allow: true, host, via: "beam_calls" };
  if (policy.type === "unrestricted") return { allow: true, host, via: "unrestricted" };
  if (policy.allowedHosts.some((p) => hostMatches(p, host)))
    return { allow: true, host, via: "allowed_hosts" };
  if (policy.allowMcpServers && policy.mcpServerHosts.some((h) => hostMatches(h, host))) {
    return { allow: true, host, via: "mcp_server" };
  }
  if (policy.allowPackageManagers && policy.packageRegistryHosts.some((h) => hostMatches(h, host))) {
    return { allow: true, host, via: "package_manager" };
  }
  return { allow: false, host, reason: `host ${host} is not allowed by ${describePolicy(policy)}` };
}

/**
 * Whether the MCP proxy may call the MCP server at `serverUrl` for a session under `policy`:
 * always under unrestricted networking; under limited networking only with `allow_mcp_servers`
 * or when the server's host is in `allowed_hosts`.
 */
export function mcpServerReachable(policy: EgressPolicy, serverUrl: string): boolean {
  if (policy.type === "unrestricted") return true;
  const host = hostOf(serverUrl);
  if (!host) return false;
  return policy.allowMcpServers || policy.allowedHosts.some((p) => hostMatches(p, host));
}

/** One line naming the policy, for denial messages and logs. */
export function describePolicy(policy: EgressPolicy): string {
  if (policy.type === "unrestricted") return "unrestricted networking";
  const hosts = policy.allowedHosts.length ? policy.allowedHosts.join(", ") : "none";
  return (
    `this environment's limited networking (allowed_hosts: ${hosts}; ` +
    `allow_mcp_servers: ${policy.allowMcpServers}; allow_package_managers: ${policy.allowPackageManagers})`
  );
}

function hostOf(url: string | URL): string {
  if (url instanceof URL) return normalizeHost(url.hostname);
  // A bare host (no scheme) is parsed as one, so IP forms are normalised the same way.
  const text = url.includes("://") ? url : `http://${url}`;
  return URL.canParse(text) ? normalizeHost(new URL(text).hostname) : "";
}
