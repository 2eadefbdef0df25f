/**
 * A scripted Clawplane API for tests that need answers the local Worker cannot give on cue
 * (a rollout in progress, a member over budget, a live log stream): routes answer recorded
 * bodies, every request is kept (method, path, query, body, headers) for assertions, and SSE
 * routes stream recorded frames and then stay open, as the Worker's live streams do.
 *
 * Also a CLI harness on any fetch: `run(...argv)` returns the exit code and what was printed.
 */
import type { CliConfig, ConfigStore } from "../src/cli/config";
import type { CliIo } from "../src/cli/io";
import { run } from "../src/cli/program";
import type { FetchLike } from "../src/index";

export const FAKE_BASE_URL = "http://fake.clawplane.test";

/** One request as the fake API received it. */
export interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Headers;
  /** The parsed JSON body, or undefined when there was none. */
  body: unknown;
}

/** A route's answer: a JSON body (status 200 unless given), an error, or an SSE stream. */
export type Answer =
  | { json: unknown; status?: number; headers?: Record<string, string> }
  | { error: { status: number; type: string; code: string; message: string } }
  | { sse: string; cut?: boolean };

export type Route = (req: Recorded) => Answer;

/** The Worker's error envelope, as `src/errors.ts` builds it. */
function errorResponse(error: { status: number; type: string; code: string; message: string }): Response {
  const requestId = `req_fake${error.status}`;
  const body = {
    type: "error",
    error: { type: error.type, message: error.message, details: { error_code: error.code } },
    request_id: requestId,
  };
  return new Response(JSON.stringify(body), {
    status: error.status,
    headers: {
      "content-type": "application/json",
      "request-id": requestId,
      // Never retried, so a test sees exactly one request per call.
      "x-should-retry": "false",
    },
  });
}

/**
 * SSE frames then an open connection (closed when the request aborts); with `cut`, the
 * connection fails after the frames like a reset socket.
 */
function sseResponse(frames: string, cut: boolean, signal: AbortSignal | null | undefined): Response {
  const encoder = new TextEncoder();
  let sent = false;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (!sent) {
        sent = true;
        controller.enqueue(encoder.encode(frames));
        return;
      }
      // Erroring in the same call as the enqueue would discard the queued frames unread.
      if (cut) return controller.error(new TypeError("connection reset"));
      // Stay open like a live stream until the client goes away.
      return new Promise<void>((resolve) => {
        const end = () => {
          try {
            controller.close();
          } catch {
            // the client cancelled the body first
          }
          resolve();
        };
        if (signal?.aborted) end();
        else signal?.addEventListener("abort", end, { once: true });
      });
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream" } });
}

/** A fake API: `routes` keyed `"METHOD /path"` (exact path, query ignored). */
export function fakeApi(routes: Record<string, Route | Answer>) {
  const requests: Recorded[] = [];
  const fetch: FetchLike = async (input, init) => {
    const req = new Request(input as RequestInfo, init as RequestInit);
    const url = new URL(req.url);
    const text = await req.text();
    const recorded: Recorded = {
      method: req.method,
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body: text ? JSON.parse(text) : undefined,
    };
    requests.push(recorded);
    const route = routes[`${req.method} ${url.pathname}`];
    if (!route) {
      return errorResponse({
        status: 404,
        type: "not_found_error",
        code: "not_found",
        message: `no fake route for ${req.method} ${url.pathname}`,
      });
    }
    const answer = typeof route === "function" ? route(recorded) : route;
    if ("error" in answer) return errorResponse(answer.error);
    if ("sse" in answer) return sseResponse(answer.sse, answer.cut === true, init?.signal);
    return new Response(JSON.stringify(answer.json), {
      status: answer.status ?? 200,
      headers: { "content-type": "application/json", "request-id": "req_fake", ...answer.headers },
    });
  };
  return { fetch, requests };
}

/** SSE text for items: `id:` (when given), `event:`, `data:`. */
export function sseFrames(items: { id?: string; event: string; data: unknown }[]): string {
  return items
    .map((f) => `${f.id ? `id: ${f.id}\n` : ""}event: ${f.event}\ndata: ${JSON.stringify(f.data)}\n\n`)
    .join("");
}

function memoryStore(initial?: CliConfig): ConfigStore {
  let saved = initial;
  return {
    path: "/memory/clawplane/config.json",
    read: async () => saved,
    write: async (config) => {
      saved = config;
    },
  };
}

export interface CliHarnessOptions {
  fetch: FetchLike;
  baseURL?: string;
  apiKey?: string;
  /** Answers to prompts, in order. */
  answers?: string[];
  /** Whether stdin is a terminal (confirmations are asked). */
  interactive?: boolean;
  ttyStderr?: boolean;
  /** Files `--template` may name. */
  files?: Record<string, string>;
  /** The process environment the CLI sees (platform secrets for `channels add`). */
  env?: Record<string, string>;
  /** Stands for Ctrl-C. */
  signal?: AbortSignal;
  /** Called after every write to stdout, with everything printed so far. */
  onStdout?: (out: string) => void;
}

/** A CLI on `fetch`, logged in; `run` returns the exit code and what was printed. */
export function cliOn(options: CliHarnessOptions) {
  const answers = [...(options.answers ?? [])];
  const prompts: string[] = [];
  let out = "";
  let err = "";
  const io: CliIo = {
    stdout: {
      write: (s) => {
        out += s;
        options.onStdout?.(out);
      },
      isTTY: false,
    },
    stderr: {
      write: (s) => {
        err += s;
      },
      isTTY: options.ttyStderr === true,
    },
    env: options.env ?? {},
    config: memoryStore({
      baseURL: options.baseURL ?? FAKE_BASE_URL,
      apiKey: options.apiKey ?? "test-admin-key",
    }),
    prompt: async (question) => {
      prompts.push(question);
      return answers.shift() ?? "";
    },
    interactive: options.interactive === true,
    readFile: async (path) => {
      const text = options.files?.[path];
      if (text === undefined) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
      return text;
    },
    fetch: options.fetch,
    signal: options.signal,
  };
  return {
    prompts,
    async run(...argv: string[]) {
      out = "";
      err = "";
      const code = await run(argv, io);
      return { code, out, err };
    },
  };
}
