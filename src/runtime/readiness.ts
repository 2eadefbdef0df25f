/**
 * Waiting for a freshly started OpenClaw gateway to serve: poll `GET /readyz` on the gateway
 * port until it answers 200, with a deadline, and fail fast if the runtime stops meanwhile.
 *
 * An open port is not readiness: `/readyz` answers 503 for a while after the port opens,
 * and before that the connection itself fails (nothing listens yet). Both mean "keep
 * waiting". Works with any {@link AgentRuntime}, container or local.
 */

import { type AgentRuntime, OPENCLAW_PORT, RuntimeStartError } from "./agent-runtime";

/**
 * Default readiness deadline (180 s). OpenClaw's `/readyz` takes ~15 s on 2 vCPU, 65–75 s to a
 * first reply on a simulated standard-1 (½ vCPU), and 1–2 min is reported on Cloudflare.
 */
export const READY_DEADLINE_MS = 180_000;
/** Default pause between probes (500 ms): small next to the boot time, cheap for the runtime. */
export const READY_POLL_INTERVAL_MS = 500;
/** One probe's own timeout (5 s): a booting gateway may accept a connection and answer late. */
export const READY_PROBE_TIMEOUT_MS = 5_000;
/**
 * Consecutive "not running" observations before giving up (2): tolerates a runtime that reports
 * itself running a moment after `start()` returned, without waiting out the deadline.
 */
const NOT_RUNNING_CONFIRMATIONS = 2;

export interface WaitForReadyOptions {
  /** Give up after this long (ms). Default {@link READY_DEADLINE_MS}. */
  deadlineMs?: number;
  /** Pause between probes (ms). Default {@link READY_POLL_INTERVAL_MS}. */
  intervalMs?: number;
  /** Aborts the wait; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface ReadyResult {
  /** ms from the call to the first 200 from `/readyz`. */
  elapsedMs: number;
  /** Number of `/readyz` probes sent. */
  probes: number;
}

/**
 * Resolves once `GET /readyz` on {@link OPENCLAW_PORT} answers 200.
 *
 * @throws RuntimeStartError past the deadline ("OpenClaw did not become ready within N s…")
 *   or when the runtime stops running before it became ready.
 */
export async function waitForGatewayReady(
  runtime: AgentRuntime,
  options: WaitForReadyOptions = {},
): Promise<ReadyResult> {
  const deadlineMs = options.deadlineMs ?? READY_DEADLINE_MS;
  const intervalMs = options.intervalMs ?? READY_POLL_INTERVAL_MS;
  const { signal } = options;
  const startedAt = Date.now();
  let probes = 0;
  let notRunning = 0;
  let last = "no probe answered yet";

  for (;;) {
    signal?.throwIfAborted();
    probes += 1;
    const remainingMs = Math.max(1, startedAt + deadlineMs - Date.now());
    const status = await probe(runtime, Math.min(READY_PROBE_TIMEOUT_MS, remainingMs));
    if (status === 200) return { elapsedMs: Date.now() - startedAt, probes };
    last = typeof status === "number" ? `GET /readyz answered ${status}` : `not listening yet (${status})`;

    notRunning = (await runtime.isRunning()) ? 0 : notRunning + 1;
    if (notRunning >= NOT_RUNNING_CONFIRMATIONS) {
      throw new RuntimeStartError(
        `OpenClaw stopped before it became ready (${runtime.kind} runtime no longer running; ` +
          "exit code 78 means a configuration error, see the gateway logs).",
      );
    }
    const elapsedMs = Date.now() - startedAt;
    if (elapsedMs >= deadlineMs) {
      throw new RuntimeStartError(
        `OpenClaw did not become ready within ${Math.round(deadlineMs / 1000)} s (${probes} probes; last: ${last}).`,
      );
    }
    await pause(Math.min(intervalMs, deadlineMs - elapsedMs), signal);
  }
}

/** One `/readyz` probe: the HTTP status, or the connection error's message. */
async function probe(runtime: AgentRuntime, timeoutMs: number): Promise<number | string> {
  try {
    const response = await runtime.fetch(
      OPENCLAW_PORT,
      new Request("http://openclaw/readyz", { signal: AbortSignal.timeout(timeoutMs) }),
    );
    // Release the connection; only the status matters.
    await response.body?.cancel();
    return response.status;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Sleeps `ms`, waking early (and rejecting) when `signal` aborts. */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
