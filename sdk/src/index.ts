/**
 * `@clawplane/sdk`: the typed client for the Clawplane API.
 *
 * ```ts
 * import { Clawplane } from "@clawplane/sdk";
 * const client = new Clawplane({ baseURL: "http://localhost:8787", apiKey: process.env.KEY });
 * const agent = await client.agents.create({ name: "Support", model: "claude-sonnet-4-6" });
 * ```
 */
export { type ClientOptions, Clawplane } from "./client.js";
export { INITIAL_RETRY_DELAY_MS, MAX_RETRY_AFTER_MS, MAX_RETRY_DELAY_MS } from "./core/backoff.js";
export * from "./core/errors.js";
export { isEventDelta, isEventStart } from "./core/events.js";
export {
  DEFAULT_BASE_URL,
  DEFAULT_MAX_RETRIES,
  DEFAULT_TIMEOUT_MS,
  type FetchLike,
  HttpClient,
  type RequestOptions,
} from "./core/http.js";
export { collect, Page } from "./core/pagination.js";
export {
  DEFAULT_MAX_RECONNECTS,
  EventStream,
  type FollowOptions,
  type StreamOptions,
  type StreamTarget,
} from "./core/stream.js";
export type * from "./types.js";
