/**
 * OpenAI Chat Completions wire objects: `chat.completion`, `chat.completion.chunk`, `usage`,
 * and the data-only SSE framing the `openai` SDK reads (`data: {...}\n\n`, no `event:` lines,
 * `data: [DONE]` last). The Managed Agents stream needs `event:` lines; both are written by
 * lib/sse.ts, these without them (reference §10).
 */
import { sseFrame } from "../lib/sse";

/** Token counts of one turn, summed over its model calls. */
export interface TokenUsage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

/** OpenAI `usage`: prompt tokens include cached ones, which are also reported apart. */
export function toOpenAiUsage(u: TokenUsage) {
  const prompt = u.input + u.cacheRead + u.cacheWrite;
  return {
    prompt_tokens: prompt,
    completion_tokens: u.output,
    total_tokens: prompt + u.output,
    prompt_tokens_details: { cached_tokens: u.cacheRead },
  };
}

/** What every object of one completion shares. */
export interface CompletionMeta {
  /** `chatcmpl-` + the id of the user.message event the turn answered (traceable in the session log). */
  id: string;
  /** Unix seconds. */
  created: number;
  /** The `model` as the client sent it (an agent id or name). */
  model: string;
}

export function completionMeta(messageId: string, model: string, now = Date.now()): CompletionMeta {
  return { id: `chatcmpl-${messageId}`, created: Math.floor(now / 1000), model };
}

/** The non-streaming answer. An agent turn always ends by itself, so `finish_reason` is `stop`. */
export function chatCompletion(meta: CompletionMeta, content: string, usage: TokenUsage) {
  return {
    id: meta.id,
    object: "chat.completion" as const,
    created: meta.created,
    model: meta.model,
    choices: [
      {
        index: 0,
        message: { role: "assistant" as const, content, refusal: null },
        logprobs: null,
        finish_reason: "stop" as const,
      },
    ],
    usage: toOpenAiUsage(usage),
  };
}

/** Builds the chunks of one streamed completion. */
export class ChunkWriter {
  constructor(
    private readonly meta: CompletionMeta,
    /** With `stream_options.include_usage`, chunks carry `usage: null` until the usage chunk. */
    private readonly includeUsage: boolean,
  ) {}

  /** The first chunk names the role, as OpenAI's does. */
  role(): string {
    return this.choice({ role: "assistant", content: "" }, null);
  }

  content(text: string): string {
    return this.choice({ content: text }, null);
  }

  finish(): string {
    return this.choice({}, "stop");
  }

  /** The usage chunk: no choices, just the turn's usage (only with include_usage). */
  usage(usage: TokenUsage): string {
    return dataFrame({ ...this.base(), choices: [], usage: toOpenAiUsage(usage) });
  }

  private choice(delta: Record<string, unknown>, finish: "stop" | null): string {
    const chunk = {
      ...this.base(),
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      ...(this.includeUsage ? { usage: null } : {}),
    };
    return dataFrame(chunk);
  }

  private base() {
    const { id, created, model } = this.meta;
    return { id, object: "chat.completion.chunk" as const, created, model };
  }
}

/** One data-only SSE frame. */
export function dataFrame(value: unknown): string {
  return sseFrame({ data: JSON.stringify(value) });
}

/** The stream's terminator. */
export const DONE_FRAME = sseFrame({ data: "[DONE]" });
