/**
 * The agent CLIs' machine-readable output, read as the connector reads it: lines in the shapes
 * Claude Code (`--output-format stream-json`) and Codex (`exec --json`) document, split at any
 * byte, give the agent's words as text and the usage the CLI reported.
 */
import { describe, expect, it } from "vitest";
import { cliOutputReader } from "../../src/beams/cli-output";

const lines = (...objects: unknown[]) => objects.map((o) => `${JSON.stringify(o)}\n`).join("");

/** Feeds `text` in pieces of `size` characters, as stdout arrives. */
function read(cli: "claude" | "codex" | "custom", text: string, size = 7) {
  const reader = cliOutputReader(cli);
  let out = "";
  for (let i = 0; i < text.length; i += size) out += reader.push(text.slice(i, i + size));
  out += reader.end();
  return { out, usage: reader.usage() };
}

describe("agent CLI output", () => {
  it("Claude Code stream-json: assistant text shown, result's usage and total_cost_usd recorded", () => {
    const stream = lines(
      { type: "system", subtype: "init", session_id: "s1", tools: ["Bash"], model: "claude-sonnet-4-6" },
      { type: "assistant", message: { content: [{ type: "text", text: "Looking at the test." }] } },
      { type: "assistant", message: { content: [{ type: "tool_use", id: "t1", name: "Bash", input: {} }] } },
      { type: "user", message: { content: [{ type: "tool_result", tool_use_id: "t1", content: "ok" }] } },
      { type: "assistant", message: { content: [{ type: "text", text: "Fixed: the clock was mocked." }] } },
      {
        type: "result",
        subtype: "success",
        is_error: false,
        duration_ms: 8123,
        num_turns: 3,
        result: "Fixed: the clock was mocked.",
        session_id: "s1",
        total_cost_usd: 0.0421,
        usage: {
          input_tokens: 1530,
          cache_creation_input_tokens: 2048,
          cache_read_input_tokens: 9100,
          output_tokens: 412,
        },
      },
    );
    expect(read("claude", stream)).toEqual({
      out: "Looking at the test.\nFixed: the clock was mocked.\n",
      usage: {
        inputTokens: 1530,
        outputTokens: 412,
        cacheReadTokens: 9100,
        cacheCreationTokens: 2048,
        costUsd: 0.0421,
      },
    });
  });

  it("Claude Code: the result's text is shown when no assistant text came first (--output-format json)", () => {
    const result = {
      type: "result",
      subtype: "success",
      result: "All green.",
      total_cost_usd: 0.01,
      usage: { input_tokens: 10, output_tokens: 5 },
    };
    const { out, usage } = read("claude", JSON.stringify(result)); // no trailing newline
    expect(out).toBe("All green.\n");
    expect(usage).toMatchObject({ inputTokens: 10, outputTokens: 5, cacheReadTokens: 0, costUsd: 0.01 });
  });

  it("Codex exec --json: agent messages shown, every turn.completed's usage summed, no cost", () => {
    const stream = lines(
      { type: "thread.started", thread_id: "th_1" },
      { type: "turn.started" },
      { type: "item.completed", item: { id: "item_0", type: "reasoning", text: "thinking" } },
      { type: "item.completed", item: { id: "item_1", type: "command_execution", command: "npm test" } },
      { type: "item.completed", item: { id: "item_2", type: "agent_message", text: "Tests pass." } },
      { type: "turn.completed", usage: { input_tokens: 900, cached_input_tokens: 300, output_tokens: 120 } },
      { type: "turn.started" },
      { type: "item.completed", item: { id: "item_3", type: "agent_message", text: "Committed." } },
      { type: "turn.completed", usage: { input_tokens: 100, cached_input_tokens: 50, output_tokens: 30 } },
    );
    expect(read("codex", stream, 3)).toEqual({
      out: "Tests pass.\nCommitted.\n",
      usage: {
        inputTokens: 1000,
        outputTokens: 150,
        cacheReadTokens: 350,
        cacheCreationTokens: 0,
        costUsd: null,
      },
    });
  });

  it("lines that are not JSON pass through; a custom CLI is passed through whole and reports nothing", () => {
    const mixed = `warning: node 24\n${lines({ type: "turn.completed", usage: { input_tokens: 1, output_tokens: 2 } })}{not json\n`;
    expect(read("codex", mixed).out).toBe("warning: node 24\n{not json\n");
    const custom = `${lines({ type: "result", usage: { input_tokens: 5 } })}done`;
    expect(read("custom", custom)).toEqual({ out: custom, usage: null });
  });

  it("a CLI that reported nothing has no usage", () => {
    expect(read("claude", "plain words\n").usage).toBeNull();
  });
});
