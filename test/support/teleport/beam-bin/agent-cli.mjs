#!/usr/bin/env node
// The stand-in agent CLI "inside a beam" (installed as `claude` and `codex` beside it): prints
// its progress line by line and a result, like `claude --print` does. The task may steer it:
// "[sleep <ms>]" waits between steps, "[exit <n>]" ends with that status, "[lines <n>]" prints n
// progress lines, "[bytes <n>]" prints that much output.
const task = process.argv.at(-1) ?? "";
const num = (key, dflt) => Number(task.match(new RegExp(`\\[${key} (\\d+)\\]`))?.[1] ?? dflt);
const sleep = num("sleep", 0);
const lines = num("lines", 3);
const bytes = num("bytes", 0);
const cli = process.argv[1].split("/").at(-1);
process.stdout.write(`${cli} started in ${process.env.BEAM_ID ?? "?"}: ${task}\n`);
for (let i = 1; i <= lines; i++) {
  if (sleep) await new Promise((r) => setTimeout(r, sleep / lines));
  process.stdout.write(`step ${i}/${lines}\n`);
}
if (bytes) process.stdout.write("x".repeat(bytes));
process.stdout.write(`RESULT: done with "${task}"\n`);
process.exit(num("exit", 0));
