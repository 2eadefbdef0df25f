/**
 * `clawplane login` typed into by a person: the built CLI runs in a real pseudo-terminal
 * (util-linux `script` allocates it; the test types into its stdin and reads the terminal's
 * output), once per Node version on this machine (the system's and the repo's pinned one).
 * In-process tests cannot catch what breaks here: readline's raw-mode terminal handling and
 * the hidden echo of the key only exist with a real TTY on stdin.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { mainJs, sdkDir } from "./built";

/** Every distinct Node version reachable here: the one running the tests, those on PATH, the repo's. */
function nodeBinaries(): { bin: string; version: string }[] {
  const candidates = [process.execPath, join(sdkDir, "../node_modules/.bin/node")];
  for (const dir of (process.env.PATH ?? "").split(":")) if (dir) candidates.push(join(dir, "node"));
  const byVersion = new Map<string, string>();
  for (const bin of candidates) {
    if (!existsSync(bin) || !statSync(bin).isFile()) continue;
    const version = execFileSync(bin, ["-p", "process.version"], { encoding: "utf8" }).trim();
    if (!byVersion.has(version)) byVersion.set(version, bin);
  }
  return [...byVersion].map(([version, bin]) => ({ bin, version }));
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching terminal escape sequences is the point.
const CURSOR_CONTROL = /\x1b\[[0-9;]*[A-Za-z]/g;

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** A command running in a pseudo-terminal: what it has shown so far, a keyboard, and its exit. */
function inTerminal(command: string, env: NodeJS.ProcessEnv) {
  const child: ChildProcess = spawn("script", ["-qfec", command, "/dev/null"], {
    env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let output = "";
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const l of listeners) l();
  };
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
    changed();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
    changed();
  });
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      exitCode = code;
      changed();
      resolve(code);
    }),
  );
  return {
    /** The text shown so far, without readline's cursor-movement sequences. */
    get screen() {
      return output.replace(CURSOR_CONTROL, "");
    },
    /** Resolves once `text` is shown; fails with the screen if the program ends or stalls first. */
    waitFor(text: string, withinMs = 15_000): Promise<void> {
      return new Promise((resolve, reject) => {
        const fail = (why: string) => {
          listeners.delete(check);
          reject(new Error(`${why} before showing ${JSON.stringify(text)}; screen:\n${this.screen}`));
        };
        const deadline = setTimeout(() => fail(`no progress in ${withinMs} ms`), withinMs);
        const check = () => {
          if (this.screen.includes(text)) {
            clearTimeout(deadline);
            listeners.delete(check);
            resolve();
          } else if (exitCode !== undefined) {
            clearTimeout(deadline);
            fail(`exited ${exitCode}`);
          }
        };
        listeners.add(check);
        check();
      });
    },
    /** Presses keys as they are (e.g. Ctrl-C is "\x03"). */
    press(keys: string) {
      child.stdin?.write(keys);
    },
    /** Types a line as a keyboard does: the characters, then Enter (a carriage return). */
    typeLine(text: string) {
      child.stdin?.write(`${text}\r`);
    },
    exited,
    kill: () => child.kill(),
  };
}

const scriptAvailable = (() => {
  try {
    execFileSync("script", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

describe.runIf(scriptAvailable)("clawplane login in a terminal", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  /** `clawplane login` (unverified: no server here) in a terminal, with an empty config home. */
  async function login(bin: string) {
    const configHome = await mkdtemp(join(tmpdir(), "clawplane-pty-"));
    dirs.push(configHome);
    const { CLAWPLANE_API_KEY: _k, CLAWPLANE_BASE_URL: _u, ...env } = process.env;
    const terminal = inTerminal(`${quote(bin)} ${quote(mainJs)} login --no-verify`, {
      ...env,
      XDG_CONFIG_HOME: configHome,
      // That Node's bin directory first, so anything the CLI starts runs on the same version.
      PATH: `${dirname(bin)}:${env.PATH ?? ""}`,
    });
    return { terminal, configPath: join(configHome, "clawplane", "config.json") };
  }

  it.each(nodeBinaries())(
    "prompts for the URL and a hidden key, saves both and exits 0 (Node $version)",
    async ({ bin }) => {
      const { terminal, configPath } = await login(bin);
      const key = `cpk_typed_${crypto.randomUUID().replaceAll("-", "")}`;
      try {
        await terminal.waitFor("Base URL [");
        terminal.typeLine("http://typed.test");
        await terminal.waitFor("API key: ");
        terminal.typeLine(key);
        expect(await terminal.exited, terminal.screen).toBe(0);
      } finally {
        terminal.kill();
      }
      expect(terminal.screen).toContain("Logged in to http://typed.test");
      // The URL is echoed as typed; nothing is shown while the key is typed.
      expect(terminal.screen).toContain("Base URL [http://localhost:8787]: http://typed.test");
      expect(terminal.screen).not.toContain("cpk_t");
      expect(terminal.screen).toMatch(/API key: \s*Logged in to/);
      expect(JSON.parse(await readFile(configPath, "utf8"))).toEqual({
        baseURL: "http://typed.test",
        apiKey: key,
      });
    },
    30_000,
  );

  it.each(nodeBinaries())(
    "Ctrl-C at the key prompt exits 130 and saves nothing (Node $version)",
    async ({ bin }) => {
      const { terminal, configPath } = await login(bin);
      try {
        await terminal.waitFor("Base URL [");
        terminal.typeLine("");
        await terminal.waitFor("API key: ");
        terminal.press("cpk_half\x03");
        expect(await terminal.exited, terminal.screen).toBe(130);
      } finally {
        terminal.kill();
      }
      expect(terminal.screen).not.toContain("cpk_half");
      expect(existsSync(configPath)).toBe(false);
    },
    30_000,
  );
});
