#!/usr/bin/env node
// The stand-in agent CLI "inside a beam" (installed as `claude` and `codex` beside it): prints
// its progress line by line and a result. The task may steer it: "[sleep <ms>]" waits between
// steps, "[exit <n>]" ends with that status, "[lines <n>]" prints n progress lines, "[bytes <n>]"
// prints that much output, "[usage <in>/<out>/<cache_read>]" sets the usage it reports
// (default 1200/340/800).
//
// It speaks the output format its command line asks for, in the shapes the real CLIs document
// (src/beams/cli-output.ts cites them):
// - `claude … --output-format stream-json`: a `system` init line, one `assistant` message per
//   line of progress, then the `result` message with `usage` and `total_cost_usd` (this double's
//   price: $3 per million input tokens, $15 per million output, $0.30 per million cache reads);
//   `--output-format json` prints only that result object;
// - `codex exec --json`: `thread.started`, `turn.started`, an `item.completed` agent_message per
//   line, then `turn.completed` with `usage` (Codex reports no cost);
// - otherwise (a custom command, or the plain `claude --print`): plain text.
const args = process.argv.slice(2);
const task = args.at(-1) ?? "";
const num = (key, dflt) => Number(task.match(new RegExp(`\\[${key} (\\d+)\\]`))?.[1] ?? dflt);
const sleep = num("sleep", 0);
const lines = num("lines", 3);
const bytes = num("bytes", 0);
const exitCode = num("exit", 0);
const [inTokens, outTokens, cacheRead] = (
  task.match(/\[usage (\d+)\/(\d+)\/(\d+)\]/)?.slice(1) ?? [1200, 340, 800]
).map(Number);
const cli = process.env.STAND_IN_CLI ?? process.argv[1].split("/").at(-1);
const flag = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const format =
  cli === "claude" && flag("--output-format") === "stream-json"
    ? "claude-stream"
    : cli === "claude" && flag("--output-format") === "json"
      ? "claude-json"
      : cli === "codex" && args.includes("--json")
        ? "codex-jsonl"
        : "text";

const json = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);
let item = 0;
/** One line of the agent's words, in the format asked for. */
function say(text) {
  if (format === "claude-stream")
    json({ type: "assistant", message: { role: "assistant", content: [{ type: "text", text }] } });
  else if (format === "codex-jsonl")
    json({ type: "item.completed", item: { id: `item_${item++}`, type: "agent_message", text } });
  else if (format === "text") process.stdout.write(`${text}\n`);
}

const started = Date.now();
if (format === "claude-stream")
  json({ type: "system", subtype: "init", session_id: "double-session", tools: [], model: "claude-double" });
if (format === "codex-jsonl") {
  json({ type: "thread.started", thread_id: "double-thread" });
  json({ type: "turn.started" });
}
say(`${cli} started in ${process.env.BEAM_ID ?? "?"}: ${task}`);
for (let i = 1; i <= lines; i++) {
  if (sleep) await new Promise((r) => setTimeout(r, sleep / lines));
  say(`step ${i}/${lines}`);
}
if (bytes) say("x".repeat(bytes));
const result = `RESULT: done with "${task}"`;
say(result);
if (format === "claude-stream" || format === "claude-json") {
  json({
    type: "result",
    subtype: exitCode === 0 ? "success" : "error_during_execution",
    is_error: exitCode !== 0,
    duration_ms: Date.now() - started,
    num_turns: lines + 1,
    result,
    session_id: "double-session",
    total_cost_usd: (inTokens * 3 + outTokens * 15 + cacheRead * 0.3) / 1_000_000,
    usage: {
      input_tokens: inTokens,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: cacheRead,
      output_tokens: outTokens,
    },
  });
}
if (format === "codex-jsonl")
  json({
    type: "turn.completed",
    usage: { input_tokens: inTokens, cached_input_tokens: cacheRead, output_tokens: outTokens },
  });
process.exit(exitCode);
