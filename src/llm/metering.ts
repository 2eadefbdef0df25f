/**
 * The seam between the LLM proxy and a session's Durable Object.
 *
 * The proxy never decides on its own whether a token is valid or where usage goes: it asks
 * the session's meter. In production the meter is the SessionDO (RPC stub), which knows the
 * current token, the session's status, its agent's model and its quotas; in tests it is an
 * in-memory object. The proxy core receives a `ResolveMeter`; both front doors (the HTTP route
 * and the container's outbound entrypoint) build theirs from `sessionMeters` in
 * src/entrypoints/session-ports.ts, the one place the proxies are wired to sessions.
 */

/** What a valid session token entitles its bearer to. */
export interface ModelCallGrant {
  /** The session the token belongs to; must equal the id embedded in the token. */
  sessionId: string;
  /** Provider model id the call is sent with, e.g. "claude-sonnet-4-6" (replaces the request's "default"). */
  model: string;
}

/** One model call as metered by the proxy. */
export interface ModelCallUsage {
  /** Provider model id the call was made with. */
  model: string;
  /** Uncached input tokens (the provider's prompt tokens minus cache reads and writes). */
  inputTokens: number;
  outputTokens: number;
  /** Input tokens served from the provider's prompt cache. */
  cacheReadTokens: number;
  /** Input tokens written to the provider's prompt cache (only some providers report them). */
  cacheWriteTokens: number;
  /** List-price cost in USD of the tokens above (see src/llm/pricing.ts). */
  costUsd: number;
  /** From the proxy receiving the request to the last byte (or the abort). */
  durationMs: number;
  /** "aborted": the caller went away mid-stream; usage is whatever the provider had reported by then. */
  status: "ok" | "error" | "aborted";
  /**
   * Why the call failed before any provider answered (no provider for the model, provider
   * unreachable): a message for the user, naming the model or the provider's host, never a
   * key or a provider's text. The session ends its running turn with it.
   */
  failure?: string;
}

/** A session's authority over its model calls. */
export interface SessionMeter {
  /**
   * Validates the token; returns the grant or null (unknown/revoked token, terminated
   * session). May throw `ApiError("quota_exceeded", ...)` or another `ApiError`, which the
   * proxy turns into an OpenAI-shape error with that code's status. `requestedModel` is the
   * model id the gateway sent: `default` for the session's agent, or a child thread's slot
   * (src/session/thread-model.ts), which the session maps to that child's own agent's model.
   */
  authorize(token: string, requestedModel?: string): Promise<ModelCallGrant | null>;
  /** Records one completed (or aborted, or failed) model call. */
  record(usage: ModelCallUsage): Promise<void>;
}

/** Finds the meter of a session (e.g. its DO stub). Must not do I/O itself; the meter's methods do. */
export type ResolveMeter = (sessionId: string) => SessionMeter;

/** Builds the meter resolver for one request from the Worker's bindings. */
export type MeterSource = (env: Env) => ResolveMeter;
