// Types for runtime-supervisor.mjs (plain JS so it runs under `node` without a build step).

/** The warm pool's settings: `min` idle gateways kept warm (0 = off), `max` in all, idle TTL. */
export interface PoolOptions {
  min?: number;
  max?: number;
  ttlMs?: number;
}

/** One pool's size, members and counters (`pools[]` of `GET /pool`, `PUT /pools/{key}`). */
export interface KeyedPoolStatus {
  /** src/runtime/warm-pool-plan.ts: `shared`, `env:<id>…`, `plane:<id>…`. */
  key: string;
  scope: "environment" | "plane" | "deployment";
  owner_id: string | null;
  /** `plane:<id>` or `organization`. */
  billed_to: string;
  packages_key: string | null;
  /** Runtime-seconds its members spent booting and idle: the warm cost billed to `billed_to`. */
  warm_seconds: number;
  /** Why members fail to warm up (e.g. a package set that does not install), until one succeeds. */
  last_error: string | null;
  last_error_at: string | null;
  enabled: boolean;
  min_idle: number;
  max: number;
  ttl_seconds: number;
  idle: number;
  warming: number;
  /** `git_keepwarm_pings`: `sessions.diff` calls keeping its git worker running (null: not kept warm). */
  members: Array<{
    id: string;
    state: string;
    pid: number | null;
    since: string;
    git_keepwarm_pings: number | null;
  }>;
  claims: number;
  misses: number;
  refills: number;
  replaced: number;
  expired: number;
}

/** `GET /pool`: the shared warm pool's size, members and counters; every pool in `pools`. */
export interface PoolStatus extends KeyedPoolStatus {
  pools: KeyedPoolStatus[];
}

export interface Supervisor {
  /** http://127.0.0.1:PORT — set it as the Worker's LOCAL_AGENT_ORIGIN. */
  origin: string;
  /** The deployment's shared warm pool. */
  pool: import("./runtime-pool.mjs").RuntimePool;
  /** Stops the server and every gateway it started, the pool's too. */
  close(): Promise<void>;
}

export function startSupervisor(options?: { port?: number; pool?: PoolOptions }): Promise<Supervisor>;

/** A claim across pools, most specific first (exported for the bookkeeping tests). */
export function claim(
  runtimes: Map<string, unknown>,
  candidates: import("./runtime-pool.mjs").RuntimePool[],
  id: string,
  env: Record<string, string>,
): Promise<{
  runtime?: unknown;
  outcome: {
    outcome: "claimed" | "missed";
    member?: string;
    pool?: string;
    scope?: string;
    code?: string;
    reason?: string;
    tried?: Array<{ pool: string; code: string; reason: string }>;
  };
}>;
