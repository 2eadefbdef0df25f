/** Worker entry: the HTTP app, the cron handler, and the Durable Object and entrypoint classes. */
import { createApp } from "./app";
import { runRetention } from "./retention";

export { PeerCallEntrypoint } from "./a2a/peer-call-entrypoint";
export { TailnetConnectorDO } from "./a2a/tailnet-connector-do";
export { TailnetIngressEntrypoint } from "./a2a/tailnet-ingress";
export { ChatDO } from "./channels/chat-do";
export { BeamCallEntrypoint } from "./entrypoints/beam-calls";
export { EgressEntrypoint } from "./entrypoints/egress";
export { TeleportConnectorDO } from "./beams/connector-do";
export { LlmProxyEntrypoint } from "./entrypoints/llm-proxy";
export { McpProxyEntrypoint } from "./entrypoints/mcp-proxy";
export { PoolWarmupEntrypoint } from "./entrypoints/pool-warmup";
export { RateLimiter } from "./rate-limit/rate-limiter-do";
export { RuntimePoolCoordinator } from "./runtime/pool/pool-coordinator";
export { RuntimePoolMember } from "./runtime/pool/pool-member";
export { SessionDO } from "./session/session-do";

const app = createApp();

export default {
  fetch: app.fetch,
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(runRetention(env, Date.now()));
  },
} satisfies ExportedHandler<Env>;
