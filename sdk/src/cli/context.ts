/**
 * What every command needs: the resolved global flags, an API client built from flags, then
 * `CLAWPLANE_*` variables, then the `login` config, and one way to print human or JSON output.
 */
import { type Command, InvalidArgumentError } from "commander";
import { Clawplane } from "../client.js";
import { ClawplaneError } from "../core/errors.js";
import { DEFAULT_BASE_URL } from "../core/http.js";
import { json } from "./format.js";
import type { CliIo } from "./io.js";

/** Flags every command accepts. */
export interface GlobalOptions {
  baseUrl?: string;
  apiKey?: string;
  json?: boolean;
}

export class Context {
  constructor(readonly io: CliIo) {}

  /** The global flags as seen by `command` (they may be given before or after it). */
  globals(command: Command): GlobalOptions {
    return command.optsWithGlobals<GlobalOptions>();
  }

  /** A client from flags, environment or the saved config, in that order of precedence. */
  async client(command: Command): Promise<Clawplane> {
    const flags = this.globals(command);
    const saved = await this.io.config.read();
    const apiKey = flags.apiKey ?? this.io.env.CLAWPLANE_API_KEY ?? saved?.apiKey;
    if (!apiKey) {
      throw new ClawplaneError("no API key: run `clawplane login`, set CLAWPLANE_API_KEY, or pass --api-key");
    }
    return new Clawplane({
      apiKey,
      baseURL: flags.baseUrl ?? this.io.env.CLAWPLANE_BASE_URL ?? saved?.baseURL ?? DEFAULT_BASE_URL,
      fetch: this.io.fetch,
    });
  }

  /** Prints `data` as JSON under `--json`, else the human rendering. */
  print(command: Command, data: unknown, human: () => string): void {
    this.io.stdout.write(this.globals(command).json ? json(data) : human());
  }
}

/** Parses a positive integer flag value (commander passes strings). */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return n;
}

/**
 * `--warm-pool <min:max[:ttl]>`: a warm pool size (`2:4`, `0:0` = off, `1:2:600` with a 600 s
 * idle TTL). The server checks the bounds and names the field that is out of them.
 */
export function warmPoolSize(value: string): { min_idle: number; max: number; idle_ttl_seconds?: number } {
  const parts = value.split(":").map((part) => Number(part));
  if (parts.length < 2 || parts.length > 3 || parts.some((n) => !Number.isInteger(n) || n < 0))
    throw new InvalidArgumentError(`expected min:max or min:max:ttl_seconds (e.g. 1:2), got "${value}"`);
  const [min_idle, max, ttl] = parts as [number, number, number | undefined];
  return { min_idle, max, ...(ttl === undefined ? {} : { idle_ttl_seconds: ttl }) };
}

/** A warm pool size for humans: `1 idle / 2 max, 1800 s TTL`, `off`, or `-` (none of its own). */
export function warmPoolSummary(
  size: { min_idle: number; max: number; idle_ttl_seconds: number } | null | undefined,
  none = "-",
): string {
  if (!size) return none;
  if (size.max === 0) return "off (0)";
  return `${size.min_idle} idle / ${size.max} max, ${size.idle_ttl_seconds} s TTL`;
}

/** Collects a repeatable flag's values (`--type a --type b`) in order. */
export function collectValues(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Collects up to `limit` items of a paged list, asking for pages no larger than needed. */
export async function take<T>(iterable: AsyncIterable<T>, limit: number): Promise<T[]> {
  const items: T[] = [];
  if (limit <= 0) return items;
  for await (const item of iterable) {
    items.push(item);
    if (items.length >= limit) break;
  }
  return items;
}

/** Largest page the API serves; list commands never ask for more per request. */
export const MAX_PAGE_SIZE = 1000;
/** How many rows `ls` commands show unless `--limit` says otherwise. */
export const DEFAULT_LIST_LIMIT = 20;

/** Ends a command with an exit code; `message` (if any) goes to stderr. */
export class CliExit extends Error {
  constructor(
    readonly exitCode: number,
    readonly stderrMessage?: string,
  ) {
    super(stderrMessage ?? `exit ${exitCode}`);
  }
}
