// Types for runtime-supervisor.mjs (plain JS so it runs under `node` without a build step).

/** The warm pool's settings: `min` idle gateways kept warm (0 = off), `max` in all, idle TTL. */
export interface PoolOptions {
  min?: number;
  max?: number;
  ttlMs?: number;
}

/** `GET /pool`: the warm pool's size, members and counters. */
export interface PoolStatus {
  enabled: boolean;
  min_idle: number;
  max: number;
  ttl_seconds: number;
  idle: number;
  warming: number;
  members: Array<{ id: string; state: string; pid: number | null; since: string }>;
  claims: number;
  misses: number;
  refills: number;
  replaced: number;
  expired: number;
}

export interface Supervisor {
  /** http://127.0.0.1:PORT — set it as the Worker's LOCAL_AGENT_ORIGIN. */
  origin: string;
  /** Stops the server and every gateway it started, the pool's too. */
  close(): Promise<void>;
}

export function startSupervisor(options?: { port?: number; pool?: PoolOptions }): Promise<Supervisor>;
