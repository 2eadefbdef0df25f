// Types for a2a-peer.mjs (plain JS so it runs under `node` without a build step).

export interface RecordedA2aRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface A2aPeerDouble {
  origin: string;
  port: number;
  requests: RecordedA2aRequest[];
  close(): Promise<void>;
}

export function startA2aPeer(options: {
  port?: number;
  name?: string;
  /** peer name → the bearer token that peer presents. */
  tokens: Record<string, string>;
  /** Requests per peer per minute (GetTask counts); 0 = off. Default 30, as OpenClaw. */
  rateLimitPerMinute?: number;
  reply?: (text: string, contextId: string, peer: string) => string;
  delayMs?: number;
}): Promise<A2aPeerDouble>;
