// Types for pool-git-keepwarm.mjs (plain JS, run by the supervisor under `node`).

/** Below OpenClaw's git worker idle timeout (30 s). */
export const GIT_KEEPWARM_INTERVAL_MS: number;

/** Keeps a pool member's git worker running: `sessions.diff` on its warm-up session every interval. */
export function startGitKeepWarm(options: {
  origin: string;
  token: string;
  sessionKey: string;
  intervalMs?: number;
  log?: (line: string) => void;
}): Promise<{ stop(): void; readonly pings: number; readonly stopped: boolean }>;
