/**
 * Error responses of the LLM proxy, in the OpenAI error shape:
 *
 *   {"error":{"message","type","param","code"}}
 *
 * The proxy's callers are OpenAI-compatible clients (OpenClaw's provider layer, the openai
 * SDK), which read this shape and decide on retries from the status. The rest of the API
 * uses the Anthropic-style envelope of src/errors.ts; an `ApiError` thrown by a session meter
 * (quota exceeded, ...) is converted here so that one error model still decides the status.
 * Messages are fixed strings: never provider keys, tokens or upstream internals.
 */
import { type ApiError, ERROR_CODES, type ErrorCode } from "../errors";
import { log } from "../lib/log";
import { passedHeaders, type Upstream } from "./upstreams";

/** The JSON body of every proxy error. */
export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export interface OpenAiErrorOptions {
  /** OpenAI `error.type`; defaults from the status (see `defaultType`). */
  type?: string;
  code?: string | null;
  param?: string | null;
  headers?: Record<string, string>;
}

/** Builds an OpenAI-shape error response. */
export function openAiError(status: number, message: string, options: OpenAiErrorOptions = {}): Response {
  const body: OpenAiErrorBody = {
    error: {
      message,
      type: options.type ?? defaultType(status),
      param: options.param ?? null,
      code: options.code ?? null,
    },
  };
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...options.headers },
  });
}

/** The proxy's own failures, one constructor each so messages stay uniform. */
export const proxyErrors = {
  /** 401: no bearer token, a malformed one, or one the session does not accept. */
  invalidToken: () =>
    openAiError(401, "invalid or missing session token", {
      type: "invalid_request_error",
      code: "invalid_api_key",
    }),
  /** 400: the body is not a JSON object. */
  invalidBody: (message: string) => openAiError(400, message, { code: "invalid_request" }),
  /** 413: the body is larger than the proxy accepts. */
  tooLarge: (maxBytes: number) =>
    openAiError(413, `request body exceeds ${maxBytes} bytes`, { code: "request_too_large" }),
  /** 404: a path the proxy does not serve. */
  notFound: (method: string, path: string) =>
    openAiError(404, `no route for ${method} ${path}`, { code: "not_found" }),
  /** 503: a wiring fault of the Worker itself (no meter registered, no session in the props). */
  notConfigured: (what: string) => openAiError(503, `${what} is not configured`, { code: "not_configured" }),
  /**
   * No provider for the granted model: a configuration error no retry can fix. 404 (model not
   * found) is what OpenClaw, the proxy's caller, treats as final; a 5xx would have it retry for
   * minutes before the user learns anything.
   */
  modelNotConfigured: (message: string) =>
    openAiError(404, message, { type: "invalid_request_error", code: "model_not_configured" }),
  /**
   * The provider could not be reached, after the proxy's own bounded retries (upstream-fetch.ts).
   * 424 (failed dependency), with a type OpenClaw classifies as no transient failure, so it
   * does not multiply those retries into minutes; `x-should-retry` says the same to OpenAI SDKs.
   */
  unreachable: (message: string) =>
    openAiError(424, message, {
      type: "upstream_unreachable_error",
      code: "upstream_unreachable",
      headers: { "x-should-retry": "false" },
    }),
  /** 502: the provider rejected the proxy's own credentials, or cut its response off. */
  badGateway: (message: string) => openAiError(502, message, { code: "upstream_error" }),
  /** 499-style: the caller went away before the provider answered (nobody reads it). */
  clientClosed: () => openAiError(499, "client closed request", { code: "client_closed" }),
  /** 500: anything unexpected; details are in the logs under the request id. */
  internal: () =>
    openAiError(500, "internal error in the LLM proxy; retry later", { code: "internal_error" }),
};

/** Our machine codes whose OpenAI counterpart clients look for by name. */
const OPENAI_CODES: Partial<Record<ErrorCode, string>> = {
  agent_not_found: "model_not_found",
  session_running: "session_busy",
  rate_limited: "rate_limit_exceeded",
};

/**
 * The OpenAI shape of an `ApiError` (one from a session meter, or the one an error envelope of
 * an OpenAI-compatible path was built from): the status, message and headers the one error
 * model gives it, OpenAI's `type` for that status (OpenAI has no `not_found_error` or
 * `conflict_error`), a few codes renamed to the ones OpenAI clients know, and as `param` the
 * first field the validator named.
 */
export function openAiErrorFromApiError(err: ApiError): Response {
  const spec = ERROR_CODES[err.code];
  return openAiError(spec.status, err.message, {
    code: OPENAI_CODES[err.code] ?? err.code,
    param: err.fields?.[0]?.path ?? null,
    headers: { "x-should-retry": String(spec.retry), ...err.headers },
  });
}

/**
 * The response for a provider's error answer. 401/403 mean the provider rejected the
 * Worker's key: our misconfiguration, not the caller's, so it becomes a 502 (and the
 * provider's message, which may quote part of the key, stays in the Worker). Other statuses
 * pass through with their JSON body (the key redacted should it appear), so clients still
 * see 429 + retry-after and the provider's 400 validation messages.
 */
export async function upstreamErrorResponse(res: Response, upstream: Upstream): Promise<Response> {
  const text = await res.text().catch(() => "");
  if (res.status === 401 || res.status === 403) {
    log("error", "llm proxy: provider rejected the proxy's credentials", {
      provider: upstream.provider,
      status: res.status,
    });
    return proxyErrors.badGateway("the model provider rejected the proxy's credentials");
  }
  const headers = passedHeaders(res.headers);
  if (isJson(text)) {
    const safe = upstream.apiKey ? text.replaceAll(upstream.apiKey, "[redacted]") : text;
    headers.set("content-type", "application/json");
    return new Response(safe, { status: res.status, headers });
  }
  const retryAfter = res.headers.get("retry-after");
  return openAiError(res.status, `the model provider answered HTTP ${res.status}`, {
    code: "upstream_error",
    headers: retryAfter ? { "retry-after": retryAfter } : {},
  });
}

function isJson(text: string): boolean {
  if (text.trim() === "") return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function defaultType(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 429) return "rate_limit_error";
  return status >= 500 ? "server_error" : "invalid_request_error";
}
