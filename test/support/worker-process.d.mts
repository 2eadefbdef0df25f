// Types for worker-process.mjs.

export interface WorkerProcess {
  /** http://127.0.0.1:PORT */
  origin: string;
  /** Everything wrangler dev printed so far. */
  logs(): string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number>;
export function startWorker(options?: {
  vars?: Record<string, string>;
  port?: number;
}): Promise<WorkerProcess>;
