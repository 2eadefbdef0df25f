/**
 * The development and test runtime: a real OpenClaw gateway run as a local process by the
 * runtime supervisor (scripts/runtime-supervisor.mjs) at `LOCAL_AGENT_ORIGIN`.
 *
 * workerd cannot run containers without Docker, so each session's Durable Object asks the
 * supervisor for "its" gateway, keyed by a runtime id (the session id). This module is plain
 * Workers code (fetch only), so it also runs under Node in the runtime tests.
 *
 * Supervisor API used here (all JSON):
 *   POST   /runtimes/{id}/start  {env, pool} → 200/201 status (+ `pool`: claimed or why not); 400 {error}
 *   GET    /runtimes/{id}                    → {running, pid, port, startedAt, exitCode}; 404 unknown
 *   GET    /runtimes/{id}/exit               → once the gateway exited: {exitCode, signal}
 *   *      /runtimes/{id}/workspace/<path>   → the workspace archive endpoint (the container's port 18790)
 *   POST   /runtimes/{id}/stop   {graceMs}   → SIGTERM, SIGKILL after graceMs; keeps the state dir
 *   DELETE /runtimes/{id}                    → kill and remove the state dir
 *   *      /runtimes/{id}/proxy/<path>       → the gateway's <path> (HTTP and WebSocket upgrades)
 */

import {
  type AgentRuntime,
  OPENCLAW_PORT,
  type RuntimeExit,
  RuntimeStartError,
  type RuntimeStartOptions,
  type RuntimeStartResult,
  type WarmIdle,
  type WarmPoolMissCode,
  type WarmPoolOutcome,
  WORKSPACE_PORT,
} from "./agent-runtime";
import { unclaimableReason } from "./pool/session-document";
import { SHARED_POOL_KEY, type WarmPoolPlan } from "./warm-pool-plan";

/** Header the supervisor sets on responses it generates itself (not the gateway's). */
export const SUPERVISOR_ERROR_HEADER = "x-runtime-supervisor-error";

/**
 * Longest wait for a control call (start, status, stop) to the supervisor (30 s): start
 * returns once the process is spawned, stop within the grace period plus a few seconds.
 */
const CONTROL_TIMEOUT_MS = 30_000;

/** Default SIGTERM grace, as for containers: OpenClaw's idle shutdown takes ~150 ms–4 s. */
const LOCAL_STOP_GRACE_MS = 15_000;

/** A claim applies the session's config to a warm gateway: ~1–2 s, up to 30 s under load. */
const CLAIM_TIMEOUT_MS = 60_000;

/** The supervisor's `pool` answer (scripts/runtime-supervisor.mjs), snake_case on the wire. */
interface SupervisorPoolAnswer {
  outcome?: string;
  member?: string;
  apply_ms?: number;
  code?: string;
  reason?: string;
  pool?: string;
  scope?: string;
  tried?: { pool?: string; code?: string; reason?: string }[];
}

const MISS_CODES = new Set(["pool_off", "pool_empty", "not_applicable", "claim_failed"]);

const SCOPES = new Set(["environment", "plane", "deployment"]);

const missCode = (code: unknown): WarmPoolMissCode =>
  MISS_CODES.has(String(code)) ? (code as WarmPoolMissCode) : "claim_failed";

function warmPoolOutcome(answer: SupervisorPoolAnswer): WarmPoolOutcome {
  const tried = (answer.tried ?? []).map((miss) => ({
    pool: String(miss.pool ?? ""),
    code: missCode(miss.code),
    reason: String(miss.reason ?? ""),
  }));
  if (answer.outcome === "claimed")
    return {
      outcome: "claimed",
      member: String(answer.member ?? ""),
      applyMs: Number(answer.apply_ms ?? 0),
      ...(answer.pool ? { pool: answer.pool } : {}),
      ...(SCOPES.has(String(answer.scope)) ? { scope: answer.scope as "plane" } : {}),
      ...(tried.length ? { tried } : {}),
    };
  return {
    outcome: "missed",
    code: missCode(answer.code),
    reason: String(answer.reason ?? "the warm pool did not serve this start"),
    ...(tried.length ? { tried } : {}),
  };
}

/**
 * The supervisor's `pools` field: the plan's candidates, snake_case, sizes included so the
 * supervisor creates or resizes each keyed pool at claim.
 */
function supervisorPools(plan: WarmPoolPlan | undefined) {
  if (plan?.kind !== "pools") return undefined;
  return plan.candidates.map((c) => ({
    key: c.key,
    scope: c.scope,
    owner_id: c.ownerId,
    billed_to: c.billedTo.type === "plane" ? `plane:${c.billedTo.id}` : "organization",
    ...(c.size ? { min: c.size.min_idle, max: c.size.max, ttl_seconds: c.size.idle_ttl_seconds } : {}),
    packages: c.packages,
  }));
}

export interface LocalProcessRuntimeOptions {
  /** fetch implementation (default: the global one); tests may inject a fake. */
  fetch?: typeof fetch;
}

/** {@link AgentRuntime} backed by a gateway process that the local supervisor runs for `runtimeId`. */
export class LocalProcessRuntime implements AgentRuntime {
  readonly kind = "local" as const;
  private readonly base: string;
  private readonly origin: string;
  private readonly fetcher: typeof fetch;

  /**
   * @param origin the supervisor's origin, e.g. `http://127.0.0.1:9123` (LOCAL_AGENT_ORIGIN)
   * @param runtimeId one gateway per id; the session id
   */
  constructor(
    origin: string,
    readonly runtimeId: string,
    options: LocalProcessRuntimeOptions = {},
  ) {
    const url = URL.canParse(origin) ? new URL(origin) : undefined;
    if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || url.pathname !== "/") {
      throw new RuntimeStartError(
        `LOCAL_AGENT_ORIGIN must be an origin such as http://127.0.0.1:9123, got "${origin}".`,
      );
    }
    if (!runtimeId) throw new RuntimeStartError("A local runtime needs a non-empty runtime id.");
    this.base = `${url.origin}/runtimes/${encodeURIComponent(runtimeId)}`;
    this.origin = url.origin;
    // Wrapped: workerd throws "Illegal invocation" when fetch is called with a foreign `this`.
    this.fetcher = options.fetch ?? ((input, init) => fetch(input, init));
  }

  async isRunning(): Promise<boolean> {
    const response = await this.control("GET", "");
    if (response.status === 404) return false;
    const status = await this.json<{ running?: boolean }>(response);
    return status.running === true;
  }

  /**
   * Asks the supervisor for the gateway: a warm one from its pool when `warmPool` (the session's
   * config applied by the time this resolves), else a spawned one; a no-op when it is already
   * starting or running.
   */
  async start(options: RuntimeStartOptions): Promise<RuntimeStartResult> {
    // enableInternet has no local equivalent: the gateway shares the host's network.
    const plan = options.warmPoolPlan;
    // A plan that turns the pool off for this session: a cold boot, saying why.
    const off = options.warmPool === true && plan?.kind === "off" ? plan.reason : undefined;
    const response = await this.control(
      "POST",
      "/start",
      {
        env: options.env,
        pool: options.warmPool === true && !off,
        ...(off ? {} : { pools: supervisorPools(plan) }),
      },
      CLAIM_TIMEOUT_MS,
    );
    const status = await this.json<{ pool?: SupervisorPoolAnswer; started?: boolean }>(response);
    if (off && status.started !== false)
      return { pool: { outcome: "missed", code: "pool_off", reason: off } };
    return status.pool ? { pool: warmPoolOutcome(status.pool) } : {};
  }

  /**
   * Whether `start(options)` would claim now: the supervisor's pool would take the start env
   * (`unclaimableReason`, the rule its `take` applies; local runtimes enforce no egress, so
   * limited networking and secret substitution do not matter here) and one of the plan's pools
   * has an idle gateway (`GET /pool`, which changes nothing). A keyed pool the supervisor has
   * not created yet has none. No when the supervisor does not answer.
   */
  async hasWarmIdle(options: RuntimeStartOptions): Promise<WarmIdle> {
    if (!options.warmPool) return { idle: false, why: "the warm pool is off" };
    const why = unclaimableReason(options.env);
    if (why) return { idle: false, why: `not served warm: ${why}` };
    const plan = options.warmPoolPlan;
    if (plan?.kind === "off") return { idle: false, why: plan.reason };
    const keys = plan?.kind === "pools" ? plan.candidates.map((c) => c.key) : [SHARED_POOL_KEY];
    const none = { idle: false, why: "no warm runtime is idle in the session's pools" } as const;
    try {
      const response = await this.fetcher(`${this.origin}/pool`, {
        signal: AbortSignal.timeout(CONTROL_TIMEOUT_MS),
      });
      if (!response.ok) return none;
      type Pool = { key?: string; enabled?: boolean; idle?: number };
      const status = (await response.json()) as Pool & { pools?: Pool[] };
      // The shared pool at the top level, every pool (keyed ones too) in `pools`.
      const idle = [status, ...(status.pools ?? [])].some(
        (pool) => keys.includes(String(pool.key)) && pool.enabled !== false && (pool.idle ?? 0) > 0,
      );
      return idle ? { idle: true } : none;
    } catch {
      return none;
    }
  }

  /**
   * Forwards `request` to the gateway through the supervisor's proxy, keeping method, headers,
   * body (streamed) and query. A WebSocket upgrade passes through as well: in workerd, fetch
   * of a request with `Upgrade: websocket` returns the 101 response with `webSocket` set.
   * Rejects, as a container does, when the gateway is not running or not listening yet.
   */
  async fetch(port: number, request: Request): Promise<Response> {
    // The supervisor serves the two ports a container exposes under two prefixes.
    const prefix = port === OPENCLAW_PORT ? "proxy" : port === WORKSPACE_PORT ? "workspace" : undefined;
    if (!prefix) {
      throw new Error(
        `The local runtime exposes only the ports ${OPENCLAW_PORT} and ${WORKSPACE_PORT}, not ${port}.`,
      );
    }
    const { pathname, search } = new URL(request.url);
    const forwarded = new Request(`${this.base}/${prefix}${pathname}${search}`, request);
    // Redirects belong to the caller, as with a container port.
    const response = await this.fetcher(forwarded, { redirect: "manual" });
    if (response.headers.has(SUPERVISOR_ERROR_HEADER)) {
      const detail = await response.text();
      throw new Error(`local runtime ${this.runtimeId} unreachable: ${detail}`);
    }
    return response;
  }

  /** SIGTERM, SIGKILL after `graceMs`; the supervisor keeps the state dir for a later start. */
  async stop(graceMs = LOCAL_STOP_GRACE_MS): Promise<void> {
    const response = await this.control("POST", "/stop", { graceMs }, graceMs + CONTROL_TIMEOUT_MS);
    if (response.status !== 404) await this.json(response);
  }

  /** Kills the gateway and removes its state dir. Idempotent. */
  async destroy(_reason?: string): Promise<void> {
    const response = await this.control("DELETE", "");
    if (response.status !== 404) await this.json(response);
  }

  /**
   * Long-polls the supervisor until the gateway exits. No timeout: it may run for as long as the
   * runtime lives; the caller drops it with its object.
   */
  async monitor(): Promise<RuntimeExit> {
    const response = await this.fetcher(`${this.base}/exit`);
    if (response.status === 404) return { exitCode: null, signal: null };
    const exit = await this.json<{ exitCode?: number | null; signal?: string | null }>(response);
    return { exitCode: exit.exitCode ?? null, signal: exit.signal ?? null };
  }

  /** One control call; a supervisor that cannot be reached becomes a RuntimeStartError with a hint. */
  private async control(
    method: string,
    path: string,
    body?: unknown,
    timeoutMs = CONTROL_TIMEOUT_MS,
  ): Promise<Response> {
    try {
      return await this.fetcher(`${this.base}${path}`, {
        method,
        headers: body === undefined ? undefined : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new RuntimeStartError(
        `The local agent supervisor at ${new URL(this.base).origin} did not answer. Start it with ` +
          "`node scripts/runtime-supervisor.mjs` and set LOCAL_AGENT_ORIGIN to the origin it prints.",
        { cause: error },
      );
    }
  }

  /** Parses a control response; a 4xx/5xx becomes a RuntimeStartError carrying the supervisor's reason. */
  private async json<T>(response: Response): Promise<T> {
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      parsed = { error: text };
    }
    if (!response.ok) {
      const reason = (parsed as { error?: unknown }).error;
      throw new RuntimeStartError(
        typeof reason === "string" ? reason : `local agent supervisor answered ${response.status}`,
      );
    }
    return parsed as T;
  }
}
