/**
 * Chooses a session's runtime: its Cloudflare Container when the platform provides one, else
 * the local supervisor's process (development and tests, where workerd runs no containers).
 */

import { type AgentRuntime, RuntimeStartError } from "./agent-runtime";
import {
  BEAM_CALLS_HOST,
  ContainerRuntime,
  LLM_PROXY_HOST,
  MCP_PROXY_HOST,
  PEER_CALLS_HOST,
} from "./container-runtime";
import { LocalProcessRuntime } from "./local-runtime";
import { PooledContainerRuntime } from "./pool/pooled-runtime";

/**
 * Returns `ctx.container` wrapped as a {@link ContainerRuntime} (which a start may swap for a
 * warm pool container, {@link PooledContainerRuntime}) when present; otherwise a
 * {@link LocalProcessRuntime} for `runtimeId` when `LOCAL_AGENT_ORIGIN` is set.
 *
 * @param runtimeId names the local gateway (use the session id); unused for containers
 * @throws RuntimeStartError when neither is available, saying how to configure one
 */
export function selectRuntime(
  ctx: DurableObjectState,
  env: { LOCAL_AGENT_ORIGIN?: string } & Partial<Pick<Env, "POOL_MEMBERS" | "POOL_COORDINATORS">>,
  runtimeId: string,
): AgentRuntime {
  if (ctx.container) {
    // The container's model provider points at http://llm.clawplane.internal/v1 and its MCP
    // servers at http://mcp.clawplane.internal/<name>: route those hosts to the proxies' entrypoints,
    // bound to this session (they trust these props). Limited networking, or secrets to
    // substitute, add the egress edge (its props carry a flag, never a secret).
    const props = { sessionId: runtimeId };
    const own = new ContainerRuntime(ctx.container, {
      interceptHttp: [
        { host: LLM_PROXY_HOST, fetcher: ctx.exports.LlmProxyEntrypoint({ props }) },
        { host: MCP_PROXY_HOST, fetcher: ctx.exports.McpProxyEntrypoint({ props }) },
        // The agent's peer tools (src/a2a/outbound.ts): the Worker holds the peers' tokens.
        { host: PEER_CALLS_HOST, fetcher: ctx.exports.PeerCallEntrypoint({ props }) },
        // The agent's `beam_agent` tool (src/entrypoints/beam-calls.ts): the connector holds Teleport's identity.
        { host: BEAM_CALLS_HOST, fetcher: ctx.exports.BeamCallEntrypoint({ props }) },
      ],
      egress: (policy, { substituteSecrets }) =>
        ctx.exports.EgressEntrypoint({
          props: { ...props, policy, ...(substituteSecrets ? { substituteSecrets } : {}) },
        }),
    });
    // A start may instead claim a warm container from the pool (README, "Warm pool").
    const { POOL_MEMBERS, POOL_COORDINATORS } = env;
    if (!POOL_MEMBERS || !POOL_COORDINATORS) return own;
    return new PooledContainerRuntime({
      own,
      kv: ctx.storage.kv,
      sessionId: runtimeId,
      env: { POOL_MEMBERS, POOL_COORDINATORS },
    });
  }
  if (env.LOCAL_AGENT_ORIGIN) return new LocalProcessRuntime(env.LOCAL_AGENT_ORIGIN, runtimeId);
  throw new RuntimeStartError(
    "No agent runtime is configured: containers are disabled for this Worker (no Docker, " +
      "`enable_containers = false`, or tests) and LOCAL_AGENT_ORIGIN is not set. Run " +
      "`node scripts/runtime-supervisor.mjs` and set LOCAL_AGENT_ORIGIN to the origin it prints " +
      "(in .dev.vars or `wrangler dev --var LOCAL_AGENT_ORIGIN:http://127.0.0.1:PORT`), " +
      "or enable containers with a Docker engine.",
  );
}
