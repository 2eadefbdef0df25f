/**
 * `TailnetConnectorDO`: one per org (named "org"), the Worker's only way onto the tailnet. The
 * Worker cannot reach 100.64.0.0/10, so this object drives the tailnet connector — the process
 * in scripts/tailnet-connector.mjs, which runs `tailscaled --tun=userspace-networking
 * --state=mem:` with its HTTP proxy listener:
 *
 * - On Cloudflare, the connector is this object's container (container/tailnet-connector/),
 *   reached on its control port; its ingress relays to `worker.clawplane.internal`, which this
 *   object intercepts to {@link TailnetIngressEntrypoint} — nothing on the tailnet reaches an
 *   agent's container, only our agents' A2A endpoints.
 * - Off Cloudflare (dev, tests), it is the same program as a process at TAILNET_CONNECTOR_URL.
 *
 * Each boot mints a new join key from the org's Tailscale OAuth client (sealed in D1,
 * src/peers/tailnet-client.ts): single-use, ephemeral, pre-authorised, tagged
 * (src/peers/tailscale-keys.ts). The key is handed to the connector once and never stored.
 *
 * Outbound: `fetch(request)` takes an absolute peer URL (proxy form, src/peers/transport.ts) and
 * forwards it to the connector's `/out`. The connector answers a failed dial 502 with
 * `tailscale-connect-error`, as tailscaled's proxy does; so does this object when it cannot boot.
 */
import { DurableObject } from "cloudflare:workers";
import { appendAudit } from "../db/audit";
import { createDb } from "../db/client";
import { keyringFromEnv } from "../lib/keyring";
import { describeError, log } from "../lib/log";
import { toRfc3339 } from "../lib/time";
import { openTailnetClient } from "../peers/tailnet-client";
import { mintJoinKey, TAILSCALE_API } from "../peers/tailscale-keys";
import type { TailnetConnectorStatus } from "../schemas/tailnet";

/** The connector's control port in its container. */
const CONTROL_PORT = 8080;
/** The host the connector's ingress relays to; intercepted to TailnetIngressEntrypoint. */
export const WORKER_INGRESS_HOST = "worker.clawplane.internal";
/** How often the object checks the connector is still on the tailnet (and keeps the container up). */
const KEEPALIVE_MS = 5 * 60_000;
/** How long a just-started connector container may take to listen. */
const CONTAINER_READY_MS = 30_000;
export const CONNECT_ERROR_HEADER = "tailscale-connect-error";
export const CONNECTOR_TOKEN_HEADER = "x-clawplane-connector-token";
export const TARGET_HEADER = "x-clawplane-tailnet-target";

export interface TailnetConnectorEnv {
  TAILNET_CONNECTOR_URL?: string;
  /**
   * Where the connector's container relays inbound calls (default `worker.clawplane.internal`,
   * intercepted to TailnetIngressEntrypoint). Only for local containers, whose egress Docker
   * does not intercept: the Worker's own origin as the container reaches it (the e2e).
   */
  TAILNET_CONNECTOR_WORKER_ORIGIN?: string;
  TAILNET_CONNECTOR_TOKEN?: string;
  TAILSCALE_API_BASE_URL?: string;
}

interface StoredStatus {
  state: "booted" | "failed";
  transport: string | null;
  dnsName: string | null;
  addresses: string[];
  bootedAt: number | null;
  error: string | null;
}

export class TailnetConnectorDO extends DurableObject<Env> {
  private booting: Promise<StoredStatus> | null = null;
  /** A pending `monitor()` of the container: it keeps this object resident (see {@link keepResident}). */
  private watching: Promise<void> | null = null;

  private get config(): TailnetConnectorEnv {
    return this.env as unknown as TailnetConnectorEnv;
  }

  /** Outbound: one request to a peer, its URL the peer's absolute tailnet URL. */
  override async fetch(request: Request): Promise<Response> {
    const body =
      request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer();
    const forward = async () => {
      const status = await this.ensureBooted();
      if (status.state !== "booted")
        return connectError(status.error ?? "the tailnet connector is not booted");
      const headers = new Headers(request.headers);
      headers.set(TARGET_HEADER, request.url);
      return this.callConnector("/out", { method: request.method, headers, body: body?.slice(0) }).catch(
        (err: unknown) =>
          connectError(`the tailnet connector could not be reached: ${describeError(err).error}`),
      );
    };
    const res = await forward();
    if (res.status !== 503) return res;
    // A connector that restarted (a new container, or the process) has forgotten its tailnet: it
    // answers 503 until it joins again. Join now with a new key and send the request once more.
    log("warn", "tailnet connector lost its tailnet: booting it again", {});
    await this.ctx.storage.delete("status");
    return forward();
  }

  /** Boots (again): a new join key, the connector joins with it. Audited. */
  async boot(): Promise<TailnetConnectorStatus> {
    await this.ctx.storage.delete("status");
    return wire(await this.ensureBooted());
  }

  async status(): Promise<TailnetConnectorStatus> {
    const stored = await this.ctx.storage.get<StoredStatus>("status");
    return stored
      ? wire(stored)
      : { state: "not_booted", transport: null, dns_name: null, addresses: [], booted_at: null, error: null };
  }

  override async alarm(): Promise<void> {
    const stored = await this.ctx.storage.get<StoredStatus>("status");
    if (!stored) return;
    this.keepResident();
    const res = await this.callConnector("/status", { method: "GET" }).catch(() => null);
    const alive = res?.ok && ((await res.json()) as { booted?: boolean }).booted === true;
    if (!alive) await this.boot().catch(() => undefined);
    await this.ctx.storage.setAlarm(Date.now() + KEEPALIVE_MS);
  }

  private async ensureBooted(): Promise<StoredStatus> {
    const stored = await this.ctx.storage.get<StoredStatus>("status");
    if (stored?.state === "booted") return stored;
    this.booting ??= this.bootOnce().finally(() => {
      this.booting = null;
    });
    return this.booting;
  }

  private async bootOnce(): Promise<StoredStatus> {
    const db = createDb(this.env.DB);
    let status: StoredStatus;
    let keyId: string | null = null;
    try {
      const opened = await openTailnetClient(db, await keyringFromEnv(this.env));
      if (!opened) throw new Error("no Tailscale OAuth client is configured (PUT /v1/tailnet)");
      const key = await mintJoinKey(opened.client, {
        api: this.config.TAILSCALE_API_BASE_URL || TAILSCALE_API,
        tags: opened.tags,
        description: `clawplane tailnet connector ${opened.hostname}`,
      });
      keyId = key.id;
      const res = await this.callConnector("/boot", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ auth_key: key.key, hostname: opened.hostname, tags: opened.tags }),
      });
      const body = (await res.json().catch(() => ({}))) as {
        error?: string;
        transport?: string;
        dns_name?: string;
        addresses?: string[];
      };
      if (!res.ok) throw new Error(`the connector could not join the tailnet: ${body.error ?? res.status}`);
      status = {
        state: "booted",
        transport: body.transport ?? null,
        dnsName: body.dns_name ?? null,
        addresses: body.addresses ?? [],
        bootedAt: Date.now(),
        error: null,
      };
      await this.ctx.storage.setAlarm(Date.now() + KEEPALIVE_MS);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      status = {
        state: "failed",
        transport: null,
        dnsName: null,
        addresses: [],
        bootedAt: null,
        error: message,
      };
      log("warn", "tailnet connector boot failed", { error: message });
    }
    await this.ctx.storage.put("status", status);
    await appendAudit(db, {
      at: Date.now(),
      requestId: `tailnet-boot:${crypto.randomUUID()}`,
      actorType: "tailnet_connector",
      actorId: "org",
      action: "tailnet.connector_boot",
      // The join key's id (not the key): which minted key this boot used, to match Tailscale's log.
      target: keyId,
      outcome: status.state === "booted" ? "success" : "failure",
      status: status.state === "booted" ? 200 : 502,
      errorCode: status.state === "booted" ? null : "tailnet_boot_failed",
      planeId: null,
    }).catch((err) => log("error", "tailnet audit write failed", describeError(err)));
    return status;
  }

  /**
   * Keeps this object, and so its container, up while idle: the tailnet must stay joined for
   * inbound peers, but an idle Durable Object is evicted after seconds, taking its container
   * with it (seen under `wrangler dev`: a later call found a fresh, unjoined connector). A
   * pending `container.monitor()` keeps the object resident until the container exits or up to
   * 15 minutes (cloudflare-platform.md); the 5-minute keepalive alarm renews it.
   */
  private keepResident(): void {
    const container = this.ctx.container;
    if (this.config.TAILNET_CONNECTOR_URL || !container?.running || this.watching) return;
    const watching = container.monitor().then(
      () => undefined,
      () => undefined,
    );
    this.watching = watching;
    watching.finally(() => {
      if (this.watching === watching) this.watching = null;
    });
  }

  /** The connector: the local process when TAILNET_CONNECTOR_URL is set, else this object's container. */
  private async callConnector(path: string, init: RequestInit): Promise<Response> {
    const token = this.config.TAILNET_CONNECTOR_TOKEN;
    if (!token) throw new Error("TAILNET_CONNECTOR_TOKEN is not set");
    const headers = new Headers(init.headers);
    headers.set(CONNECTOR_TOKEN_HEADER, token);
    if (this.config.TAILNET_CONNECTOR_URL) {
      return fetch(`${this.config.TAILNET_CONNECTOR_URL}${path}`, { ...init, headers, redirect: "manual" });
    }
    const container = this.ctx.container;
    if (!container) throw new Error("no tailnet connector: neither a container nor TAILNET_CONNECTOR_URL");
    if (!container.running) {
      await container.interceptOutboundHttp(
        WORKER_INGRESS_HOST,
        // biome-ignore lint/suspicious/noExplicitAny: ctx.exports is typed per deployment
        (this.ctx as any).exports.TailnetIngressEntrypoint({ props: {} }),
      );
      this.watching = null;
      container.start({
        env: {
          CONNECTOR_TOKEN: token,
          WORKER_ORIGIN: this.config.TAILNET_CONNECTOR_WORKER_ORIGIN || `http://${WORKER_INGRESS_HOST}`,
          PORT: String(CONTROL_PORT),
        },
        enableInternet: true,
      });
    }
    this.keepResident();
    // Freshly started, the connector listens within seconds: retry the connection until then.
    const port = container.getTcpPort(CONTROL_PORT);
    const deadline = Date.now() + CONTAINER_READY_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        return await port.fetch(new Request(`http://connector${path}`, { ...init, headers }));
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await scheduler.wait(Math.min(250 * 2 ** attempt, 2_000));
      }
    }
  }
}

function connectError(message: string): Response {
  return Response.json({ error: message }, { status: 502, headers: { [CONNECT_ERROR_HEADER]: message } });
}

function wire(s: StoredStatus): TailnetConnectorStatus {
  return {
    state: s.state,
    transport: s.transport,
    dns_name: s.dnsName,
    addresses: s.addresses,
    booted_at: s.bootedAt ? toRfc3339(s.bootedAt) : null,
    error: s.error,
  };
}
