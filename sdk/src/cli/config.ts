/**
 * Where `clawplane login` keeps the base URL and key: `$XDG_CONFIG_HOME/clawplane/config.json`,
 * else `~/.config/clawplane/config.json`. The file holds a secret, so it is written with mode
 * 0600 (and its directory 0700), and re-chmodded because `writeFile`'s mode applies only when
 * it creates the file.
 */
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

/** What `login` stores. */
export interface CliConfig {
  baseURL: string;
  apiKey: string;
}

/** Reads and writes the CLI config. */
export interface ConfigStore {
  /** The file's path, for messages. */
  readonly path: string;
  read(): Promise<CliConfig | undefined>;
  write(config: CliConfig): Promise<void>;
}

/** Only the owner may read or write the config file: it holds an API key. */
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

/** The config file path for an environment (`XDG_CONFIG_HOME`, `HOME`). */
export function configPath(env: Record<string, string | undefined>): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  return join(base, "clawplane", "config.json");
}

/** The config store on disk. */
export function fileConfigStore(env: Record<string, string | undefined>): ConfigStore {
  const path = configPath(env);
  return {
    path,
    async read() {
      let text: string;
      try {
        text = await readFile(path, "utf8");
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw err;
      }
      const parsed = JSON.parse(text) as Partial<CliConfig>;
      if (typeof parsed.baseURL !== "string" || typeof parsed.apiKey !== "string") {
        throw new Error(`${path} is not a clawplane config; run \`clawplane login\` again`);
      }
      return { baseURL: parsed.baseURL, apiKey: parsed.apiKey };
    },
    async write(config) {
      await mkdir(dirname(path), { recursive: true, mode: DIR_MODE });
      await writeFile(path, `${JSON.stringify(config, null, 2)}\n`, { mode: FILE_MODE });
      await chmod(path, FILE_MODE);
    },
  };
}
