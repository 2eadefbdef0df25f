/** Worker entry: the HTTP app, the cron handler, and the Durable Object classes. Nothing else. */
import { createApp } from "./app";
import { runRetention } from "./retention";

export { RateLimiter } from "./rate-limit/rate-limiter-do";

const app = createApp();

export default {
  fetch: app.fetch,
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(runRetention(env, Date.now()));
  },
} satisfies ExportedHandler<Env>;
