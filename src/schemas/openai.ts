/**
 * Wire schemas of the OpenAI-compatible surface (`/v1/chat/completions`, `/v1/models`).
 *
 * Requests are validated loosely on purpose: OpenAI clients send many sampling parameters
 * (`temperature`, `tools`, ...) that an agent, which owns its model and tools, ignores. Only
 * what decides the turn is checked, and a problem names its field (`messages.2.content`), which
 * the OpenAI error middleware turns into `error.param`.
 */
import { z } from "@hono/zod-openapi";

/** Longest accepted `user` value; it is part of a D1 primary key. */
export const MAX_USER_LENGTH = 256;

const ContentPartSchema = z.looseObject({ type: z.string(), text: z.string().optional() });

const MessageSchema = z.looseObject({
  role: z.enum(["system", "developer", "user", "assistant", "tool", "function"]),
  content: z.union([z.string(), z.array(ContentPartSchema), z.null()]).optional(),
});

/** Body of `POST /v1/chat/completions`. */
export const ChatCompletionCreateSchema = z
  .looseObject({
    model: z
      .string()
      .min(1)
      .openapi({ description: "An agent id, or an agent name (newest live agent wins)" }),
    messages: z.array(MessageSchema).min(1),
    stream: z.boolean().nullish(),
    stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
    user: z.string().min(1).max(MAX_USER_LENGTH).optional().openapi({
      description: "Sticky conversation key: the same user (per agent and key) continues one session",
    }),
    n: z.literal(1, { error: "an agent produces one reply per turn; n must be 1" }).nullish(),
  })
  .superRefine((body, ctx) => {
    // Only the last message drives the turn: it must be the user's, and text.
    const i = body.messages.length - 1;
    const last = body.messages[i];
    if (!last) return;
    if (last.role !== "user") {
      ctx.addIssue({
        code: "custom",
        path: ["messages", i, "role"],
        message: "the last message must be a user message (the agent keeps the conversation history itself)",
      });
      return;
    }
    if (Array.isArray(last.content)) {
      last.content.forEach((part, j) => {
        if (part.type !== "text" || typeof part.text !== "string") {
          ctx.addIssue({
            code: "custom",
            path: ["messages", i, "content", j, "type"],
            message: "only text content parts are supported",
          });
        }
      });
    }
    if (userText(body.messages[i]?.content).trim() === "") {
      ctx.addIssue({
        code: "custom",
        path: ["messages", i, "content"],
        message: "the user message has no text",
      });
    }
  })
  .openapi("ChatCompletionCreate");
export type ChatCompletionCreate = z.infer<typeof ChatCompletionCreateSchema>;

/** The text of a message's content: a string, or its text parts joined. */
export function userText(
  content: string | Array<{ type: string; text?: string }> | null | undefined,
): string {
  if (typeof content === "string") return content;
  return (content ?? []).map((p) => (p.type === "text" ? (p.text ?? "") : "")).join("");
}

const UsageSchema = z.object({
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
  prompt_tokens_details: z.object({ cached_tokens: z.number().int() }),
});

/** A non-streaming `chat.completion` (documentation; the route builds it in src/openai/completion.ts). */
export const ChatCompletionSchema = z
  .object({
    id: z.string(),
    object: z.literal("chat.completion"),
    created: z.number().int(),
    model: z.string(),
    choices: z.array(
      z.object({
        index: z.number().int(),
        message: z.object({ role: z.literal("assistant"), content: z.string(), refusal: z.null() }),
        logprobs: z.null(),
        finish_reason: z.enum(["stop", "length", "content_filter"]),
      }),
    ),
    usage: UsageSchema,
  })
  .openapi("ChatCompletion");

/** One agent exposed as an OpenAI model. */
export const ModelSchema = z
  .object({
    id: z.string().openapi({ description: "The agent id, or an agent name" }),
    object: z.literal("model"),
    created: z.number().int().openapi({ description: "Agent creation time, Unix seconds" }),
    owned_by: z.literal("clawplane"),
    agent_id: z.string().openapi({ description: "The agent this model id runs (Clawplane extension)" }),
  })
  .openapi("Model");

export const ModelListSchema = z
  .object({ object: z.literal("list"), data: z.array(ModelSchema) })
  .openapi("ModelList");

/** The OpenAI error body every failure on this surface answers with. */
export const OpenAiErrorSchema = z
  .object({
    error: z.object({
      message: z.string(),
      type: z.string(),
      param: z.string().nullable(),
      code: z.string().nullable(),
    }),
  })
  .openapi("OpenAIError");
