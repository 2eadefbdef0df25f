/**
 * Test plumbing: a `fetch` that reaches the real Worker in workerd, SDK clients on it, and
 * fetch wrappers that inject the failures the SDK must survive (lost answers, cut streams).
 */
import { exports } from "cloudflare:workers";
import { Clawplane, type ClientOptions, type FetchLike } from "../src/index";

export const BASE_URL = "http://clawplane.test";
export const ADMIN_KEY = "test-admin-key";

/** Calls the Worker's entry point, exactly as an HTTP client would reach it. */
export const workerFetch: FetchLike = (input, init) =>
  exports.default.fetch(new Request(input as RequestInfo, init as RequestInit));

/** An SDK client on the Worker with the admin key. */
export function client(options: ClientOptions = {}): Clawplane {
  return new Clawplane({ baseURL: BASE_URL, apiKey: ADMIN_KEY, fetch: workerFetch, ...options });
}

/** One request as the Worker saw it, and its answer's status (or the injected failure). */
export interface Seen {
  method: string;
  url: string;
  headers: Headers;
  status: number | "network-error";
}

/**
 * Wraps a fetch, recording every request; `fail(n, req)` may return an error to throw instead of
 * (or after) the n-th call (0-based). `after: true` in the result means the request did reach the
 * Worker and only its answer is lost, which is the case idempotency keys exist for.
 */
export function recordingFetch(
  inner: FetchLike,
  fail?: (n: number, req: Request) => { after: boolean } | undefined,
): { fetch: FetchLike; seen: Seen[] } {
  const seen: Seen[] = [];
  const fetch: FetchLike = async (input, init) => {
    const req = new Request(input as RequestInfo, init as RequestInit);
    const entry: Seen = { method: req.method, url: req.url, headers: req.headers, status: "network-error" };
    seen.push(entry);
    const failure = fail?.(seen.length - 1, req);
    if (failure && !failure.after) throw new TypeError("network connection lost");
    const res = await inner(req);
    if (failure?.after) {
      await res.body?.cancel();
      throw new TypeError("network connection lost");
    }
    entry.status = res.status;
    return res;
  };
  return { fetch, seen };
}

const encoder = new TextEncoder();

/**
 * Passes an SSE body through until `frames` stored events (frames with an `id:` line) have
 * gone by, adds the first bytes of the next frame when they are there, then fails the body
 * like a reset connection. The caller sees complete frames, then half a frame, then an error.
 */
export function cutAfterFrames(body: ReadableStream<Uint8Array>, frames: number): ReadableStream<Uint8Array> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const chunk = await reader.read();
      if (chunk.done) return controller.close();
      text += chunk.value;
      let count = 0;
      let cut = -1;
      for (let at = 0, end = text.indexOf("\n\n"); end >= 0; at = end + 2, end = text.indexOf("\n\n", at)) {
        if (text.slice(at, end).startsWith("id:") && ++count === frames) {
          cut = end + 2;
          break;
        }
      }
      if (cut < 0) {
        controller.enqueue(encoder.encode(text.slice(sent)));
        sent = text.length;
        return;
      }
      controller.enqueue(encoder.encode(text.slice(sent, cut + 12)));
      controller.error(new TypeError("connection reset"));
      await reader.cancel();
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

/** A fetch whose first stream connection is cut after `frames` events; later ones pass. */
export function cuttingFetch(frames: number): { fetch: FetchLike; streamRequests: Request[] } {
  const streamRequests: Request[] = [];
  const fetch: FetchLike = async (input, init) => {
    const req = new Request(input as RequestInfo, init as RequestInit);
    const res = await workerFetch(req);
    if (!new URL(req.url).pathname.endsWith("/events/stream")) return res;
    streamRequests.push(req);
    if (streamRequests.length > 1 || !res.body) return res;
    return new Response(cutAfterFrames(res.body, frames), res);
  };
  return { fetch, streamRequests };
}

/** An agent and an environment to start sessions with, unique per call. */
export async function fixture(c: Clawplane) {
  const agent = await c.agents.create({ name: "Support", model: "claude-sonnet-4-6", system: "Be brief." });
  const environment = await c.environments.create({ name: `sdk-${crypto.randomUUID()}` });
  return { agent, environment };
}

/** A user.message send body. */
export const message = (text: string) => ({
  events: [{ type: "user.message" as const, content: [{ type: "text" as const, text }] }],
});
