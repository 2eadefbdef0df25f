// Types for runtime-pool.mjs (plain JS so the supervisor runs under `node` without a build step).

export const WARMUP_SESSION_KEY: string;
export const WARMUP_STUB_PATH: string;
/** The generic document's values a session has when it lacks a feature (same as poolDocumentDefaults()). */
export const POOL_DOCUMENT_DEFAULTS: Record<string, unknown>;

export interface PoolSettings {
  min: number;
  max: number;
  ttlMs: number;
}

export function poolSettings(options?: {
  min?: number | string;
  max?: number | string;
  ttlMs?: number;
}): PoolSettings;
export function unclaimableReason(env: Record<string, string>): string | undefined;
export function resolveEnvReferences<T>(document: T, env: Record<string, string>): T;
/** The pool's warm-up turn (one chat completion under the warm-up session's key by default); the reply's body. */
export function warmupTurn(
  origin: string,
  token: string,
  options?: { sessionKey?: string; text?: string; timeoutMs?: number },
): Promise<string>;

export interface PoolMember {
  id: string;
  state: string;
  since: number;
  runtime: unknown;
  /** While idle: the pool-only connection keeping its git worker running (container/pool-git-keepwarm.mjs). */
  keepWarm?: { stop(): void; readonly pings: number; readonly stopped: boolean };
}

export type TakeResult = { member: PoolMember } | { code: string; reason: string };

export class RuntimePool {
  constructor(
    settings: PoolSettings,
    hooks: {
      spawn: (id: string, env: Record<string, string>) => Promise<unknown>;
      stubUrl: () => string;
      log?: (line: string) => void;
      install?: (
        runtime: unknown,
        packages: { key: string; set: Record<string, string[]> },
      ) => Promise<unknown>;
    },
    meta?: {
      key?: string;
      scope?: string;
      owner_id?: string | null;
      billed_to?: string;
      packages?: { key: string; set: Record<string, string[]> } | null;
    },
  );
  meta: {
    key: string;
    scope: string;
    owner_id: string | null;
    billed_to: string;
    packages: { key: string; set: Record<string, string[]> } | null;
  };
  settings: PoolSettings;
  hooks: { spawn: (id: string, env: Record<string, string>) => Promise<unknown>; stubUrl: () => string };
  idle: PoolMember[];
  warming: Set<PoolMember>;
  status(): import("./runtime-supervisor.mjs").PoolStatus;
  fill(): void;
  take(env: Record<string, string>): TakeResult;
  apply(member: PoolMember, env: Record<string, string>): Promise<void>;
  resize(settings: PoolSettings): void;
  close(): Promise<void>;
  warm(member: PoolMember): Promise<void>;
  died(member: PoolMember): void;
}

export function answerWarmupCompletion(body: unknown, res: unknown): void;
