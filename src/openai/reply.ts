/**
 * Answers a chat completion from a running turn, as one JSON object or as a chunk stream.
 *
 * Both are bounded by TURN_TIMEOUT_MS (a cold runtime start alone can take a minute). A turn
 * that does not end in time, or whose client goes away (request signal, or a failed write to
 * the stream), is interrupted with `user.interrupt`, so the session neither keeps generating a
 * reply nobody reads nor stays busy for the next request.
 */
import { log } from "../lib/log";
import { SSE_HEADERS } from "../lib/sse";
import { openAiError } from "../llm/openai-errors";
import { sessionClient } from "../session/stub";
import { ChunkWriter, type CompletionMeta, chatCompletion, DONE_FRAME, dataFrame } from "./completion";
import { SESSION_HEADER } from "./conversation";
import type { Turn } from "./turn";

/** Longest a chat completion waits for its turn to end: 5 min, above a cold start (~20-60 s). */
export const TURN_TIMEOUT_MS = 5 * 60_000;

const encoder = new TextEncoder();

export interface ReplyContext {
  env: Env;
  turn: Turn;
  meta: CompletionMeta;
  /** The client's request signal: aborts when it disconnects (`enable_request_signal`). */
  signal: AbortSignal;
  waitUntil: (p: Promise<unknown>) => void;
}

/** The OpenAI error of a turn that failed in the agent: not retried automatically (it would run again). */
function agentError(message: string, sessionId: string) {
  return {
    status: 502,
    body: {
      message: `the agent run failed: ${message}`,
      type: "server_error",
      param: null,
      code: "agent_error",
    },
    headers: { "x-should-retry": "false", [SESSION_HEADER]: sessionId },
  };
}

const timeoutMessage = `the agent did not finish within ${TURN_TIMEOUT_MS / 1000} s; the turn was interrupted`;

/** Arms the deadline and the disconnect hook; the returned `end` disarms them and interrupts an unfinished turn. */
function watch(ctx: ReplyContext) {
  const { turn } = ctx;
  let finished = false;
  const timer = setTimeout(() => turn.stop("timeout"), TURN_TIMEOUT_MS);
  const onAbort = () => turn.stop("client_gone");
  ctx.signal.addEventListener("abort", onAbort);
  if (ctx.signal.aborted) onAbort();
  return {
    finished: () => {
      finished = true;
    },
    end: () => {
      clearTimeout(timer);
      ctx.signal.removeEventListener("abort", onAbort);
      if (finished) return;
      turn.stop("client_gone");
      const interrupt = sessionClient(ctx.env, turn.sessionId)
        .send([{ type: "user.interrupt" }])
        .catch((err: unknown) =>
          log("warn", "openai: interrupting an abandoned turn failed", {
            session_id: turn.sessionId,
            error: String(err),
          }),
        );
      ctx.waitUntil(interrupt);
    },
  };
}

/** Waits for the turn and answers one `chat.completion` (or 502 / 504 in the OpenAI shape). */
export async function replyJson(ctx: ReplyContext): Promise<Response> {
  const { turn, meta } = ctx;
  const guard = watch(ctx);
  let content = "";
  try {
    for await (const part of turn.parts()) {
      if (part.kind === "text") {
        content += part.text;
        continue;
      }
      guard.finished();
      if (part.kind === "failed") {
        const e = agentError(part.message, turn.sessionId);
        return openAiError(e.status, e.body.message, { code: e.body.code, headers: e.headers });
      }
      return Response.json(chatCompletion(meta, content, part.usage), {
        headers: { [SESSION_HEADER]: turn.sessionId },
      });
    }
  } finally {
    guard.end();
  }
  const headers = { [SESSION_HEADER]: turn.sessionId };
  if (turn.stopReason === "timeout") return openAiError(504, timeoutMessage, { code: "timeout", headers });
  // The client left (nobody reads this), or the session stream broke off.
  return turn.stopReason === "client_gone"
    ? openAiError(499, "client closed request", { code: "client_closed", headers })
    : openAiError(502, "the session stream ended mid-turn", { code: "agent_error", headers });
}

/**
 * Streams the turn as `chat.completion.chunk`s: one per reply delta as the model produces it,
 * a final chunk with `finish_reason`, the usage chunk when asked for, then `[DONE]`. A failure
 * after the stream started is a data frame carrying `error`, which the SDK raises.
 */
export function replyStream(ctx: ReplyContext, includeUsage: boolean): Response {
  const { turn, meta } = ctx;
  const guard = watch(ctx);
  const chunks = new ChunkWriter(meta, includeUsage);
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const write = (frame: string) => writer.write(encoder.encode(frame));

  const pump = async () => {
    try {
      await write(chunks.role());
      for await (const part of turn.parts()) {
        if (part.kind === "text") {
          await write(chunks.content(part.text));
        } else if (part.kind === "done") {
          guard.finished();
          await write(chunks.finish());
          if (includeUsage) await write(chunks.usage(part.usage));
          await write(DONE_FRAME);
        } else {
          guard.finished();
          await write(dataFrame({ error: agentError(part.message, turn.sessionId).body }));
        }
      }
      if (turn.stopReason === "timeout") {
        await write(
          dataFrame({
            error: { message: timeoutMessage, type: "server_error", param: null, code: "timeout" },
          }),
        );
      }
      await writer.close();
    } catch {
      // A write failed: the client is gone. `end` interrupts the turn if it was still running.
      turn.stop("client_gone");
    } finally {
      guard.end();
    }
  };
  ctx.waitUntil(pump());
  return new Response(readable, {
    headers: {
      ...SSE_HEADERS,
      // This endpoint has always named the charset.
      "content-type": "text/event-stream; charset=utf-8",
      [SESSION_HEADER]: turn.sessionId,
    },
  });
}
