#!/usr/bin/env node
// Deterministic OpenAI-compatible model server: the project's one double of the LLM
// provider wire contract (POST {baseUrl}/chat/completions, streaming and not).
//
// OpenClaw (and later the Worker's LLM proxy) talk to it exactly as to OpenAI: SSE
// `chat.completion.chunk` objects, `finish_reason`, `tool_calls` deltas, a usage chunk when
// `stream_options.include_usage` is set, then `data: [DONE]`. Replies depend only on the
// request (see model-prompt.mjs), so tests can assert exact text and token counts.
//
// Test hooks: every request is recorded (`requests`, `GET /__requests`, `DELETE /__requests`)
// and the behaviour is switched with `setMode()` or `POST /__mode`. `/__echo` (any method,
// JSON or empty body) answers what it received: method, URL, headers and body, for tests of
// what an intermediary (the egress edge) sent on.
//
// Library: `const server = await startModelServer({ port: 0 })` → `server.url` is the base
// URL to configure (ends in /v1). CLI: `node test/support/model-server.mjs --port 9100`.

import { createServer } from "node:http";
import { pathToFileURL } from "node:url";
import { chunkText, planReply, resolveMode, splitTokens, usageFor } from "./model-prompt.mjs";

/**
 * @typedef {{ kind: "normal" }
 *   | { kind: "burst" }
 *   | { kind: "tokens", tokenDelayMs?: number }
 *   | { kind: "slow", chunkDelayMs?: number, chunks?: number }
 *   | { kind: "tool_call", name: string, arguments?: Record<string, unknown>, when?: string,
 *       also?: Array<{ name: string, arguments?: Record<string, unknown> }> }
 *   | { kind: "error", status?: 500 | 429 | number, message?: string, retryAfterSeconds?: number }
 *   | { kind: "script", rules: Array<{ when: string, mode: ModelMode }>, otherwise?: ModelMode }} ModelMode
 * normal: streams `echo: <text>` (or a recall list) in a few chunks.
 * burst: the normal reply, every chunk of the stream (through `[DONE]`) in one network write,
 *   as a fast upstream delivers a short reply.
 * tokens: the normal reply one token (word) per chunk, `tokenDelayMs` apart (default 150 ms,
 *   slower than OpenClaw's 75 ms live-text pacing, so each token is its own live frame).
 * slow: the normal reply, then `chunks` filler chunks spaced `chunkDelayMs` apart
 *   (defaults 150 × 200 ms = 30 s); stops writing as soon as the client disconnects.
 * tool_call: asks for tool `name` with `arguments` (and, in the same reply, for each call in
 *   `also`: parallel tool calls); once the request carries the tool results, replies
 *   `tool result: <content>` (the results joined by newlines). With `when`, only requests whose
 *   last user text contains it; the others are answered as in normal mode.
 * error: answers HTTP `status` with an OpenAI error body (429 adds `retry-after`).
 * script: `rules` of `{ when, mode }`: the first rule whose `when` text is in the request's last
 *   real user message answers in its mode, else `otherwise` (default normal) — one double
 *   playing a parent agent and the sub-agents it delegates to (see model-prompt.mjs resolveMode).
 */

/**
 * @typedef {{ seq: number, receivedAt: number, method: string, path: string,
 *   authorization: string | undefined, body: any,
 *   outcome: "pending" | "completed" | "aborted" | "error", completedAt?: number }} RecordedRequest
 */

const CONTENT_CHUNK_CHARS = 8; // small pieces so OpenClaw emits several chat deltas per reply
const SLOW_DEFAULTS = { chunkDelayMs: 200, chunks: 150 };
const TOKEN_DELAY_MS = 150;
const MODEL_ID = "default";

/**
 * Starts the server on 127.0.0.1.
 * @param {{ port?: number, host?: string, mode?: ModelMode }} [options] port 0 (default) = any free port
 * @returns {Promise<{ url: string, origin: string, port: number, requests: RecordedRequest[],
 *   setMode(mode: ModelMode | ModelMode["kind"]): void, mode(): ModelMode, close(): Promise<void> }>}
 */
export async function startModelServer(options = {}) {
  const host = options.host ?? "127.0.0.1";
  /** @type {RecordedRequest[]} */
  const requests = [];
  let mode = options.mode ?? { kind: "normal" };
  let seq = 0;
  const setMode = (next) => {
    mode = typeof next === "string" ? { kind: next } : next;
  };

  const server = createServer((req, res) => {
    readJson(req).then(
      (body) => route(req, res, body),
      () => sendJson(res, 400, errorBody("invalid JSON body", "invalid_request_error")),
    );
  });

  function route(req, res, body) {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === "/__requests" && req.method === "GET") return sendJson(res, 200, requests);
    if (path === "/__requests" && req.method === "DELETE") {
      requests.length = 0;
      return sendJson(res, 200, { ok: true });
    }
    if (path === "/__echo") {
      return sendJson(res, 200, {
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: body ?? null,
      });
    }
    if (path === "/__mode" && req.method === "POST") {
      setMode(body);
      return sendJson(res, 200, { ok: true, mode });
    }
    if (path.endsWith("/models") && req.method === "GET") {
      return sendJson(res, 200, {
        object: "list",
        data: [{ id: MODEL_ID, object: "model", created: 0, owned_by: "clawplane" }],
      });
    }
    if (path.endsWith("/chat/completions") && req.method === "POST") {
      const record = {
        seq: ++seq,
        receivedAt: Date.now(),
        method: req.method,
        path,
        authorization: req.headers.authorization,
        body,
        outcome: /** @type {RecordedRequest["outcome"]} */ ("pending"),
      };
      requests.push(record);
      return completion(res, body ?? {}, record, mode);
    }
    sendJson(res, 404, errorBody(`no route for ${req.method} ${path}`, "invalid_request_error"));
  }

  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, resolve);
  });
  const { port } = /** @type {import("node:net").AddressInfo} */ (server.address());
  const origin = `http://${host}:${port}`;
  return {
    url: `${origin}/v1`,
    origin,
    port,
    requests,
    setMode,
    mode: () => mode,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // slow-mode streams would otherwise hold close() open
      }),
  };
}

/** Answers one chat.completions request according to `mode`. */
function completion(res, body, record, scripted) {
  const mode = resolveMode(body, scripted);
  const plan = planReply(body, mode);
  if (plan.kind === "error") {
    record.outcome = "error";
    const headers = plan.status === 429 ? { "retry-after": String(mode.retryAfterSeconds ?? 1) } : {};
    const type = plan.status === 429 ? "requests" : "server_error";
    const code = plan.status === 429 ? "rate_limit_exceeded" : null;
    return sendJson(res, plan.status, errorBody(plan.message, type, code), headers);
  }
  const id = `chatcmpl-clawplane-${record.seq}`;
  const created = Math.floor(record.receivedAt / 1000);
  const model = body.model ?? MODEL_ID;
  const completionText =
    plan.kind === "text" ? plan.text : plan.calls.map((call) => call.name + call.arguments).join("");
  const usage = usageFor(body, completionText);

  if (!body.stream) {
    record.outcome = "completed";
    record.completedAt = Date.now();
    const message =
      plan.kind === "text"
        ? { role: "assistant", content: plan.text, refusal: null }
        : { role: "assistant", content: null, refusal: null, tool_calls: toolCalls(record.seq, plan) };
    const finish_reason = plan.kind === "text" ? "stop" : "tool_calls";
    return sendJson(res, 200, {
      id,
      object: "chat.completion",
      created,
      model,
      choices: [{ index: 0, message, logprobs: null, finish_reason }],
      usage,
    });
  }

  const includeUsage = Boolean(body.stream_options?.include_usage);
  // OpenAI sends `usage: null` on every chunk when include_usage is set, then one usage chunk.
  const chunk = (delta, finish_reason = null) => ({
    id,
    object: "chat.completion.chunk",
    created,
    model,
    system_fingerprint: "fp_clawplane",
    choices: [{ index: 0, delta, logprobs: null, finish_reason }],
    ...(includeUsage ? { usage: null } : {}),
  });
  /** @type {object[]} */
  const frames = [];
  if (plan.kind === "tool_call") {
    // As OpenAI streams parallel calls: each call opens with its id and name at its index,
    // then its arguments follow in pieces.
    toolCalls(record.seq, plan).forEach((call, index) => {
      const opening = { index, ...call, function: { name: call.function.name, arguments: "" } };
      frames.push(
        chunk(
          index === 0
            ? { role: "assistant", content: null, tool_calls: [opening] }
            : { tool_calls: [opening] },
        ),
      );
      for (const piece of chunkText(call.function.arguments, CONTENT_CHUNK_CHARS)) {
        frames.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
      }
    });
    frames.push(chunk({}, "tool_calls"));
  }
  /** @type {object[]} text chunks, written as they are due in tokens mode */
  const content = [];
  if (plan.kind === "text") {
    frames.push(chunk({ role: "assistant", content: "", refusal: null }));
    const pieces =
      mode.kind === "tokens" ? splitTokens(plan.text) : chunkText(plan.text, CONTENT_CHUNK_CHARS);
    for (const piece of pieces) content.push(chunk({ content: piece }));
  }
  const slow = mode.kind === "slow" ? { ...SLOW_DEFAULTS, ...mode } : undefined;
  const filler = slow ? Array.from({ length: slow.chunks }, () => chunk({ content: " tick" })) : [];
  const tail = [];
  if (plan.kind === "text") tail.push(chunk({}, "stop"));
  if (includeUsage) {
    const fillerText = filler.length > 0 ? " tick".repeat(filler.length) : "";
    tail.push({
      id,
      object: "chat.completion.chunk",
      created,
      model,
      system_fingerprint: "fp_clawplane",
      choices: [],
      usage: usageFor(body, completionText + fillerText),
    });
  }

  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
  });
  const sse = (frame) => `data: ${JSON.stringify(frame)}\n\n`;
  const done = "data: [DONE]\n\n";
  if (mode.kind === "burst") {
    res.end([...frames, ...content, ...tail].map(sse).join("") + done);
    record.outcome = "completed";
    record.completedAt = Date.now();
    return;
  }
  const write = (frame) => res.write(sse(frame));
  const finish = () => {
    for (const frame of tail) write(frame);
    res.end(done);
    record.outcome = "completed";
    record.completedAt = Date.now();
  };
  for (const frame of frames) write(frame);
  if (mode.kind === "tokens")
    return paced(res, record, content, mode.tokenDelayMs ?? TOKEN_DELAY_MS, write, finish);
  for (const frame of content) write(frame);
  if (!slow) return finish();
  paced(res, record, filler, slow.chunkDelayMs, write, finish);
}

/**
 * Writes `frames` one per `delayMs`, then calls `finish`. A client disconnect (OpenClaw
 * aborting the run) stops the timer so a test can see the upstream stream was cancelled.
 */
function paced(res, record, frames, delayMs, write, finish) {
  let sent = 0;
  const timer = setInterval(() => {
    if (sent >= frames.length) {
      clearInterval(timer);
      return finish();
    }
    write(frames[sent++]);
  }, delayMs);
  res.on("close", () => {
    clearInterval(timer);
    if (record.outcome === "pending") record.outcome = "aborted";
  });
}

/** The assistant tool calls of a tool_call plan; ids are unique per request and call. */
function toolCalls(seq, plan) {
  return plan.calls.map((call, index) => ({
    id: index === 0 ? `call_clawplane${seq}` : `call_clawplane${seq}x${index}`,
    type: "function",
    function: { name: call.name, arguments: call.arguments },
  }));
}

function errorBody(message, type, code = null) {
  return { error: { message, type, param: null, code } };
}

function sendJson(res, status, value, headers = {}) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(value));
}

/** Reads the request body as JSON; an empty body reads as `undefined`. */
async function readJson(req) {
  const parts = [];
  for await (const part of req) parts.push(part);
  const text = Buffer.concat(parts).toString("utf8");
  return text.length === 0 ? undefined : JSON.parse(text);
}

// CLI: node test/support/model-server.mjs [--port N] [--host H]
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const arg = (name) => {
    const i = process.argv.indexOf(name);
    return i === -1 ? undefined : process.argv[i + 1];
  };
  const server = await startModelServer({ port: Number(arg("--port") ?? 0), host: arg("--host") });
  console.log(`model server listening: ${server.url}`);
  const stop = () => server.close().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
