/**
 * The CLI's contact with the outside world, in one injectable object: output streams, the
 * environment, the config store, prompts and fetch. `nodeIo()` wires the real process; tests
 * pass captured streams, a temporary config dir and the Worker's fetch, and run commands in-process.
 */
import type { FetchLike } from "../core/http.js";
import { type ConfigStore, fileConfigStore } from "./config.js";

/** Where a command writes: a sink plus whether a human is watching it. */
export interface Output {
  write(text: string): void;
  isTTY: boolean;
}

export interface CliIo {
  stdout: Output;
  stderr: Output;
  env: Record<string, string | undefined>;
  config: ConfigStore;
  /** Asks the user for a value (login); `secret` hides the echo where possible. */
  prompt(question: string, options?: { secret?: boolean }): Promise<string>;
  /** Whether stdin is a terminal, so a human can answer a confirmation (`planes remove-agent`). */
  interactive?: boolean;
  /** Reads a text file a flag names (`--template file.json`). */
  readFile?(path: string): Promise<string>;
  /** The fetch the client uses (default: the global one). */
  fetch?: FetchLike;
  /** Fires on Ctrl-C, so `stream`, `send` and `planes logs --follow` can end cleanly. */
  signal?: AbortSignal;
}

/** The real process: stdout/stderr, `process.env`, `~/.config/clawplane`, a readline prompt. */
export async function nodeIo(): Promise<CliIo> {
  const { default: process } = await import("node:process");
  let controller: AbortController | undefined;
  const wrap = (stream: NodeJS.WriteStream): Output => ({
    write: (text) => void stream.write(text),
    isTTY: stream.isTTY === true,
  });
  return {
    stdout: wrap(process.stdout),
    stderr: wrap(process.stderr),
    env: process.env,
    config: fileConfigStore(process.env),
    prompt: (question, options) => promptLine(question, options?.secret === true),
    interactive: process.stdin.isTTY === true,
    readFile: async (path) => (await import("node:fs/promises")).readFile(path, "utf8"),
    // Installed only when a command asks (stream, send, logs --follow): those end cleanly on Ctrl-C, while
    // every other command keeps Node's default of exiting at once.
    get signal() {
      if (!controller) {
        const created = new AbortController();
        process.once("SIGINT", () => created.abort());
        controller = created;
      }
      return controller.signal;
    },
  };
}

/** Reads one line from the terminal; a secret is read without echoing the typed characters. */
async function promptLine(question: string, secret: boolean): Promise<string> {
  const { createInterface } = await import("node:readline/promises");
  const { stdin, stderr } = await import("node:process");
  const rl = createInterface({ input: stdin, output: stderr, terminal: stdin.isTTY === true });
  if (secret && stdin.isTTY) {
    // readline echoes through _writeToOutput; after the question is shown, swallow the echo.
    const internals = rl as unknown as { _writeToOutput: (s: string) => void };
    const original = internals._writeToOutput.bind(rl);
    let asked = false;
    internals._writeToOutput = (s) => {
      if (!asked) original(s);
      else if (s.includes("\n")) original("\n");
    };
    const answer = rl.question(question);
    asked = true;
    try {
      return (await answer).trim();
    } finally {
      rl.close();
    }
  }
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}
