// Types for containers.mjs (plain JS so it runs under `node` without a build step).
import type { WorkerProcess } from "../../support/worker-process.mjs";

export const WORKER_READY_TIMEOUT_MS: number;

/** The Worker under wrangler dev with containers: the same handle as any started Worker. */
export type ContainerWorker = WorkerProcess;

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
  tailnetConnector?: boolean;
}): Promise<ContainerWorker>;
export function pollUntil<T>(
  condition: () => T | Promise<T>,
  options: { timeoutMs: number; intervalMs?: number; what?: string },
): Promise<NonNullable<T>>;
export function writeContainerConfig(
  repoRoot: string,
  dir: string,
  containerEngine?: string,
  options?: { tailnetConnector?: boolean },
): string;
