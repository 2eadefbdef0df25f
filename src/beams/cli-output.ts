/**
 * Reads what a delegated agent CLI prints in its machine-readable output format: the text a user
 * (and the calling model) should see, and the model usage the CLI reports. Pure, so the formats
 * are tested on their own; the connector's Durable Object feeds it stdout as it streams.
 *
 * The formats, as their makers document them:
 * - Claude Code, `claude --print --output-format stream-json --verbose`: one JSON object per
 *   line. `{"type":"assistant","message":{"content":[{"type":"text","text"}…]}}` carries the
 *   agent's words; the last line is the result object that `--output-format json` prints alone,
 *   `{"type":"result","subtype","is_error","result","total_cost_usd","usage":{"input_tokens",
 *   "cache_creation_input_tokens","cache_read_input_tokens","output_tokens"},…}` (Claude Code
 *   docs, "Run Claude Code programmatically" → output formats; Agent SDK reference for the
 *   result message's fields). `--verbose` is required with stream-json in print mode.
 * - Codex, `codex exec --json`: JSONL events. `{"type":"item.completed","item":{"type":
 *   "agent_message","text"}}` carries the agent's words; every `{"type":"turn.completed",
 *   "usage":{"input_tokens","cached_input_tokens","output_tokens"}}` reports one turn's usage,
 *   summed here (openai/codex, codex-rs/exec/src/exec_events.rs, from PR #4309). Codex reports
 *   no cost.
 * A `custom` CLI's output is passed through as it is; it reports no usage. A line that is not
 * JSON is passed through too (a CLI's own warnings), and JSON lines of other kinds (tool calls,
 * system and init messages) are left out of the text.
 */
import type { BeamAgentCli } from "../schemas/agent-tools";

export interface CliUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheCreationTokens: number;
  /** Only when the CLI reports one (Claude Code). */
  costUsd: number | null;
}

export interface CliOutputReader {
  /** A piece of stdout in; the text to show for the lines it completed out. */
  push(chunk: string): string;
  /** The end of stdout: the text of a last line without a newline. */
  end(): string;
  /** What the CLI reported so far, or null if nothing. */
  usage(): CliUsage | null;
}

type Json = Record<string, unknown>;

const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : 0);

export function cliOutputReader(cli: BeamAgentCli): CliOutputReader {
  if (cli === "custom") return { push: (chunk) => chunk, end: () => "", usage: () => null };
  let buffer = "";
  let usage: CliUsage | null = null;
  let sawText = false;

  const add = (u: Partial<CliUsage>) => {
    usage ??= { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0, costUsd: null };
    usage.inputTokens += u.inputTokens ?? 0;
    usage.outputTokens += u.outputTokens ?? 0;
    usage.cacheReadTokens += u.cacheReadTokens ?? 0;
    usage.cacheCreationTokens += u.cacheCreationTokens ?? 0;
    if (u.costUsd !== undefined && u.costUsd !== null) usage.costUsd = (usage.costUsd ?? 0) + u.costUsd;
  };

  const claude = (event: Json): string => {
    if (event.type === "assistant") {
      const content = (event.message as Json | undefined)?.content;
      const texts = Array.isArray(content)
        ? content
            .filter((b: Json) => b?.type === "text" && typeof b.text === "string")
            .map((b: Json) => b.text)
        : [];
      if (texts.length === 0) return "";
      sawText = true;
      return `${texts.join("\n")}\n`;
    }
    if (event.type === "result") {
      const u = (event.usage ?? {}) as Json;
      add({
        inputTokens: num(u.input_tokens),
        outputTokens: num(u.output_tokens),
        cacheReadTokens: num(u.cache_read_input_tokens),
        cacheCreationTokens: num(u.cache_creation_input_tokens),
        costUsd: typeof event.total_cost_usd === "number" ? num(event.total_cost_usd) : null,
      });
      // The result repeats the last assistant message; show it only if nothing was shown.
      return !sawText && typeof event.result === "string" ? `${event.result}\n` : "";
    }
    return "";
  };

  const codex = (event: Json): string => {
    if (event.type === "item.completed") {
      const item = (event.item ?? {}) as Json;
      const kind = item.type ?? item.item_type;
      if ((kind === "agent_message" || kind === "assistant_message") && typeof item.text === "string")
        return `${item.text}\n`;
      return "";
    }
    if (event.type === "turn.completed") {
      const u = (event.usage ?? {}) as Json;
      add({
        inputTokens: num(u.input_tokens),
        outputTokens: num(u.output_tokens),
        cacheReadTokens: num(u.cached_input_tokens),
      });
    }
    return "";
  };

  const line = (raw: string): string => {
    const trimmed = raw.trim();
    if (!trimmed.startsWith("{")) return raw ? `${raw}\n` : "";
    let event: Json;
    try {
      event = JSON.parse(trimmed) as Json;
    } catch {
      return `${raw}\n`;
    }
    return cli === "claude" ? claude(event) : codex(event);
  };

  return {
    push(chunk) {
      buffer += chunk;
      let out = "";
      let cut = buffer.indexOf("\n");
      while (cut >= 0) {
        out += line(buffer.slice(0, cut));
        buffer = buffer.slice(cut + 1);
        cut = buffer.indexOf("\n");
      }
      return out;
    },
    end() {
      const rest = buffer;
      buffer = "";
      return rest ? line(rest) : "";
    },
    usage: () => (usage ? { ...usage } : null),
  };
}
