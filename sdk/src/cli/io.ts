/**
 * The CLI's contact with the outside world, in one injectable object: output streams, the
 * environment, the config store, prompts and fetch. `nodeIo()` wires the real process; tests
 * pass captured streams, a temporary config dir and the Worker's fetch, and run commands in-process.
 */
import type { FetchLike } from "../core/http.js";
import { type ConfigStore, fileConfigStore } from "./config.js";
import { CliExit } from "./context.js";

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

/**
 * Reads one line from the terminal; a secret is read without echoing the typed characters.
 * On a terminal readline echoes each keystroke to its output itself (stdin is in raw mode), so
 * the echo is hidden by muting that output once the question is shown — through the public
 * `output` option, not readline's private write hook, which `readline/promises` does not have.
 */
async function promptLine(question: string, secret: boolean): Promise<string> {
  const { createInterface } = await import("node:readline/promises");
  const { Writable } = await import("node:stream");
  const { stdin, stderr } = await import("node:process");
  let muted = false;
  const output = new Writable({
    write(chunk, _encoding, done) {
      if (!muted) stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: stdin, output, terminal: stdin.isTTY === true });
  // Ctrl-C on a raw-mode terminal reaches readline, not the process: end the prompt as an interrupt.
  const interrupted = new AbortController();
  rl.on("SIGINT", () => interrupted.abort());
  try {
    const answer = rl.question(question, { signal: interrupted.signal });
    muted = secret;
    return (await answer).trim();
  } catch (err) {
    if (interrupted.signal.aborted) throw new CliExit(130);
    throw err;
  } finally {
    // The Enter that ended a hidden answer was muted too; move past the prompt line.
    if (muted) stderr.write("\n");
    rl.close();
  }
}
