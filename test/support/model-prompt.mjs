// Prompt reading and reply planning for the deterministic model server (model-server.mjs).
//
// OpenClaw wraps every user turn before it reaches the model: a `[Sun 2026-11-22 10:23 UTC] `
// timestamp prefix, a trailing `\n\nRuntime: agent=main | session=…` block, and an extra
// user message that starts with `<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>`. This module undoes
// that wrapping so replies depend only on what the human actually typed, and decides what
// the server should answer for a given mode. Pure functions, no I/O.

/** Marker that opens OpenClaw's synthetic context message; such messages are not user text. */
export const INTERNAL_CONTEXT_MARKER = "<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>";

/** A user text containing this keyword makes the model list every real user message it saw. */
export const RECALL_KEYWORD = "RECALL";

// `[Sun 2026-11-22 10:23 UTC] ` — weekday, ISO date, time, zone; tolerant about the details.
const TIMESTAMP_PREFIX = /^\[[^\]\n]*\d{4}-\d{2}-\d{2}[^\]\n]*\]\s*/;
// The runtime footer OpenClaw appends after a blank line; it runs to the end of the message.
const RUNTIME_SUFFIX = /\n\nRuntime: [\s\S]*$/;

/**
 * Flattens an OpenAI message `content` (string, or array of parts) to plain text.
 * @param {unknown} content
 * @returns {string}
 */
export function contentText(content) {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((part) => (part && typeof part === "object" && part.type === "text" ? String(part.text ?? "") : ""))
    .join("");
}

/**
 * Removes OpenClaw's timestamp prefix and runtime suffix from one user message.
 * @param {string} text
 * @returns {string}
 */
export function unwrapUserText(text) {
  return text.replace(TIMESTAMP_PREFIX, "").replace(RUNTIME_SUFFIX, "").trim();
}

/**
 * Every real user message in a chat.completions request, oldest first, unwrapped.
 * Synthetic internal-context messages are skipped; a multi-part message yields its parts
 * joined by newlines.
 * @param {{ messages?: Array<{ role: string, content?: unknown }> }} body
 * @returns {string[]}
 */
export function realUserMessages(body) {
  const out = [];
  for (const message of body.messages ?? []) {
    if (message.role !== "user") continue;
    if (contentText(message.content).trimStart().startsWith(INTERNAL_CONTEXT_MARKER)) continue;
    out.push(userText(message.content));
  }
  return out;
}

// OpenClaw merges consecutive user turns into one message with several text parts (seen
// after an aborted turn), each part keeping its own timestamp prefix: unwrap part by part.
function userText(content) {
  if (!Array.isArray(content)) return unwrapUserText(contentText(content));
  return content
    .filter((part) => part && typeof part === "object" && part.type === "text")
    .map((part) => unwrapUserText(String(part.text ?? "")))
    .join("\n");
}

/**
 * The trailing run of `tool` messages (results of the assistant's last tool calls), if any
 * came after the last real user message. Non-empty means "this is a follow-up request".
 * @param {{ messages?: Array<{ role: string, content?: unknown, tool_call_id?: string }> }} body
 * @returns {Array<{ toolCallId: string | undefined, text: string }>}
 */
export function trailingToolResults(body) {
  const messages = body.messages ?? [];
  const results = [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (message.role === "tool") {
      results.unshift({ toolCallId: message.tool_call_id, text: contentText(message.content) });
      continue;
    }
    // OpenClaw may append its internal-context user message after tool results; look past it.
    if (
      message.role === "user" &&
      contentText(message.content).trimStart().startsWith(INTERNAL_CONTEXT_MARKER)
    )
      continue;
    break;
  }
  return results;
}

/**
 * The deterministic text reply for a request in normal mode:
 * `echo: <last real user text>`, or `recall: [<all real user texts as JSON>]` when the last
 * one contains {@link RECALL_KEYWORD}.
 * @param {object} body chat.completions request body
 * @returns {string}
 */
export function textReply(body) {
  const users = realUserMessages(body);
  const last = users.at(-1) ?? "";
  if (last.includes(RECALL_KEYWORD)) return `recall: ${JSON.stringify(users)}`;
  return `echo: ${last}`;
}

/**
 * The mode that answers `body`: a `script` mode picks the first rule whose `when` text is in the
 * request's last real user message (so one model double can play a parent and the sub-agents
 * it delegates to, told apart by their tasks), else `otherwise` (default normal).
 * @param {object} body chat.completions request body
 * @param {import("./model-server.mjs").ModelMode} mode
 * @returns {import("./model-server.mjs").ModelMode}
 */
export function resolveMode(body, mode) {
  if (mode.kind !== "script") return mode;
  const last = realUserMessages(body).at(-1) ?? "";
  const rule = mode.rules.find((r) => last.includes(r.when));
  return resolveMode(body, rule?.mode ?? mode.otherwise ?? { kind: "normal" });
}

/**
 * Decides what to answer: `{ kind: "text", text }`, `{ kind: "tool_call", name, arguments,
 * calls }` (`calls`: every call of the reply, the first one's name and arguments repeated at the
 * top) or `{ kind: "error", status, message }`.
 * @param {object} body chat.completions request body
 * @param {import("./model-server.mjs").ModelMode} mode
 */
export function planReply(body, scripted) {
  const mode = resolveMode(body, scripted);
  if (mode.kind === "error") {
    return {
      kind: "error",
      status: mode.status ?? 500,
      message: mode.message ?? "model server error (test)",
    };
  }
  // `when`: only a conversation whose last real user text contains it gets the tool call; every
  // other one (another agent on the same model, a peer's message) gets the normal reply.
  if (
    mode.kind === "tool_call" &&
    (!mode.when || (realUserMessages(body).at(-1) ?? "").includes(mode.when))
  ) {
    const results = trailingToolResults(body);
    if (results.length > 0) {
      return { kind: "text", text: `tool result: ${results.map((r) => r.text).join("\n")}` };
    }
    const calls = [mode, ...(mode.also ?? [])].map((call) => ({
      name: call.name,
      arguments: JSON.stringify(call.arguments ?? {}),
    }));
    return { kind: "tool_call", ...calls[0], calls };
  }
  return { kind: "text", text: textReply(body) };
}

/**
 * Deterministic token estimate (~4 characters per token, at least 1), standing in for a
 * tokenizer so usage figures scale with the real prompt size.
 * @param {string} text
 */
export function estimateTokens(text) {
  return Math.max(1, Math.ceil(text.length / 4));
}

/**
 * Usage block in OpenAI's shape for a request body and the reply that was produced.
 * @param {object} body
 * @param {string} completionText the streamed content or tool-call name + arguments
 */
export function usageFor(body, completionText) {
  const prompt_tokens = estimateTokens(
    JSON.stringify(body.messages ?? []) + JSON.stringify(body.tools ?? []),
  );
  const completion_tokens = estimateTokens(completionText);
  return {
    prompt_tokens,
    completion_tokens,
    total_tokens: prompt_tokens + completion_tokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
  };
}

/**
 * Splits a reply into streaming pieces of at most `size` characters (never empty).
 * @param {string} text
 * @param {number} size
 */
export function chunkText(text, size) {
  if (text.length === 0) return [""];
  const pieces = [];
  for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
  return pieces;
}

/**
 * Splits a reply into tokens as a model streams them: each word with the whitespace before it.
 * @param {string} text
 */
export function splitTokens(text) {
  return text.split(/(?=\s\S)/);
}
