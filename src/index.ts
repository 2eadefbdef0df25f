/** Worker entry: the HTTP app, the cron handler, and the Durable Object and entrypoint classes. */
import { createApp } from "./app";
import { registerSessionMeters } from "./llm/session-meter";
import { runRetention } from "./retention";
import { sessionMeters } from "./session/session-meter";

export { EgressEntrypoint } from "./egress/entrypoint";
export { LlmProxyEntrypoint } from "./llm/entrypoint";
export { McpProxyEntrypoint } from "./mcp/entrypoint";
export { RateLimiter } from "./rate-limit/rate-limiter-do";
export { SessionDO } from "./session/session-do";

registerSessionMeters(sessionMeters);
const app = createApp();

export default {
  fetch: app.fetch,
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(runRetention(env, Date.now()));
  },
} satisfies ExportedHandler<Env>;
