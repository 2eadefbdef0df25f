/**
 * The production runtime: a session's Cloudflare Container, driven through `ctx.container`.
 *
 * A thin adapter. `start` only requests the start (the gateway listens 15 s – 2 min later;
 * see readiness.ts), `fetch` goes through `getTcpPort(port).fetch`, which carries plain HTTP,
 * streamed bodies and WebSocket upgrades alike, and `stop` is SIGTERM with a hard stop after
 * a grace period. The env given to `start` is passed as is: nothing is added here, so no
 * provider key can reach the container by this path.
 *
 * Model and MCP egress: before the first start, each configured {@link OutboundRoute} is
 * installed with `interceptOutboundHttp`, so the container's plain-HTTP requests to
 * `http://llm.clawplane.internal/v1/...` and `http://mcp.clawplane.internal/<server>` are served
 * by Worker entrypoints (`LlmProxyEntrypoint`, `McpProxyEntrypoint`, bound with
 * `props: { sessionId }`) and never leave Cloudflare. Under `wrangler dev` with the
 * local-containers stand-in the call succeeds but nothing is intercepted; the e2e test points
 * the gateway at the host instead (RUNTIME_LLM_BASE_URL).
 *
 * Egress policy: a start with a limited {@link EgressPolicy} turns the container's internet off
 * and sends all its other outbound HTTP (`interceptAllOutboundHttp`) and HTTPS
 * (`interceptOutboundHttps("*")`, TLS terminated with Cloudflare's per-container CA, which the
 * entrypoint trusts) to the egress edge (`EgressEntrypoint`), which allows or refuses each
 * request. Unrestricted networking installs nothing catch-all and keeps the internet on —
 * unless the start's env holds placeholders of `environment_variable` vault credentials
 * (`substituteSecrets`): then the same catch-all interception is installed with the
 * unrestricted policy (internet off, the edge fetching every request itself), so the edge can
 * substitute the secrets. Non-HTTP(S) traffic has no way out in either catch-all case.
 */

import {
  BEAM_CALLS_HOST,
  type EgressPolicy,
  LLM_PROXY_HOST,
  MCP_PROXY_HOST,
  PEER_CALLS_HOST,
} from "../egress/policy";
import {
  type AgentRuntime,
  type RuntimeExit,
  RuntimeStartError,
  type RuntimeStartOptions,
} from "./agent-runtime";

export { BEAM_CALLS_HOST, LLM_PROXY_HOST, MCP_PROXY_HOST, PEER_CALLS_HOST };

/**
 * How long `stop()` waits after SIGTERM before destroying the container (15 s). OpenClaw
 * shuts down an idle gateway in ~150 ms–4 s; a turn in flight is abandoned either way, and
 * the session's Durable Object (not the container) is the record of what happened.
 */
export const CONTAINER_STOP_GRACE_MS = 15_000;

/** SIGTERM: OpenClaw drains and exits cleanly on it. */
const SIGTERM = 15;

/**
 * How `ctx.container.monitor()` words a non-zero exit: it rejects with one of these followed by
 * the code (the messages `@cloudflare/containers` 0.3.7 parses the same way, `getExitCodeFromError`).
 */
const EXIT_MESSAGES = [
  "container exited with unexpected exit code:",
  "runtime signalled the container to exit:",
] as const;

/** The exit a rejected `monitor()` reports: its code when the message carries one, else null. */
export function exitFromMonitorError(error: unknown): RuntimeExit {
  const message = (error instanceof Error ? error.message : String(error)).toLowerCase();
  for (const prefix of EXIT_MESSAGES) {
    const at = message.indexOf(prefix);
    if (at < 0) continue;
    const code = Number.parseInt(message.slice(at + prefix.length).trim(), 10);
    if (Number.isInteger(code)) return { exitCode: code, signal: code > 128 ? signalName(code - 128) : null };
  }
  return { exitCode: null, signal: null };
}

/** Exit codes above 128 are, by convention, 128 + the number of the signal that killed the process. */
const SIGNAL_NAMES: Record<number, string> = {
  1: "SIGHUP",
  2: "SIGINT",
  6: "SIGABRT",
  9: "SIGKILL",
  11: "SIGSEGV",
  15: "SIGTERM",
};

function signalName(signo: number): string | null {
  return SIGNAL_NAMES[signo] ?? null;
}

/** One host (name, glob, IP, IP:port or CIDR) whose container HTTP goes to a Worker entrypoint. */
export interface OutboundRoute {
  host: string;
  /** e.g. `ctx.exports.LlmProxyEntrypoint({ props: { sessionId } })` */
  fetcher: Fetcher;
}

export interface ContainerRuntimeOptions {
  /**
   * Installed with `interceptOutboundHttp` before every start, in order. The virtual hosts
   * (`llm.clawplane.internal`, `mcp.clawplane.internal`) resolve nowhere: only these routes
   * give them a meaning.
   */
  interceptHttp?: OutboundRoute[];
  /**
   * The egress edge for a limited policy or secret substitution, e.g.
   * `ctx.exports.EgressEntrypoint({ props })`.
   */
  egress?: (policy: EgressPolicy, options: { substituteSecrets: boolean }) => Fetcher;
}

/** {@link AgentRuntime} over a Durable Object's `ctx.container`. */
export class ContainerRuntime implements AgentRuntime {
  readonly kind = "container" as const;

  /**
   * @param container the Durable Object's `ctx.container` (present only when containers are enabled)
   * @param options outbound routes to install before starting (see {@link ContainerRuntimeOptions})
   */
  constructor(
    private readonly container: Container,
    private readonly options: ContainerRuntimeOptions = {},
  ) {}

  async isRunning(): Promise<boolean> {
    return this.container.running;
  }

  /**
   * Requests the start unless the container is already running; does not wait for readiness.
   * The outbound routes are installed first, so the gateway's first model call is already
   * intercepted; a route that cannot be installed fails the start (no silent egress to nowhere).
   */
  async start(options: RuntimeStartOptions): Promise<undefined> {
    if (this.container.running) return undefined;
    const intercept = async (what: string, install: () => Promise<void>) => {
      try {
        await install();
      } catch (error) {
        throw new RuntimeStartError(`Outbound ${what} could not be routed for the agent container.`, {
          cause: error,
        });
      }
    };
    for (const route of this.options.interceptHttp ?? []) {
      await intercept(`HTTP to ${route.host}`, () =>
        this.container.interceptOutboundHttp(route.host, route.fetcher),
      );
    }
    const substituteSecrets = options.substituteSecrets === true;
    const policy = options.egress ?? { type: "unrestricted" as const };
    const catchAll = policy.type === "limited" || substituteSecrets;
    if (catchAll) {
      // Fail closed: a limited environment never starts with its internet on or unguarded, and
      // placeholders never go out unsubstituted for lack of an edge.
      if (!this.options.egress)
        throw new RuntimeStartError("No egress edge is configured for this container's outbound traffic.");
      const edge = this.options.egress(policy, { substituteSecrets });
      await intercept("HTTPS", () => this.container.interceptOutboundHttps("*", edge));
      await intercept("HTTP", () => this.container.interceptAllOutboundHttp(edge));
    }
    try {
      // A copy, so a later mutation of the caller's object cannot change what was sent.
      const enableInternet = catchAll ? false : options.enableInternet;
      this.container.start({ env: { ...options.env }, enableInternet });
    } catch (error) {
      throw new RuntimeStartError("The agent container could not be started.", { cause: error });
    }
    // A cold boot: the warm pool, when asked, is PooledContainerRuntime's (pool/pooled-runtime.ts).
    return undefined;
  }

  /**
   * Forwards `request` to `port` inside the container. The URL's host is ignored by the
   * runtime; a WebSocket upgrade comes back as a 101 response carrying `webSocket`.
   * Rejects when nothing listens on the port yet (the gateway is still booting).
   */
  fetch(port: number, request: Request): Promise<Response> {
    return this.container.getTcpPort(port).fetch(request);
  }

  /**
   * SIGTERM, then `destroy()` unless the container exited within `graceMs`
   * (default {@link CONTAINER_STOP_GRACE_MS}). Resolves once it is stopped.
   */
  async stop(graceMs = CONTAINER_STOP_GRACE_MS): Promise<void> {
    if (!this.container.running) return;
    // monitor() resolves on exit and rejects when the container exits with an error; both
    // mean "it is gone". Subscribe before signalling so a fast exit is not missed.
    const exited = this.container.monitor().then(
      () => true,
      () => true,
    );
    this.container.signal(SIGTERM);
    let timer: ReturnType<typeof setTimeout> | null = null;
    const graceOver = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), graceMs);
    });
    const exitedInTime = await Promise.race([exited, graceOver]);
    clearTimeout(timer);
    if (!exitedInTime) await this.destroy("did not exit within the stop grace period");
  }

  /**
   * The container's exit: `monitor()` resolves on a clean exit (code 0) and rejects with the code
   * in its message otherwise. A container that is not running has nothing to watch.
   */
  async monitor(): Promise<RuntimeExit> {
    if (!this.container.running) return { exitCode: null, signal: null };
    return this.container.monitor().then(
      () => ({ exitCode: 0, signal: null }),
      (error) => exitFromMonitorError(error),
    );
  }

  /** Hard stop at once; a no-op when the container is not running. */
  async destroy(reason?: string): Promise<void> {
    if (!this.container.running) return;
    await this.container.destroy(reason);
  }
}
