/**
 * The LLM proxy core: one OpenAI Chat Completions call from a session's gateway, forwarded
 * to the provider with the Worker's key and metered against the session.
 *
 *   bearer session token + the body's model id → session meter authorises (grant: provider model id)
 *   → body: model "default" (or a child thread's slot) → grant.model, streams forced to report usage
 *   → upstream chosen by model (src/llm/upstreams.ts), provider key set, nothing else forwarded
 *   → response streamed back unchanged while the usage tap reads it → meter.record()
 *
 * Both front doors (the /llm/v1 route and the container outbound entrypoint) call in here.
 * Every failure becomes an OpenAI-shape error response; this module never throws. The two
 * failures only configuration or the network can fix (no provider for the model, provider
 * unreachable) are also reported to the session's meter, with the reason, before the answer
 * goes back: the session ends the turn with that reason instead of the runtime's generic one.
 */
import { ApiError } from "../errors";
import { describeError, log } from "../lib/log";
import type { ModelCallGrant, ModelCallUsage, ResolveMeter, SessionMeter } from "./metering";
import { openAiError, openAiErrorFromApiError, proxyErrors, upstreamErrorResponse } from "./openai-errors";
import { costUsd, type PricingEnv, priceTable, type TokenCounts } from "./pricing";
import { sessionIdFromToken } from "./session-token";
import { fetchUpstream, UpstreamUnreachable } from "./upstream-fetch";
import {
  chatCompletionsUrl,
  chooseUpstream,
  missingProviderMessage,
  passedHeaders,
  type Upstream,
  type UpstreamEnv,
  upstreamHost,
} from "./upstreams";
import { meterSseStream, type StreamOutcome, tokenCountsFromUsage } from "./usage-stream";

/** Largest chat request accepted (32 MiB, the Claude API's own request limit; images inflate bodies). */
export const MAX_REQUEST_BYTES = 32 * 1024 * 1024;
/** The model id OpenClaw is configured with; any id the caller sends is replaced by the grant's. */
export const PROXY_MODEL_ID = "default";

/** The vars and secrets the proxy reads. */
export type LlmProxyEnv = UpstreamEnv & PricingEnv;

export interface ProxyOptions {
  env: LlmProxyEnv;
  /** Finds the session's meter from the id embedded in the token. */
  resolveMeter: ResolveMeter;
  /** Fires when the caller goes away; aborts the upstream request. */
  signal?: AbortSignal;
  /** Keeps the isolate alive until usage is recorded after the response has been returned. */
  waitUntil?: (promise: Promise<unknown>) => void;
  /** Set when the session is known out of band (container entrypoint props): the token must belong to it. */
  expectedSessionId?: string;
  /** Correlates log lines with the request, when the front door has an id. */
  requestId?: string;
}

/** When a call passed the proxy's stages (epoch ms), for the "llm call" log line. */
interface CallClock {
  started: number;
  /** Authorised and its body read: the upstream request starts now. */
  authorizedAt: number;
  /** The provider's response headers arrived. */
  headersAt?: number;
}

interface Authorized {
  grant: ModelCallGrant;
  meter: SessionMeter;
}

const ZERO_TOKENS: TokenCounts = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };

/** `POST .../chat/completions`: authorise, forward, stream back, meter. */
export async function proxyChatCompletion(request: Request, options: ProxyOptions): Promise<Response> {
  const started = Date.now();
  try {
    // No body is read for a caller without a session token.
    if (!bearerSession(request)) return proxyErrors.invalidToken();
    const body = await readBody(request);
    if (body instanceof Response) return body;
    // The model id OpenClaw sent names whose call it is ("default": the session's agent; a
    // thread slot: a child thread's); the session decides what it maps to.
    const requested = typeof body.model === "string" ? body.model : undefined;
    const auth = await authorize(request, options, requested);
    if (auth instanceof Response) return auth;
    const upstream = chooseUpstream(auth.grant.model, options.env);
    if (!upstream) {
      log("error", "llm proxy: no upstream for model", {
        model: auth.grant.model,
        request_id: options.requestId,
      });
      const failure = missingProviderMessage(auth.grant.model);
      await reportFailure(auth, failure, started);
      return proxyErrors.modelNotConfigured(failure);
    }
    return await forward(body, auth, upstream, options, { started, authorizedAt: Date.now() });
  } catch (err) {
    log("error", "llm proxy: unexpected failure", { request_id: options.requestId, ...describeError(err) });
    return proxyErrors.internal();
  }
}

/** `GET .../models`: the one model id the gateway should use, for clients that list models first. */
export async function listModels(request: Request, options: ProxyOptions): Promise<Response> {
  const auth = await authorize(request, options);
  if (auth instanceof Response) return auth;
  const data = [{ id: PROXY_MODEL_ID, object: "model", created: 0, owned_by: "clawplane" }];
  return Response.json({ object: "list", data });
}

/** The bearer session token and the session id it embeds, or null. */
function bearerSession(request: Request): { token: string; sessionId: string } | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("authorization") ?? "");
  const token = match?.[1];
  const sessionId = token ? sessionIdFromToken(token) : null;
  return token && sessionId ? { token, sessionId } : null;
}

/** Checks the bearer session token with the session's meter. Returns the grant, or the error response. */
async function authorize(
  request: Request,
  options: ProxyOptions,
  requestedModel?: string,
): Promise<Authorized | Response> {
  const { token, sessionId } = bearerSession(request) ?? {};
  if (!token || !sessionId) return proxyErrors.invalidToken();
  if (options.expectedSessionId !== undefined && sessionId !== options.expectedSessionId) {
    log("warn", "llm proxy: token of another session presented", {
      session_id: options.expectedSessionId,
      request_id: options.requestId,
    });
    return proxyErrors.invalidToken();
  }
  const meter = options.resolveMeter(sessionId);
  let grant: ModelCallGrant | null;
  try {
    grant = await meter.authorize(token, requestedModel);
  } catch (err) {
    if (err instanceof ApiError) return openAiErrorFromApiError(err);
    log("error", "llm proxy: session meter failed", { session_id: sessionId, ...describeError(err) });
    return openAiError(503, "the session is unavailable; retry later", { code: "session_unavailable" });
  }
  if (!grant || grant.sessionId !== sessionId) return proxyErrors.invalidToken();
  return { grant, meter };
}

async function readBody(request: Request): Promise<Record<string, unknown> | Response> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_REQUEST_BYTES) return proxyErrors.tooLarge(MAX_REQUEST_BYTES);
  const text = await request.text();
  if (text.length > MAX_REQUEST_BYTES) return proxyErrors.tooLarge(MAX_REQUEST_BYTES);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return proxyErrors.invalidBody("request body is not valid JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return proxyErrors.invalidBody("request body must be a JSON object");
  }
  return body as Record<string, unknown>;
}

async function forward(
  body: Record<string, unknown>,
  { grant, meter }: Authorized,
  upstream: Upstream,
  options: ProxyOptions,
  clock: CallClock,
): Promise<Response> {
  const { started } = clock;
  const streaming = body.stream === true;
  const outgoing: Record<string, unknown> = { ...body, model: grant.model };
  if (streaming) {
    // Without usage in the stream the call could not be metered; OpenClaw asks anyway.
    const given =
      typeof body.stream_options === "object" && body.stream_options !== null ? body.stream_options : {};
    outgoing.stream_options = { ...given, include_usage: true };
  }

  const abort = new AbortController();
  const onCallerGone = () => abort.abort(options.signal?.reason);
  options.signal?.addEventListener("abort", onCallerGone, { once: true });
  if (options.signal?.aborted) abort.abort(options.signal.reason);

  let settled = false;
  const settle = (
    status: StreamOutcome,
    usage: TokenCounts | null,
    httpStatus: number,
    failure?: string,
  ): Promise<void> => {
    if (settled) return Promise.resolve();
    settled = true;
    options.signal?.removeEventListener("abort", onCallerGone);
    const tokens = usage ?? ZERO_TOKENS;
    const record: ModelCallUsage = {
      model: grant.model,
      ...tokens,
      costUsd: costUsd(grant.model, tokens, priceTable(options.env)),
      durationMs: Date.now() - started,
      status,
      ...(failure ? { failure } : {}),
    };
    log(status === "error" ? "warn" : "info", "llm call", {
      request_id: options.requestId,
      session_id: grant.sessionId,
      provider: upstream.provider,
      model: grant.model,
      status,
      http_status: httpStatus,
      input_tokens: tokens.inputTokens,
      output_tokens: tokens.outputTokens,
      cache_read_tokens: tokens.cacheReadTokens,
      cache_write_tokens: tokens.cacheWriteTokens,
      cost_usd: record.costUsd,
      duration_ms: record.durationMs,
      // Where the call's time went (from the proxy receiving it): the proxy's own share is
      // authorize_ms; the rest is the provider's (headers_ms, then the stream).
      authorize_ms: clock.authorizedAt - started,
      headers_ms: clock.headersAt === undefined ? null : clock.headersAt - started,
    });
    const recorded = recordCall({ grant, meter }, record);
    options.waitUntil?.(recorded);
    return recorded;
  };

  let res: Response;
  try {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      accept: streaming ? "text/event-stream" : "application/json",
    };
    if (upstream.apiKey) headers.authorization = `Bearer ${upstream.apiKey}`;
    res = await fetchUpstream(chatCompletionsUrl(upstream), {
      method: "POST",
      headers,
      body: JSON.stringify(outgoing),
      signal: abort.signal,
    });
    clock.headersAt = Date.now();
  } catch (err) {
    if (!(err instanceof UpstreamUnreachable)) {
      settle("aborted", null, 499);
      return proxyErrors.clientClosed();
    }
    // The host only: a base URL's path or query may carry a gateway account or token.
    const failure =
      `the model provider at ${upstreamHost(upstream)} could not be reached ` +
      `(${err.attempts} attempts in ${(err.elapsedMs / 1000).toFixed(1)} s)`;
    log("error", "llm proxy: upstream unreachable", {
      provider: upstream.provider,
      host: upstreamHost(upstream),
      attempts: err.attempts,
      ...describeError(err.cause),
    });
    await settle("error", null, 424, failure);
    return proxyErrors.unreachable(failure);
  }

  if (!res.ok) {
    settle("error", null, res.status);
    return upstreamErrorResponse(res, upstream);
  }
  const headers = passedHeaders(res.headers);
  const isSse = (res.headers.get("content-type") ?? "").includes("text/event-stream");
  if (isSse && res.body) {
    const tapped = meterSseStream(res.body, abort, (outcome, usage) => settle(outcome, usage, res.status));
    return new Response(tapped, { status: res.status, headers });
  }
  let text: string;
  try {
    text = await res.text();
  } catch (err) {
    const aborted = abort.signal.aborted;
    settle(aborted ? "aborted" : "error", null, res.status);
    if (aborted) return proxyErrors.clientClosed();
    log("error", "llm proxy: upstream body failed", { provider: upstream.provider, ...describeError(err) });
    return proxyErrors.badGateway("the model provider's response was cut off");
  }
  settle("ok", usageOfJson(text), res.status);
  return new Response(text, { status: res.status, headers });
}

/** Records one call with the session's meter; a failure to record is logged, never thrown. */
function recordCall({ grant, meter }: Authorized, usage: ModelCallUsage): Promise<void> {
  return meter.record(usage).catch((err: unknown) => {
    log("error", "llm proxy: recording usage failed", { session_id: grant.sessionId, ...describeError(err) });
  });
}

/** Tells the session's meter why a call it granted failed before reaching a provider. */
function reportFailure(auth: Authorized, failure: string, started: number): Promise<void> {
  return recordCall(auth, {
    model: auth.grant.model,
    ...ZERO_TOKENS,
    costUsd: 0,
    durationMs: Date.now() - started,
    status: "error",
    failure,
  });
}

function usageOfJson(text: string): TokenCounts | null {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === "object" && parsed !== null
      ? tokenCountsFromUsage((parsed as { usage?: unknown }).usage)
      : null;
  } catch {
    return null;
  }
}

/**
 * Serves the proxy's paths by suffix, whatever base path the gateway was configured with
 * (`/v1/chat/completions`, `/chat/completions`, ...).
 */
export function routeLlmRequest(request: Request, options: ProxyOptions): Promise<Response> {
  const { pathname } = new URL(request.url);
  if (request.method === "POST" && pathname.endsWith("/chat/completions")) {
    return proxyChatCompletion(request, options);
  }
  if (request.method === "GET" && pathname.endsWith("/models")) return listModels(request, options);
  return Promise.resolve(proxyErrors.notFound(request.method, pathname));
}
