// Types for local-stack.mjs.
import type { PoolOptions, Supervisor } from "../../scripts/runtime-supervisor.mjs";
import type { ModelServer } from "./model-server.mjs";
import type { WorkerProcess } from "./worker-process.mjs";

export interface LocalStack {
  model: ModelServer;
  supervisor: Supervisor;
  worker: WorkerProcess;
  /** Stops the Worker, the supervisor (and its gateways) and the model server. */
  stop(): Promise<void>;
}

export function startLocalStack(options: {
  adminKey: string;
  providerKey: string;
  /** Added to the Worker's vars; a function gets the model server's base URL (…/v1). */
  vars?: Record<string, string> | ((modelUrl: string) => Record<string, string>);
  onStarted?: (stop: () => Promise<void>) => void;
  /** The supervisor's warm pool (default: off, every session boots its gateway). */
  pool?: PoolOptions;
}): Promise<LocalStack>;
