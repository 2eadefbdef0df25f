/**
 * The request engine every resource goes through: URL and query building, auth headers,
 * per-attempt timeouts, retries with backoff, idempotency keys and typed errors.
 *
 * Retries are safe because every POST carries an `Idempotency-Key` that stays the same across
 * the attempts of one logical call: if the first attempt reached the Worker and only its answer
 * was lost, the retry gets the stored answer back (`idempotent-replayed: true`) instead of
 * creating a second agent or sending a message twice.
 */
import { retryDelayMs, shouldRetry, sleep } from "./backoff.js";
import {
  AbortError,
  ClawplaneError,
  ConnectionError,
  ConnectionTimeoutError,
  errorFromResponse,
} from "./errors.js";

/** The subset of `fetch` the SDK calls; inject one to reach a Worker in tests or add tracing. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Default base URL: `npm run dev` of the Worker. */
export const DEFAULT_BASE_URL = "http://localhost:8787";
/** Retries after the first attempt, unless the client or the call says otherwise. */
export const DEFAULT_MAX_RETRIES = 2;
/** Per-attempt deadline for a response (for streams: until the headers arrive). */
export const DEFAULT_TIMEOUT_MS = 60_000;
const SDK_VERSION = "0.1.0";

/** Per-call overrides accepted by every method as its last argument. */
export interface RequestOptions {
  /** Cancels the call (and, for streams, the stream). */
  signal?: AbortSignal;
  timeoutMs?: number;
  maxRetries?: number;
  /** Use this Idempotency-Key instead of a random one (POST only). */
  idempotencyKey?: string;
  headers?: Record<string, string>;
}

/** A query value: arrays repeat the key, Dates become RFC 3339, booleans `true`/`false`. */
export type QueryValue = string | number | boolean | Date | readonly (string | number)[] | undefined | null;

export interface RequestSpec {
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  query?: object;
  body?: unknown;
  options?: RequestOptions;
  /** Extra headers computed by the caller (e.g. `Last-Event-ID`). */
  headers?: Record<string, string>;
}

export interface HttpClientOptions {
  baseURL: string;
  apiKey: string;
  fetch: FetchLike;
  maxRetries: number;
  timeoutMs: number;
  defaultHeaders?: Record<string, string>;
}

/** Low-level transport shared by all resources of one client. */
export class HttpClient {
  constructor(readonly options: HttpClientOptions) {}

  /** Sends the request and parses the JSON answer of a successful response. */
  async json<T>(spec: RequestSpec): Promise<T> {
    // The body is read inside the retry loop so a connection cut mid-body is retried too.
    return this.attempt(spec, async (res) => (await res.json()) as T, true);
  }

  /**
   * Sends the request and returns the successful response unread (event streams). The timeout
   * covers only the wait for headers; the caller's signal keeps governing the body.
   */
  async raw(spec: RequestSpec): Promise<Response> {
    return this.attempt(spec, async (res) => res, false);
  }

  /** Builds the absolute URL with the query string. */
  url(path: string, query?: object): string {
    const url = new URL(this.options.baseURL.replace(/\/+$/, "") + path);
    for (const [key, value] of Object.entries(query ?? {}) as [string, QueryValue][]) {
      if (value === undefined || value === null) continue;
      const values = Array.isArray(value) ? value : [value];
      for (const v of values) url.searchParams.append(key, v instanceof Date ? v.toISOString() : String(v));
    }
    return url.toString();
  }

  private async attempt<T>(
    spec: RequestSpec,
    read: (res: Response) => Promise<T>,
    timeoutCoversBody: boolean,
  ): Promise<T> {
    const opts = spec.options ?? {};
    const maxRetries = opts.maxRetries ?? this.options.maxRetries;
    const timeoutMs = opts.timeoutMs ?? this.options.timeoutMs;
    const url = this.url(spec.path, spec.query);
    const headers = this.headers(spec);

    for (let retry = 0; ; retry++) {
      const controller = new AbortController();
      const onAbort = () => controller.abort(opts.signal?.reason);
      if (opts.signal?.aborted) throw new AbortError("request aborted", { cause: opts.signal.reason });
      opts.signal?.addEventListener("abort", onAbort, { once: true });
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        if (timeoutCoversBody) opts.signal?.removeEventListener("abort", onAbort);
      };

      let failure: ClawplaneError;
      let retryHeaders: Headers | undefined;
      try {
        const res = await this.options.fetch(url, {
          method: spec.method,
          headers,
          body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
          signal: controller.signal,
        });
        if (!timeoutCoversBody) clearTimeout(timer);
        if (res.ok) {
          const value = await read(res);
          done();
          return value;
        }
        const text = await res.text();
        done();
        failure = errorFromResponse(res.status, res.headers, text);
        if (!shouldRetry(res.status, res.headers)) throw failure;
        retryHeaders = res.headers;
      } catch (err) {
        done();
        if (err instanceof ClawplaneError) throw err;
        if (opts.signal?.aborted) throw new AbortError("request aborted", { cause: err });
        failure = timedOut
          ? new ConnectionTimeoutError(`no response within ${timeoutMs} ms`, { cause: err })
          : new ConnectionError(`connection failed: ${describe(err)}`, { cause: err });
      }
      if (retry >= maxRetries) throw failure;
      try {
        await sleep(retryDelayMs(retry, retryHeaders), opts.signal);
      } catch (reason) {
        throw new AbortError("request aborted", { cause: reason });
      }
    }
  }

  private headers(spec: RequestSpec): Record<string, string> {
    const headers: Record<string, string> = {
      accept: "application/json",
      authorization: `Bearer ${this.options.apiKey}`,
      "user-agent": `clawplane-sdk/${SDK_VERSION}`,
      ...this.options.defaultHeaders,
      ...spec.headers,
      ...spec.options?.headers,
    };
    if (spec.body !== undefined) headers["content-type"] = "application/json";
    if (spec.method === "POST") {
      // One key per logical call, generated before the first attempt and reused by its retries.
      headers["idempotency-key"] = spec.options?.idempotencyKey ?? `sdk-${crypto.randomUUID()}`;
    }
    return headers;
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
