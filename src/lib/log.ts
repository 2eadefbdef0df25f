/**
 * Structured JSON logs: one object per line, which Workers Logs indexes field by field.
 * Never pass secrets or request bodies here.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
let threshold = RANK.info;

/** Sets the lowest level written (from the `LOG_LEVEL` var); unknown names keep the current one. */
export function setLogLevel(level: string | undefined): void {
  if (level && level in RANK) threshold = RANK[level as LogLevel];
}

export function log(level: LogLevel, msg: string, fields: Record<string, unknown> = {}): void {
  if (RANK[level] < threshold) return;
  const line = JSON.stringify({ level, msg, time: new Date().toISOString(), ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

/** Error details fit for a log line (name, message, stack), whatever was thrown. */
export function describeError(err: unknown): Record<string, unknown> {
  if (err instanceof Error) return { error: err.name, message: err.message, stack: err.stack };
  return { error: String(err) };
}
