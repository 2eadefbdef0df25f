// Types for openclaw-process.mjs.

export interface OpenClawOptions {
  /** Gateway bearer (OPENCLAW_GATEWAY_TOKEN). */
  token: string;
  /** OpenAI-compatible base URL ending in /v1. */
  modelBaseUrl: string;
  /** Bearer OpenClaw sends to the model; default "clawplane-test-session". */
  sessionToken?: string;
  port?: number;
  /** "lan" listens on 0.0.0.0 so non-loopback clients can connect; default "loopback". */
  bind?: "loopback" | "lan";
  /** Default: a new temp dir, removed by stop(). */
  stateDir?: string;
  env?: Record<string, string>;
  /** Where installed package sets are cached; default CLAWPLANE_PACKAGES_CACHE_DIR or one temp dir shared by all. */
  packagesCacheDir?: string;
  /** Another gateway config (JSON5) than Clawplane's template. */
  configTemplate?: string;
  /** Start OpenClaw's channels (default: skipped, as an embedded gateway). */
  channels?: boolean;
  readyTimeoutMs?: number;
  /** Default true; false resolves right after spawn (await `ready()`). */
  waitForReady?: boolean;
}

export interface OpenClawProcess {
  origin: string;
  port: number;
  token: string;
  stateDir: string;
  pid: number;
  /** ms from spawn to the first /readyz 200. */
  bootMs: number;
  ready(): Promise<void>;
  /** Resolves once the gateway process has exited, for whatever reason. */
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  logs(): string;
  /** Calls `listener` with each output line from now on; returns the unsubscribe. */
  onLine(listener: (line: string) => void): () => void;
  /** The directory of the gateway's config files (the session's document is written here). */
  configDir: string;
  rssKiB(): Promise<number | undefined>;
  stop(): Promise<void>;
}

export function startOpenClaw(options: OpenClawOptions): Promise<OpenClawProcess>;

/** A non-loopback IPv4 address of this machine (clients connecting to it are "remote"), if any. */
export function lanAddress(): string | undefined;

/** The session's half of the config, beside the root config. */
export const SESSION_CONFIG_FILE: string;
