/**
 * The e2e stack every real-container test file starts the same way: the deterministic model
 * server, a forwarder on the docker0 address to the Worker, the Docker host workerd uses, and the
 * Worker under `wrangler dev --enable-containers` (image builds included); plus the containers a
 * file saw appear, removed by `stop()` with their log tails shown when they mention trouble.
 *
 * Model egress: in production the container's `http://llm.clawplane.internal` is intercepted
 * into `LlmProxyEntrypoint`; the local sidecar stand-in intercepts nothing, so here
 * RUNTIME_LLM_BASE_URL points the gateway at `host.docker.internal` (the docker0 address),
 * where the forwarder relays to the Worker on 127.0.0.1, whose /llm/v1 proxy calls the model
 * server on 127.0.0.1.
 */
import Anthropic from "@anthropic-ai/sdk";
import { onTestFailed } from "vitest";
import { type ModelServer, startModelServer } from "../../support/model-server.mjs";
import {
  type BridgeForwarder,
  bridgeHostAddress,
  type ContainerWorker,
  containerIds,
  docker,
  dockerUsable,
  freePort,
  inspect,
  pollUntil,
  removeContainers,
  startBridgeForwarder,
  startContainerWorker,
} from "./containers.mjs";
import { type WorkerdDockerHost, workerdDockerHost } from "./docker-api-proxy.mjs";

/** What a file's extra vars may point at (known only once the stack's servers listen). */
export interface StackAddresses {
  model: ModelServer;
  /** The forwarder on the docker0 address to the Worker. */
  forwarder: BridgeForwarder;
  /** Opens another forwarder on the docker0 address to a host port; `stop()` closes it. */
  forward(targetPort: number): Promise<BridgeForwarder>;
}

export interface E2eStackOptions {
  adminKey: string;
  /** The provider key only the Worker's LLM proxy holds. */
  providerKey: string;
  /** The file's own Worker vars, on top of the admin key, LOG_LEVEL and the LLM proxy's. */
  vars?: (addresses: StackAddresses) => Record<string, string> | Promise<Record<string, string>>;
  /** Also build and bind the tailnet connector's container (startContainerWorker's option). */
  tailnetConnector?: boolean;
  /** Container logs `stop()` shows for tracked containers whose tail matches `match`. */
  containerLogs?: { lines: number; match: RegExp };
  /** `stop()` removes every container created since the start, not only the tracked ones. */
  removeAllNew?: boolean;
}

export interface E2eStack {
  model: ModelServer;
  forwarder: BridgeForwarder;
  worker: ContainerWorker;
  client: Anthropic;
  /** Containers this run saw appear (tracked for the log tail and cleanup). */
  ours: Set<string>;
  /** Containers created since the stack started (by anyone). */
  newContainers(): Promise<string[]>;
  /** Remembers a container and the one whose network it shares (its sidecar) for cleanup. */
  track(info: any): void;
  /** Polls for a new container whose env has an entry starting with `marker`; tracks it. */
  findContainer(
    marker: string,
    options: { what: string; timeoutMs: number; intervalMs: number },
  ): Promise<any>;
  /** An admin call to the Worker's API; `body` is null for an empty answer. */
  api(path: string, init?: { method?: string; body?: unknown }): Promise<{ status: number; body: any }>;
  /** In a test: on failure, print the tail of wrangler's output minus request noise and `ignore`. */
  showWranglerLogOnFailure(options?: { ignore?: RegExp; lines?: number }): void;
  stop(): Promise<void>;
}

/** The address the host reaches a container's network namespace at (its own or its sidecar's). */
export async function containerAddress(info: any): Promise<string | null> {
  const mode: string = info.HostConfig?.NetworkMode ?? "";
  const owner = mode.startsWith("container:") ? await inspect(mode.slice("container:".length)) : info;
  const nets = Object.values(owner?.NetworkSettings?.Networks ?? {}) as { IPAddress?: string }[];
  return nets.find((n) => n.IPAddress)?.IPAddress ?? null;
}

export async function startE2eStack(options: E2eStackOptions): Promise<E2eStack> {
  if (!dockerUsable()) throw new Error("Docker is not usable: run via scripts/e2e.sh, which sets it up");
  const before = await containerIds();
  const ours = new Set<string>();
  const forwarders: BridgeForwarder[] = [];
  let model: ModelServer | undefined;
  let dockerHost: WorkerdDockerHost | undefined;
  let worker: ContainerWorker | undefined;

  const newContainers = async () => [...(await containerIds())].filter((id) => !before.has(id));

  const stop = async () => {
    if (worker && options.containerLogs) {
      // Container log tails (pairing, model calls, connector lines) help when a run fails.
      const { lines, match } = options.containerLogs;
      for (const id of ours) {
        const logs = await docker("logs", "--tail", String(lines), id).catch(() => "");
        if (match.test(logs)) console.log(`--- container ${id.slice(0, 12)} log tail ---\n${logs}`);
      }
    }
    await worker?.stop();
    // wrangler removes its containers on SIGINT; remove whatever of ours is left.
    const leftover = options.removeAllNew ? await newContainers() : ours;
    const removed = await removeContainers(leftover);
    if (removed.length) console.log(`removed leftover containers: ${removed.map((id) => id.slice(0, 12))}`);
    for (const f of forwarders) await f.close();
    await dockerHost?.close();
    await model?.close();
  };

  try {
    model = await startModelServer();
    const workerPort = await freePort();
    const bridgeHost = bridgeHostAddress();
    const forward = async (targetPort: number) => {
      const f = await startBridgeForwarder(bridgeHost, targetPort);
      forwarders.push(f);
      return f;
    };
    const forwarder = await forward(workerPort);
    // workerd needs the bridge's IPAM gateway, which docker.io 20.10 without --bip leaves empty
    // (see docker-api-proxy.mjs): then it gets a proxied engine socket that fills it in.
    dockerHost = await workerdDockerHost({ gateway: bridgeHost });
    if (dockerHost.proxied) console.log(`bridge has no IPAM gateway: workerd uses ${dockerHost.url}`);
    const extra = (await options.vars?.({ model, forwarder, forward })) ?? {};
    worker = await startContainerWorker({
      port: workerPort,
      containerEngine: dockerHost.url,
      tailnetConnector: options.tailnetConnector,
      vars: {
        ADMIN_API_KEY: options.adminKey,
        LOG_LEVEL: "warn",
        LLM_UPSTREAM_BASE_URL: model.url,
        LLM_UPSTREAM_API_KEY: options.providerKey,
        RUNTIME_LLM_BASE_URL: `http://host.docker.internal:${forwarder.port}/llm/v1`,
        ...extra,
      },
    });
    console.log(`wrangler dev (image builds included) ready in ${worker.readyMs} ms`);
    const started = worker;

    const track = (info: any) => {
      ours.add(info.Id);
      const mode: string = info.HostConfig?.NetworkMode ?? "";
      if (mode.startsWith("container:")) ours.add(mode.slice("container:".length));
    };

    return {
      model,
      forwarder,
      worker: started,
      client: new Anthropic({ apiKey: options.adminKey, baseURL: started.origin, maxRetries: 0 }),
      ours,
      newContainers,
      track,
      findContainer: (marker, { what, timeoutMs, intervalMs }) =>
        pollUntil(
          async () => {
            for (const id of await newContainers()) {
              const info = await inspect(id);
              const env: string[] = info?.Config?.Env ?? [];
              if (!env.some((e) => e.startsWith(marker))) continue;
              track(info);
              return info;
            }
            return null;
          },
          { timeoutMs, intervalMs, what },
        ),
      api: async (path, init = {}) => {
        const res = await fetch(`${started.origin}${path}`, {
          method: init.method ?? (init.body ? "POST" : "GET"),
          headers: { authorization: `Bearer ${options.adminKey}`, "content-type": "application/json" },
          body: init.body ? JSON.stringify(init.body) : undefined,
        });
        const text = await res.text();
        return { status: res.status, body: text ? JSON.parse(text) : null };
      },
      showWranglerLogOnFailure: ({ ignore, lines = 60 } = {}) =>
        onTestFailed(() => {
          // wrangler's output (workerd errors, the DO's warnings) is the first thing to read.
          const relevant = started
            .logs()
            .split("\n")
            .filter((l) => !/wrangler:info|"msg":"request"/.test(l) && !ignore?.test(l));
          console.log(`--- wrangler dev output (tail) ---\n${relevant.slice(-lines).join("\n")}`);
        }),
      stop,
    };
  } catch (error) {
    // Nothing a failed start opened outlives it (the file's afterAll has no stack to stop).
    await stop().catch(() => {});
    throw error;
  }
}
