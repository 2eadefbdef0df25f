// Types for docker-api-proxy.mjs.

export interface DockerApiProxy {
  /** unix:///... — give it to wrangler as WRANGLER_DOCKER_HOST. */
  url: string;
  /** How many bridge-inspect answers were patched so far. */
  patched(): number;
  close(): Promise<void>;
}

export function startDockerApiProxy(options: {
  upstreamSocket: string;
  listenSocket: string;
  gateway: string;
}): Promise<DockerApiProxy>;
export function bridgeGatewayMissing(upstreamSocket: string): Promise<boolean>;

export interface WorkerdDockerHost {
  /** WRANGLER_DOCKER_HOST for wrangler dev. */
  url: string;
  /** Whether the proxy is in use (the bridge had no IPAM gateway). */
  proxied: boolean;
  patched(): number;
  close(): Promise<void>;
}
export function workerdDockerHost(options: {
  gateway: string;
  dockerHost?: string;
}): Promise<WorkerdDockerHost>;
