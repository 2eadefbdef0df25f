// Types for model-prompt.mjs.
import type { ModelMode } from "./model-server.mjs";

type Body = {
  messages?: Array<{ role: string; content?: unknown; tool_call_id?: string }>;
  tools?: unknown[];
};

export const INTERNAL_CONTEXT_MARKER: string;
export const RECALL_KEYWORD: string;
export function contentText(content: unknown): string;
export function unwrapUserText(text: string): string;
export function realUserMessages(body: Body): string[];
export function trailingToolResults(body: Body): Array<{ toolCallId: string | undefined; text: string }>;
export function textReply(body: Body): string;
export function resolveMode(body: Body, mode: ModelMode): ModelMode;
export function planReply(
  body: Body,
  mode: ModelMode,
):
  | { kind: "text"; text: string }
  | { kind: "tool_call"; name: string; arguments: string; calls: Array<{ name: string; arguments: string }> }
  | { kind: "error"; status: number; message: string };
export function estimateTokens(text: string): number;
export function usageFor(
  body: Body,
  completionText: string,
): {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number; audio_tokens: number };
  completion_tokens_details: { reasoning_tokens: number; audio_tokens: number };
};
export function chunkText(text: string, size: number): string[];
/** A reply split into tokens as a model streams them (joined, they are the reply). */
export function splitTokens(text: string): string[];
