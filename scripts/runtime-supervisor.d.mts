// Types for runtime-supervisor.mjs (plain JS so it runs under `node` without a build step).

export interface Supervisor {
  /** http://127.0.0.1:PORT — set it as the Worker's LOCAL_AGENT_ORIGIN. */
  origin: string;
  /** Stops the server and every gateway it started. */
  close(): Promise<void>;
}

export function startSupervisor(options?: { port?: number }): Promise<Supervisor>;
