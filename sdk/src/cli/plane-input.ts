/** Flag parsing and input files shared by the `planes` commands. */
import { InvalidArgumentError } from "commander";
import type { PlaneInstanceType } from "../types.js";
import { CliExit, type Context } from "./context.js";
import { Progress } from "./progress.js";

export const INSTANCE_TYPES: PlaneInstanceType[] = [
  "lite",
  "basic",
  "standard-1",
  "standard-2",
  "standard-3",
  "standard-4",
];

/** Parses `--budget`: US dollars, zero or more. */
export function dollars(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0)
    throw new InvalidArgumentError(`expected an amount in USD (e.g. 50), got "${value}"`);
  return n;
}

export function instanceType(value: string): PlaneInstanceType {
  if (!INSTANCE_TYPES.includes(value as PlaneInstanceType))
    throw new InvalidArgumentError(`expected one of ${INSTANCE_TYPES.join(", ")}`);
  return value as PlaneInstanceType;
}

/**
 * Reads a JSON-object file a flag names (`--template`, `--environment`, `environments create
 * --config`). A missing or malformed file is a usage error (exit 2), reported before anything is sent.
 */
export async function readJsonFile(
  ctx: Context,
  flag: string,
  path: string,
): Promise<Record<string, unknown>> {
  if (!ctx.io.readFile) throw new CliExit(2, `error: ${flag} needs a file system`);
  let text: string;
  try {
    text = await ctx.io.readFile(path);
  } catch (err) {
    throw new CliExit(2, `error: cannot read ${flag} ${path}: ${err instanceof Error ? err.message : err}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CliExit(2, `error: ${flag} ${path} is not JSON: ${err instanceof Error ? err.message : err}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new CliExit(2, `error: ${flag} ${path} must hold a JSON object`);
  return value as Record<string, unknown>;
}

/** Reads a `--template` file: a JSON object of agent fields. */
export function readTemplate(ctx: Context, path: string): Promise<Record<string, unknown>> {
  return readJsonFile(ctx, "--template", path);
}

/**
 * Runs a call that may take a while (provisioning, tearing down) with a status line on stderr;
 * the line is drawn only on a terminal.
 */
export async function withProgress<T>(ctx: Context, text: string, call: () => Promise<T>): Promise<T> {
  const progress = new Progress(ctx.io.stderr);
  progress.show(text);
  try {
    return await call();
  } finally {
    progress.clear();
  }
}
