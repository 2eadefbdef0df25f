/**
 * Which provider a model call goes to, and with which key.
 *
 * Every upstream speaks OpenAI Chat Completions (`POST {baseUrl}/chat/completions`,
 * `Authorization: Bearer <key>`): OpenAI natively, Anthropic through its OpenAI SDK
 * compatibility endpoint, and the default upstream being any OpenAI-compatible gateway
 * (Cloudflare AI Gateway, OpenRouter, vLLM, or the test model server). Keys come from Worker
 * secrets and never leave the Worker except in the upstream request's auth header.
 */

/** OpenAI's API base URL, unless `OPENAI_BASE_URL` overrides it. */
export const OPENAI_DEFAULT_BASE_URL = "https://api.openai.com/v1";
/** Anthropic's OpenAI-compatible base URL, unless `ANTHROPIC_BASE_URL` overrides it. */
export const ANTHROPIC_DEFAULT_BASE_URL = "https://api.anthropic.com/v1";

/** The Worker vars and secrets that configure upstreams. All optional; see `chooseUpstream`. */
export interface UpstreamEnv {
  /** Default upstream: any OpenAI-compatible base URL (usually ending in /v1). */
  LLM_UPSTREAM_BASE_URL?: string;
  /** Secret: bearer key for the default upstream (may be empty for keyless local servers). */
  LLM_UPSTREAM_API_KEY?: string;
  /** Secret: enables direct OpenAI for `gpt-*`, `chatgpt-*` and `o<digit>*` models. */
  OPENAI_API_KEY?: string;
  /** Overrides OpenAI's base URL (tests, regional endpoints). */
  OPENAI_BASE_URL?: string;
  /** Secret: enables direct Anthropic for `claude-*` models. */
  ANTHROPIC_API_KEY?: string;
  /** Overrides Anthropic's OpenAI-compatible base URL (tests). */
  ANTHROPIC_BASE_URL?: string;
}

export type ProviderName = "openai" | "anthropic" | "default";

/** Where one model call goes. `apiKey` is a secret: never log or return it. */
export interface Upstream {
  provider: ProviderName;
  /** Base URL without a trailing slash; the proxy appends `/chat/completions`. */
  baseUrl: string;
  apiKey: string;
}

// `o1`, `o3-mini`, `o4-mini`... but not arbitrary names that merely start with "o".
const OPENAI_MODEL = /^(gpt-|chatgpt-|o\d)/;
const ANTHROPIC_MODEL = /^claude-/;

/**
 * Picks the upstream for `model`: OpenAI or Anthropic when the model belongs to that
 * provider and its key is set, else the default upstream (`LLM_UPSTREAM_BASE_URL`), else
 * `null` (nothing configured can serve the model).
 */
export function chooseUpstream(model: string, env: UpstreamEnv): Upstream | null {
  if (OPENAI_MODEL.test(model) && nonEmpty(env.OPENAI_API_KEY)) {
    return upstream("openai", env.OPENAI_BASE_URL || OPENAI_DEFAULT_BASE_URL, env.OPENAI_API_KEY);
  }
  if (ANTHROPIC_MODEL.test(model) && nonEmpty(env.ANTHROPIC_API_KEY)) {
    return upstream("anthropic", env.ANTHROPIC_BASE_URL || ANTHROPIC_DEFAULT_BASE_URL, env.ANTHROPIC_API_KEY);
  }
  if (nonEmpty(env.LLM_UPSTREAM_BASE_URL)) {
    return upstream("default", env.LLM_UPSTREAM_BASE_URL, env.LLM_UPSTREAM_API_KEY ?? "");
  }
  return null;
}

/**
 * Why nothing can serve `model`, naming the settings that would: the one message a user sees
 * for this configuration error, from the session's pre-check and from the proxy alike.
 */
export function missingProviderMessage(model: string): string {
  const keys = OPENAI_MODEL.test(model)
    ? " or OPENAI_API_KEY"
    : ANTHROPIC_MODEL.test(model)
      ? " or ANTHROPIC_API_KEY"
      : "";
  return (
    `no model provider is configured for model "${model}": set LLM_UPSTREAM_BASE_URL ` +
    `(any OpenAI-compatible endpoint)${keys} in the Worker's configuration`
  );
}

/** The host (and port) of an upstream, for messages: never its path, query or credentials. */
export function upstreamHost(up: Upstream): string {
  try {
    return new URL(up.baseUrl).host || up.provider;
  } catch {
    return up.provider;
  }
}

// Upstream response headers worth passing on; everything else (cookies, provider account ids) stays here.
const PASSED_RESPONSE_HEADERS = new Set([
  "content-type",
  "cache-control",
  "retry-after",
  "x-request-id",
  "request-id",
]);
const RATE_LIMIT_HEADER = /^(x-ratelimit-|anthropic-ratelimit-)/;

/** The subset of a provider's response headers the caller may see (content type, retry and rate-limit hints). */
export function passedHeaders(from: Headers): Headers {
  const out = new Headers();
  for (const [name, value] of from) {
    if (PASSED_RESPONSE_HEADERS.has(name) || RATE_LIMIT_HEADER.test(name)) out.set(name, value);
  }
  return out;
}

/** The chat completions URL of an upstream. */
export function chatCompletionsUrl(up: Upstream): string {
  return `${up.baseUrl}/chat/completions`;
}

function upstream(provider: ProviderName, baseUrl: string, apiKey: string): Upstream {
  return { provider, baseUrl: baseUrl.trim().replace(/\/+$/, ""), apiKey: apiKey.trim() };
}

function nonEmpty(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== "";
}
