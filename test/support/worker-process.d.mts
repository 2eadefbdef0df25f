// Types for worker-process.mjs.

export interface WorkerProcess {
  /** http://127.0.0.1:PORT */
  origin: string;
  port: number;
  pid: number;
  /** ms from spawning wrangler dev to /healthz (includes any container image build). */
  readyMs: number;
  /** Everything wrangler dev printed so far. */
  logs(): string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number>;
export interface StartWorkerOptions {
  vars?: Record<string, string>;
  port?: number;
  /** A wrangler config other than ./wrangler.toml. */
  configPath?: string;
  /** Extra `wrangler dev` flags. */
  args?: string[];
  /** Added to wrangler's environment. */
  env?: Record<string, string>;
  readyTimeoutMs?: number;
  stopGraceMs?: number;
}

export function startWorker(options?: StartWorkerOptions): Promise<WorkerProcess>;
