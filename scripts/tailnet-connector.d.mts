// Types for tailnet-connector.mjs.
export interface TailnetConnectorOptions {
  /** The shared token the Worker and the connector prove themselves with. */
  token: string;
  /** Where tailnet ingress goes (the Worker's origin; in a container the intercepted host). */
  workerOrigin: string;
  /** Control port (the Durable Object's side); 0 picks one. */
  port?: number;
  controlHost?: string;
  /** The port peers reach on the tailnet (default 18789); 0 picks one. */
  ingressPort?: number;
  ingressHost?: string;
  transport?: "tailscaled" | "loopback_double";
  /** `name=127.0.0.1:port,...` (loopback_double). */
  loopbackHosts?: string;
  /** The double's tailnet domain (default tail0000.ts.net). */
  doubleDomain?: string;
  tailscaled?: string;
  tailscale?: string;
}

export interface TailnetConnector {
  origin: string;
  ingressPort: number;
  state: {
    booted: boolean;
    hostname: string | null;
    dnsName: string | null;
    addresses: string[];
    boots: number;
    forwarded: { out: number; in: number };
  };
  close(): Promise<void>;
}

export function parseLoopbackHosts(raw: string | undefined): Map<string, string>;
export function startTailnetConnector(options: TailnetConnectorOptions): Promise<TailnetConnector>;
