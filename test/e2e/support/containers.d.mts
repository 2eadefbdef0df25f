// Types for containers.mjs (plain JS so it runs under `node` without a build step).

export const WORKER_READY_TIMEOUT_MS: number;

export interface ContainerWorker {
  /** http://127.0.0.1:PORT */
  origin: string;
  port: number;
  /** Process group of wrangler dev. */
  pid: number;
  /** Spawn → /healthz 200, image build included (ms). */
  readyMs: number;
  /** Everything wrangler dev printed so far. */
  logs(): string;
  /** SIGINT (wrangler removes its containers), SIGKILL after a grace period. */
  stop(): Promise<void>;
}

export interface BridgeForwarder {
  host: string;
  port: number;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

export function dockerBin(): string;
export function docker(...args: string[]): Promise<string>;
export function dockerUsable(): boolean;
export function containerIds(): Promise<Set<string>>;
export function inspect(id: string): Promise<any | null>;
export function removeContainers(ids: Iterable<string>): Promise<string[]>;
export function bridgeHostAddress(): string;
export function freePort(host?: string): Promise<number>;
export function startBridgeForwarder(listenHost: string, targetPort: number): Promise<BridgeForwarder>;
export function startContainerWorker(options?: {
  vars?: Record<string, string>;
  /** Added to wrangler's environment (e.g. WRANGLER_DOCKER_HOST). */
  env?: Record<string, string>;
  port?: number;
  /** unix:// Docker host workerd uses (written into a generated wrangler config). */
  containerEngine?: string;
  readyTimeoutMs?: number;
}): Promise<ContainerWorker>;
export function pollUntil<T>(
  condition: () => T | Promise<T>,
  options: { timeoutMs: number; intervalMs?: number; what?: string },
): Promise<NonNullable<T>>;
export function writeContainerConfig(repoRoot: string, dir: string, containerEngine?: string): string;
