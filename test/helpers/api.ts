/**
 * Test helpers that go through the real Worker entry (`exports.default.fetch`) in workerd,
 * with the real D1 and Durable Objects, exactly as an HTTP client would.
 */

import { exports } from "cloudflare:workers";
import Anthropic from "@anthropic-ai/sdk";

export const BASE_URL = "http://clawplane.test";
export const ADMIN_KEY = "test-admin-key";

export interface CallOptions {
  method?: string;
  body?: unknown;
  /** Raw body text, sent as is (for malformed JSON tests). */
  rawBody?: string;
  key?: string | null;
  headers?: Record<string, string>;
}

/** Calls the Worker; `key: null` sends no credential. */
export async function call(path: string, opts: CallOptions = {}): Promise<Response> {
  const headers = new Headers(opts.headers);
  const key = opts.key === undefined ? ADMIN_KEY : opts.key;
  if (key !== null && !headers.has("authorization") && !headers.has("x-api-key")) {
    headers.set("authorization", `Bearer ${key}`);
  }
  let body: string | undefined;
  if (opts.rawBody !== undefined) body = opts.rawBody;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined && !headers.has("content-type")) headers.set("content-type", "application/json");
  const method = opts.method ?? (body === undefined ? "GET" : "POST");
  return exports.default.fetch(new Request(BASE_URL + path, { method, headers, body }));
}

/** Calls the Worker and parses the JSON body, asserting nothing about the status. */
export async function callJson<T = any>(
  path: string,
  opts: CallOptions = {},
): Promise<{ status: number; body: T; res: Response }> {
  const res = await call(path, opts);
  const text = await res.text();
  let body: T;
  try {
    body = JSON.parse(text) as T;
  } catch {
    throw new Error(`expected JSON from ${path}, got ${res.status}: ${text.slice(0, 200)}`);
  }
  return { status: res.status, body, res };
}

/** The official Anthropic SDK, pointed at the Worker. */
export function anthropicClient(apiKey = ADMIN_KEY, options: { maxRetries?: number } = {}): Anthropic {
  return new Anthropic({
    apiKey,
    baseURL: BASE_URL,
    maxRetries: options.maxRetries ?? 0,
    fetch: (input, init) => exports.default.fetch(new Request(input as RequestInfo, init as RequestInit)),
  });
}

/** Creates an API key through the API and returns its secret and id. */
export async function createKey(scopes: string[] = ["read", "write"], name = "test key") {
  const { status, body } = await callJson("/v1/api_keys", { body: { name, scopes } });
  if (status !== 201) throw new Error(`creating key failed: ${status} ${JSON.stringify(body)}`);
  return { id: body.id as string, secret: body.key as string };
}

export const MINIMAL_AGENT = { name: "Support", model: "claude-sonnet-4-6" } as const;
