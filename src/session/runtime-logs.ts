/**
 * Agents Plane oversight (src/planes/logs.ts) reaching a session: the recent log lines of its
 * OpenClaw gateway while its runtime is running, with the session's own tokens masked.
 */
import { describeError, log } from "../lib/log";
import type { SessionRecord } from "./session-record";
import type { SessionRuntime } from "./session-runtime";

export interface RuntimeLogTail {
  lines: string[];
  /** Pass back to read only the lines written since; null when there is no runtime to read. */
  cursor: number | null;
}

const NONE: RuntimeLogTail = { lines: [], cursor: null };

/**
 * An empty tail when the runtime is not running (stopped, never started, archived, or no
 * runtime configured). Never starts a runtime and never fails for one that is gone:
 * oversight must not change or break the session.
 */
export async function runtimeLogTail(
  runtime: Pick<SessionRuntime, "recentLogLines">,
  record: SessionRecord,
  query: { cursor?: number; limit: number },
): Promise<RuntimeLogTail> {
  if (record.status === "terminated") return NONE;
  try {
    return (await runtime.recentLogLines(record.id, query)) ?? NONE;
  } catch (err) {
    // Stopped or stopping between the check and the read, or no runtime configured here.
    log("debug", "runtime logs unavailable", { session_id: record.id, ...describeError(err) });
    return NONE;
  }
}
