/**
 * The tailnet transport: the ONE seam between the Worker and Tailscale.
 *
 * Everything about peers above this module is the same in production and in tests: which peer,
 * which token, policy, rate limit, audit, the A2A wire. Only how bytes reach a tailnet address
 * differs, and it differs here alone:
 *
 * - Production: the Worker cannot reach 100.64.0.0/10, so requests go to the tailnet connector
 *   (a Durable Object per org or plane driving a container that runs
 *   `tailscaled --tun=userspace-networking --state=mem:` with its HTTP proxy listener, joined
 *   with an ephemeral, pre-authorised, tagged single-use key minted per boot: see
 *   src/peers/tailscale-keys.ts and README "Tailnet peers"). Bound as `TAILNET_CONNECTORS`
 *   (src/a2a/tailnet-connector-do.ts); off Cloudflare the same connector program runs as a
 *   process whose own transport is the loopback double below.
 * - Worker-only tests (no connector process): `TAILNET_LOOPBACK_HOSTS` on the Worker maps tailnet
 *   addresses to loopback endpoints (`peer-b.tail0000.ts.net=127.0.0.1:37102,...`) and requests
 *   go there directly — a faithful double of "the proxy dialled that node": same request, same
 *   answer, no WireGuard. A tailnet address with no mapping fails as tailscaled's proxy does.
 *
 * A deployment with neither answers every peer call `peer_unreachable`, naming what is missing.
 */

/** Where a request to a peer goes: its tailnet address and port. */
export interface TailnetTarget {
  address: string;
  port: number;
  /** The peer's A2A JSON-RPC path when it is not OpenClaw's `/a2a/v1` (another Clawplane's agent). */
  a2aPath?: string | null;
}

export interface TailnetTransport {
  /** How requests travel, for logs and test results ("connector" or "loopback_double"). */
  readonly kind: "connector" | "loopback_double";
  /** Sends `init` to `http://<address>:<port><path>` across the tailnet. Rejects when no path exists. */
  fetch(target: TailnetTarget, path: string, init: RequestInit): Promise<Response>;
}

/** Thrown when the transport has no way to the target; its message is safe to show. */
export class TailnetUnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TailnetUnreachableError";
  }
}

export interface TransportEnv {
  TAILNET_LOOPBACK_HOSTS?: string;
  /** The org's TailnetConnectorDO namespace (only its fetch is used here: the proxy form). */
  TAILNET_CONNECTORS?: {
    idFromName(name: string): DurableObjectId;
    get(id: DurableObjectId): { fetch(input: string, init?: RequestInit): Promise<Response> };
  };
}

/** The header tailscaled's HTTP proxy (and our connector) sets on a failed dial. */
const CONNECT_ERROR_HEADER = "tailscale-connect-error";

/** The transport this deployment uses (see the module header). */
export function tailnetTransport(env: TransportEnv): TailnetTransport {
  if (env.TAILNET_LOOPBACK_HOSTS) return loopbackTransport(parseLoopbackHosts(env.TAILNET_LOOPBACK_HOSTS));
  if (env.TAILNET_CONNECTORS) {
    const ns = env.TAILNET_CONNECTORS;
    return connectorTransport(ns.get(ns.idFromName("org")));
  }
  return {
    kind: "connector",
    fetch: () =>
      Promise.reject(
        new TailnetUnreachableError(
          "no tailnet connector is configured for this deployment (README: Tailnet peers, setup)",
        ),
      ),
  };
}

/**
 * The connector speaks HTTP-proxy style: the request URL is the peer's absolute tailnet URL,
 * exactly what tailscaled's `--outbound-http-proxy-listen` accepts (absolute-URI requests).
 */
function connectorTransport(connector: {
  fetch(input: string, init?: RequestInit): Promise<Response>;
}): TailnetTransport {
  return {
    kind: "connector",
    fetch: async (target, path, init) => {
      const res = await connector.fetch(`http://${target.address}:${target.port}${path}`, init);
      const dialError = res.headers.get(CONNECT_ERROR_HEADER);
      if (dialError) throw new TailnetUnreachableError(dialError.slice(0, 300));
      return res;
    },
  };
}

/** `name=host:port` pairs, comma-separated. Only loopback targets: the double never leaves the machine. */
export function parseLoopbackHosts(raw: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const pair of raw
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [from, to] = pair.split("=");
    if (!from || !to || !/^(127\.0\.0\.1|localhost|\[::1\]):\d{1,5}$/.test(to)) {
      throw new Error(`TAILNET_LOOPBACK_HOSTS: '${pair}' is not name=127.0.0.1:port`);
    }
    map.set(from.toLowerCase(), to);
  }
  return map;
}

function loopbackTransport(hosts: Map<string, string>): TailnetTransport {
  return {
    kind: "loopback_double",
    fetch: (target, path, init) => {
      const endpoint = hosts.get(`${target.address}:${target.port}`) ?? hosts.get(target.address);
      if (!endpoint) {
        return Promise.reject(
          new TailnetUnreachableError(`no route to ${target.address}:${target.port} on the tailnet`),
        );
      }
      return fetch(`http://${endpoint}${path}`, { ...init, redirect: "manual" });
    },
  };
}
