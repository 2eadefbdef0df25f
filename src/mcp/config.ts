/**
 * The OpenClaw `mcp` config block for a session: one entry per MCP server the agent declares,
 * each pointing at the Worker's MCP proxy rather than the real server, and authenticated with
 * the session token by env reference. It holds no secret value, so it travels to the runtime
 * as an environment variable ({@link MCP_CONFIG_ENV}); container/entrypoint.sh and the local
 * runtime write it beside openclaw.json5, which includes it (`mcp: { $include: ... }`).
 *
 * Proxied URLs: `http://mcp.clawplane.internal/<name>` in a container (routed to
 * `McpProxyEntrypoint`), `<api origin>/mcp/v1/<name>` for local runtimes.
 */

import type { AgentTool } from "../schemas/agent-tools";
import type { McpServer } from "../schemas/agents";

/** Env var carrying the JSON of OpenClaw's `mcp` block (no secrets). */
export const MCP_CONFIG_ENV = "CLAWPLANE_MCP_CONFIG";
/** The header value OpenClaw resolves from its own environment at load time (`${NAME}`). */
// biome-ignore lint/suspicious/noTemplateCurlyInString: an OpenClaw env reference, not JS
const SESSION_TOKEN_REF = "Bearer ${CLAWPLANE_SESSION_TOKEN}";
/** OpenClaw's per-server MCP request timeout (60 s default), kept explicit. */
const MCP_REQUEST_TIMEOUT_MS = 60_000;

/** The proxied URL of server `name` under `base` (no trailing slash). */
export function proxiedMcpUrl(base: string, name: string): string {
  return `${base.replace(/\/+$/, "")}/${encodeURIComponent(name)}`;
}

interface OpenClawMcpServer {
  url: string;
  transport: "streamable-http";
  headers: Record<string, string>;
  requestTimeoutMs: number;
  /** False when the agent's toolset enables none of the server's tools: OpenClaw skips it. */
  enabled?: false;
  toolFilter?: { include?: string[]; exclude?: string[] };
}

/**
 * The tool filter an agent's `mcp_toolset` for `server` implies: with tools disabled by
 * default, only the explicitly enabled ones are included; otherwise the disabled ones are
 * excluded. Undefined when every tool is enabled (or the server has no toolset).
 */
export function toolFilterFor(tools: readonly AgentTool[], server: string): OpenClawMcpServer["toolFilter"] {
  const toolset = tools.find(
    (t): t is Extract<AgentTool, { type: "mcp_toolset" }> =>
      t.type === "mcp_toolset" && t.mcp_server_name === server,
  );
  if (!toolset) return undefined;
  if (!toolset.default_config.enabled) {
    return { include: toolset.configs.filter((c) => c.enabled).map((c) => c.name) };
  }
  const exclude = toolset.configs.filter((c) => !c.enabled).map((c) => c.name);
  return exclude.length ? { exclude } : undefined;
}

/** OpenClaw's `mcp` block for the agent's servers, proxied under `proxyBase`. */
export function openclawMcpConfig(
  agent: { mcp_servers: readonly McpServer[]; tools: readonly AgentTool[] },
  proxyBase: string,
): { servers: Record<string, OpenClawMcpServer> } {
  const servers: Record<string, OpenClawMcpServer> = {};
  for (const server of agent.mcp_servers) {
    const filter = toolFilterFor(agent.tools, server.name);
    const none = filter?.include !== undefined && filter.include.length === 0;
    servers[server.name] = {
      url: proxiedMcpUrl(proxyBase, server.name),
      transport: "streamable-http",
      headers: { Authorization: SESSION_TOKEN_REF },
      requestTimeoutMs: MCP_REQUEST_TIMEOUT_MS,
      ...(none ? { enabled: false as const } : filter ? { toolFilter: filter } : {}),
    };
  }
  return { servers };
}
