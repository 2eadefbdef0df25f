// Types for mcp-server.mjs (plain JS so it runs under `node` without a build step).

export interface RecordedMcpRequest {
  seq: number;
  method: string;
  path: string;
  /** authorization, accept, content-type, mcp-session-id, mcp-protocol-version (when sent) */
  headers: Record<string, string>;
  /** The parsed JSON-RPC body, if any. */
  rpc: any;
}

export interface McpServerDouble {
  /** The MCP endpoint (Streamable HTTP). */
  url: string;
  origin: string;
  port: number;
  requests: RecordedMcpRequest[];
  /** Number of `gated` tool calls waiting for `POST /__release`. */
  pendingGates(): number;
  setRequiredToken(token: string | undefined): void;
  close(): Promise<void>;
}

export function startMcpServer(options?: {
  port?: number;
  host?: string;
  path?: string;
  requiredToken?: string;
}): Promise<McpServerDouble>;
