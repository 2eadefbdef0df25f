/**
 * Human output: aligned tables, key/value blocks and one-line event summaries. Scripts use
 * `--json` instead, which prints the API's objects unchanged.
 */
import type { ClawplaneError } from "../core/errors.js";
import type { StreamEvent } from "../types.js";

/** Longest cell printed in a table; longer values end with `…`. */
const MAX_CELL_CHARS = 60;

function cell(value: unknown): string {
  const text = value === null || value === undefined ? "-" : String(value).replace(/\s+/g, " ");
  return text.length > MAX_CELL_CHARS ? `${text.slice(0, MAX_CELL_CHARS - 1)}…` : text;
}

/** Renders rows as a table with an upper-case header; an empty list says so. */
export function table(columns: string[], rows: unknown[][]): string {
  if (rows.length === 0) return "(none)\n";
  const cells = rows.map((row) => row.map(cell));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]?.length ?? 0)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return `${[line(columns.map((c) => c.toUpperCase())), ...cells.map(line)].join("\n")}\n`;
}

/** Renders `label: value` lines with the labels aligned. */
export function keyValues(pairs: [string, unknown][]): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return `${pairs
    .map(
      ([k, v]) =>
        `${`${k}:`.padEnd(width + 1)} ${typeof v === "object" && v !== null ? JSON.stringify(v) : cell(v)}`,
    )
    .join("\n")}\n`;
}

/** Pretty JSON for `--json`. */
export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** The text of an event's `content` blocks (messages), or undefined. */
export function contentText(event: object): string | undefined {
  const content = (event as { content?: unknown }).content;
  if (!Array.isArray(content)) return undefined;
  const texts = content.flatMap((b: { type?: string; text?: unknown }) =>
    b?.type === "text" && typeof b.text === "string" ? [b.text] : [],
  );
  return texts.length > 0 ? texts.join("") : undefined;
}

/** A short description of what an event says, for tables and `stream`. */
export function summarize(e: StreamEvent): string {
  const text = contentText(e);
  if (e.type === "agent.peer_message") return `→ ${e.peer_name}: ${text ?? ""}`;
  if (e.type === "agent.peer_reply")
    return `← ${e.peer_name}${e.is_error ? ` (${e.state})` : ""}: ${text ?? ""}`;
  if (e.type === "agent.beam_run_started") return `beam run ${e.beam_run_id} (${e.agent_cli}): ${e.task}`;
  if (e.type === "agent.beam_run_output") return e.text;
  if (e.type === "agent.beam_run_ended")
    return `beam run ${e.beam_run_id} ${e.status}${e.exit_code === null ? "" : ` (exit ${e.exit_code})`}`;
  if (text !== undefined) return text;
  if (e.type === "session.error") return e.error?.message ?? "";
  if (e.type === "session.runtime_exited") return e.message ?? "";
  if (e.type === "session.status_idle") return e.stop_reason?.type ?? "";
  if (e.type === "agent.tool_use" || e.type === "agent.custom_tool_use")
    return `${e.name ?? ""} ${JSON.stringify(e.input ?? {})}`;
  if (e.type === "span.runtime_start") return "starting runtime…";
  if (e.type === "span.runtime_ready") return runtimeReady(e);
  if (e.type === "span.packages_install_start") return packagesInstalling(e);
  if (e.type === "span.packages_install_end") return packagesInstalled(e);
  if (e.type === "event_delta") return e.delta?.content?.text ?? "";
  return "";
}

/** `span.runtime_ready` in words: "runtime ready in 14.2 s". */
export function runtimeReady(event: object): string {
  const ms = (event as { ready_ms?: unknown }).ready_ms;
  return typeof ms === "number" ? `runtime ready in ${(ms / 1000).toFixed(1)} s` : "runtime ready";
}

/** `span.packages_install_start` in words: "installing packages: npm is-number@7.0.0". */
export function packagesInstalling(event: object): string {
  const packages = (event as { packages?: Record<string, string[]> }).packages ?? {};
  const list = Object.entries(packages).map(([manager, specs]) => `${manager} ${specs.join(" ")}`);
  return `installing packages: ${list.join(", ")}`;
}

/** `span.packages_install_end` in words: "packages installed in 4.5 s" (or restored, or failed). */
export function packagesInstalled(event: object): string {
  const { result, duration_ms: ms } = event as { result?: string; duration_ms?: number };
  const took = typeof ms === "number" ? ` in ${(ms / 1000).toFixed(1)} s` : "";
  if (result === "cached") return `packages restored from the cache${took}`;
  if (result === "failed") return `packages failed to install${took}`;
  return `packages installed${took}`;
}

/** The stderr line for a failed call: message, machine code, status and request id. */
export function errorLine(err: ClawplaneError): string {
  const facts = [err.code, err.status].filter((v) => v !== undefined).join(", ");
  let line = `error: ${err.message}${facts ? ` (${facts})` : ""}`;
  for (const f of err.fieldErrors) line += `\n  ${f.path}: ${f.message}`;
  if (err.requestId) line += `\n  request id: ${err.requestId}`;
  return `${line}\n`;
}
