/**
 * The whole product on this machine, with real parts: the deterministic model server (the
 * provider), the local runtime supervisor (one real OpenClaw gateway per session) and the
 * Worker under `wrangler dev`, its LLM proxy pointed at the model server. Used by the runtime
 * tests and the session benchmarks. Everything listens on 127.0.0.1.
 */
import { startSupervisor } from "../../scripts/runtime-supervisor.mjs";
import { startModelServer } from "./model-server.mjs";
import { startWorker } from "./worker-process.mjs";

/**
 * @param {{ adminKey: string, providerKey: string,
 *   vars?: Record<string, string> | ((modelUrl: string) => Record<string, string>),
 *   onStarted?: (stop: () => Promise<void>) => void }} options `vars` are added to the Worker's
 *   (or made from the model server's URL, for providers other than the default upstream);
 *   `onStarted` is called with each part's stop as soon as it runs (for cleanup on a signal)
 * @param {{ min?: number, max?: number, ttlMs?: number }} [options.pool] the supervisor's warm
 *   pool (default off)
 */
export async function startLocalStack(options) {
  const stops = [];
  const started = (stop) => {
    stops.unshift(stop);
    options.onStarted?.(stop);
  };
  const stop = async () => {
    for (const s of stops.splice(0)) await s().catch(() => undefined);
  };
  try {
    const model = await startModelServer();
    started(() => model.close());
    const supervisor = await startSupervisor({ pool: options.pool });
    started(() => supervisor.close());
    const worker = await startWorker({
      vars: {
        ADMIN_API_KEY: options.adminKey,
        LOG_LEVEL: "warn",
        LOCAL_AGENT_ORIGIN: supervisor.origin,
        LLM_UPSTREAM_BASE_URL: model.url,
        LLM_UPSTREAM_API_KEY: options.providerKey,
        ...(typeof options.vars === "function" ? options.vars(model.url) : options.vars),
      },
    });
    started(() => worker.stop());
    return { model, supervisor, worker, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
