// Types for model-server.mjs (plain JS so it runs under `node` without a build step).

export type ModelMode =
  | { kind: "normal" }
  | { kind: "burst" }
  | { kind: "tokens"; tokenDelayMs?: number }
  | { kind: "slow"; chunkDelayMs?: number; chunks?: number }
  | {
      kind: "tool_call";
      name: string;
      arguments?: Record<string, unknown>;
      /** Only requests whose last user text contains this get the call; others the normal reply. */
      when?: string;
      /** Further calls in the same reply (parallel tool calls). */
      also?: Array<{ name: string; arguments?: Record<string, unknown> }>;
    }
  | { kind: "error"; status?: number; message?: string; retryAfterSeconds?: number }
  /** The first rule whose `when` is in the last real user message answers; else `otherwise`. */
  | { kind: "script"; rules: Array<{ when: string; mode: ModelMode }>; otherwise?: ModelMode };

export interface RecordedRequest {
  seq: number;
  receivedAt: number;
  method: string;
  path: string;
  authorization: string | undefined;
  /** The raw chat.completions request body as received. */
  body: any;
  outcome: "pending" | "completed" | "aborted" | "error";
}

export interface ModelServer {
  /** Base URL to configure as the provider's baseUrl (ends in /v1). */
  url: string;
  origin: string;
  port: number;
  /** Every chat.completions request, oldest first (also GET /__requests). */
  requests: RecordedRequest[];
  setMode(mode: ModelMode | ModelMode["kind"]): void;
  mode(): ModelMode;
  close(): Promise<void>;
}

export function startModelServer(options?: {
  port?: number;
  host?: string;
  mode?: ModelMode;
}): Promise<ModelServer>;
