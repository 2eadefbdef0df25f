#!/usr/bin/env node
// The local agent supervisor: one real OpenClaw gateway process per runtime id (a session),
// reachable over HTTP on 127.0.0.1. It stands in for Cloudflare Containers in development and
// tests, where workerd runs none; src/runtime/local-runtime.ts is its client.
//
//   node scripts/runtime-supervisor.mjs [--port N] [--pool-min N] [--pool-max N] [--pool-ttl-seconds N]
//   (Node 24; prints {"origin": ...} on stdout; the pool flags default to CLAWPLANE_POOL_MIN,
//   CLAWPLANE_POOL_MAX and CLAWPLANE_POOL_TTL_SECONDS, and the pool to off)
//
// With a pool (scripts/runtime-pool.mjs) the supervisor keeps warmed gateways with no session's
// secrets; a start that asks for one (`"pool": true`) claims one and applies the session's config
// to it instead of booting a gateway, and says how in its answer (`pool`).
//
// API (JSON unless noted):
//   GET    /healthz                      → {ok, runtimes}
//   GET    /pool                         → the shared warm pool: size, members, claims, misses,
//                                           refills; `pools`: every pool's status, keyed ones too
//   PUT    /pool {min, max, ttlMs?}      → resizes the shared pool (0 = off); answers its status
//   PUT    /pools/{key} {min, max, ttl_seconds?, scope?, owner_id?, billed_to?, packages?}
//                                         → creates or resizes a keyed pool (an environment's or a
//                                           plane's, src/runtime/warm-pool-plan.ts); its status
//   POST   /runtimes/{id}/start {env, pool?, pools?} → 201 spawned or claimed | 200 already
//                                           starting/running; 400 {error}. With pool: true, the
//                                           pools named in `pools` (specs as for PUT /pools, in
//                                           order; default: the shared one) are tried in turn, and
//                                           `pool` in the answer is {outcome: "claimed", member,
//                                           apply_ms, pool, scope, tried?} or {outcome: "missed",
//                                           code, reason, tried?} (then booted cold)
//   GET    /runtimes/{id}                → {running, pid, port, startedAt, readyAt, exitCode, error}; 404
//   GET    /runtimes/{id}/logs           → the gateway's recent output (text)
//   GET    /runtimes/{id}/exit           → waits until the running gateway exits: {exitCode, signal}
//                                           (at once with the last exit when none runs)
//   *      /runtimes/{id}/workspace/<path> → the workspace archive endpoint of the running gateway
//                                           (container/workspace-archive.mjs, the container's port 18790)
//   POST   /runtimes/{id}/stop {graceMs} → SIGTERM, SIGKILL after graceMs; keeps the state dir
//   DELETE /runtimes/{id}                → kill and remove the state dir
//   *      /runtimes/{id}/proxy/<path>   → the gateway's /<path>: HTTP (streamed) and WebSocket upgrades
//
// Like a container's disk, a runtime's workspace does not outlive its process: each start
// begins with an empty one (the session's object restores the saved workspace into it).
// The gateway sees exactly the env given to start plus the embedding defaults and the
// per-runtime paths (test/support/openclaw-process.mjs): never this process's environment.

import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer, request as httpRequest } from "node:http";
import { connect } from "node:net";
import { constants, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { workspaceArchiveHandler } from "../container/workspace-archive.mjs";
import { HOST_TRUST_ENV, startOpenClaw } from "../test/support/openclaw-process.mjs";
import { installPackageSet } from "../container/plugins/clawplane-packages/install.mjs";
import { answerWarmupCompletion, poolSettings, RuntimePool, WARMUP_STUB_PATH } from "./runtime-pool.mjs";

/** Per-runtime paths the supervisor owns; a start env cannot redirect them. */
const OWNED_KEYS = new Set([
  "PATH",
  "HOME",
  "TMPDIR",
  "OPENCLAW_CONFIG_PATH",
  "OPENCLAW_STATE_DIR",
  "CLAWPLANE_WORKSPACE_DIR",
  "CLAWPLANE_PLUGINS_DIR",
  "CLAWPLANE_PACKAGES_DIR",
  "CLAWPLANE_PACKAGES_CACHE_DIR",
  "CLAWPLANE_PACKAGES_APT",
  "GEM_PATH",
]);
/** Same check as container/entrypoint.sh, which exits 78 without them. */
const REQUIRED_KEYS = ["OPENCLAW_GATEWAY_TOKEN", "CLAWPLANE_LLM_BASE_URL", "CLAWPLANE_SESSION_TOKEN"];
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_CONTROL_BODY_BYTES = 1024 * 1024;
/** Longer than any caller's readiness deadline, so only the caller decides when a boot failed. */
const SUPERVISOR_READY_TIMEOUT_MS = 600_000;
const DEFAULT_STOP_GRACE_MS = 15_000;
const LIVENESS_POLL_MS = 100;
/** How often the CLI checks that its parent is still alive (1 s): no orphaned 1 GB gateways. */
const PARENT_POLL_MS = 1_000;
const ERROR_HEADER = "x-runtime-supervisor-error"; // see SUPERVISOR_ERROR_HEADER in local-runtime.ts

/**
 * Starts the supervisor's HTTP server on 127.0.0.1.
 * @param {{ port?: number, pool?: { min?: number, max?: number, ttlMs?: number } }} [options]
 *   port default: a free port; pool default: off
 * @returns {Promise<{ origin: string, pool: RuntimePool, close: () => Promise<void> }>} close()
 *   stops every gateway, the pool's too
 */
export async function startSupervisor(options = {}) {
  /** @type {Map<string, Runtime>} */
  const runtimes = new Map();
  let origin = "";
  const hooks = {
    spawn: async (id, env) => {
      const runtime = new Runtime(id);
      await runtime.start(env);
      return runtime;
    },
    stubUrl: () => `${origin}${WARMUP_STUB_PATH}`,
    log: (line) => process.stderr.write(`runtime-supervisor: ${line}\n`),
    install: installIntoMember,
    // `CLAWPLANE_POOL_GIT_KEEPWARM=0` leaves members' git worker cold (benchmarks compare both).
    gitKeepWarm: process.env.CLAWPLANE_POOL_GIT_KEEPWARM !== "0",
  };
  const pool = new RuntimePool(poolSettings(options.pool), hooks);
  const pools = new Pools(pool, hooks);
  const server = createServer((req, res) => {
    handle(runtimes, pools, req, res).catch((error) => {
      if (!res.headersSent) reply(res, 500, { error: String(error?.message ?? error) });
      else res.destroy(error);
    });
  });
  server.on("upgrade", (req, socket, head) => proxyUpgrade(runtimes, req, socket, head));
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", resolve);
  });
  origin = `http://127.0.0.1:${server.address().port}`;
  pool.fill();
  return {
    origin,
    pool,
    pools,
    async close() {
      server.close();
      server.closeAllConnections();
      await pools.close();
      await Promise.all([...runtimes.values()].map((runtime) => runtime.remove()));
      runtimes.clear();
    },
  };
}

/**
 * The supervisor's warm pools by key (src/runtime/warm-pool-plan.ts): the deployment's shared
 * one (the `--pool-*` flags) and one per environment or plane that set a size, created and
 * resized when the Worker names them (at a claim, or `PUT /pools/{key}` when a setting changes).
 */
class Pools {
  constructor(shared, hooks) {
    this.shared = shared;
    this.hooks = hooks;
    /** @type {Map<string, RuntimePool>} */
    this.byKey = new Map([["shared", shared]]);
  }

  /**
   * The pool a Worker's pool spec names, created or resized to its size; the shared pool keeps
   * its own size (the supervisor's flags) unless the spec carries one.
   */
  ensure(spec) {
    const key = String(spec?.key ?? "shared");
    const sized = spec && spec.max !== undefined;
    const settings = sized
      ? poolSettings({
          min: spec.min,
          max: spec.max,
          ttlMs: spec.ttl_seconds === undefined ? undefined : Number(spec.ttl_seconds) * 1000,
        })
      : undefined;
    let pool = this.byKey.get(key);
    if (!pool) {
      pool = new RuntimePool(settings ?? poolSettings({}), this.hooks, {
        key,
        scope: spec?.scope,
        owner_id: spec?.owner_id ?? null,
        billed_to: spec?.billed_to,
        packages: validPackages(spec?.packages) ? spec.packages : null,
      });
      this.byKey.set(key, pool);
      pool.fill();
      return pool;
    }
    if (settings && !sameSettings(pool.settings, settings)) pool.resize(settings);
    return pool;
  }

  /** The shared pool's status at the top level (as before keyed pools), every pool in `pools`. */
  status() {
    return { ...this.shared.status(), pools: [...this.byKey.values()].map((pool) => pool.status()) };
  }

  async close() {
    await Promise.all([...this.byKey.values()].map((pool) => pool.close()));
  }
}

const sameSettings = (a, b) => a.min === b.min && a.max === b.max && a.ttlMs === b.ttlMs;

/** A package set as the Worker sends it: `{key: <sha-256 hex>, set: {manager: [spec]}}`. */
function validPackages(packages) {
  return (
    Boolean(packages) &&
    typeof packages.key === "string" &&
    /^[0-9a-f]{64}$/.test(packages.key) &&
    packages.set &&
    typeof packages.set === "object" &&
    Object.values(packages.set).every(
      (list) => Array.isArray(list) && list.every((x) => typeof x === "string"),
    )
  );
}

/**
 * Installs a package set into a pool member's runtime with the image's installer, exactly where
 * the gateway's packages plugin would (its packages dir and HOME, the machine's shared cache),
 * so the session's own install finds the set active.
 */
async function installIntoMember(runtime, packages) {
  return installPackageSet({
    key: packages.key,
    packages: packages.set,
    packagesDir: join(runtime.stateDir, "packages"),
    cacheDir: process.env.CLAWPLANE_PACKAGES_CACHE_DIR || join(tmpdir(), "clawplane-packages-cache"),
    env: {
      // The machine's trust settings (a proxy's CA), as every local gateway gets them.
      ...Object.fromEntries(
        HOST_TRUST_ENV.filter((name) => process.env[name]).map((name) => [name, process.env[name]]),
      ),
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: join(runtime.stateDir, "home"),
      TMPDIR: join(runtime.stateDir, "tmp"),
      // As for every local runtime (test/support/openclaw-process.mjs): apt would change this machine.
      CLAWPLANE_PACKAGES_APT: "off",
    },
  });
}

/** One runtime id: its state dir (kept across stop/start) and the current gateway, if any. */
class Runtime {
  constructor(id) {
    this.id = id;
    this.stateDir = undefined;
    this.gateway = undefined; // handle from startOpenClaw
    this.starting = undefined; // in-flight start promise: a second start joins it
    this.startedAt = undefined;
    this.readyAt = undefined;
    this.exitCode = null;
    this.signal = null;
    this.error = undefined;
    this.workspace = undefined; // archive handler of the current gateway's workspace
    this.poolMember = undefined; // the pool member id this runtime was claimed as, if it was
  }

  get running() {
    return Boolean(this.starting) || (this.gateway !== undefined && isAlive(this.gateway.pid));
  }

  status() {
    return {
      id: this.id,
      running: this.running,
      pid: this.gateway?.pid ?? null,
      port: this.gateway?.port ?? null,
      startedAt: this.startedAt ?? null,
      readyAt: this.readyAt ?? null,
      exitCode: this.exitCode,
      signal: this.signal,
      error: this.error ?? null,
      pool_member: this.poolMember ?? null,
      // Where the gateway's config files are (the session's document among them): local only.
      config_dir: this.gateway?.configDir ?? null,
    };
  }

  /** Spawns the gateway unless one is starting or running; resolves once it is spawned. */
  async start(env) {
    if (this.running) {
      await this.starting;
      return false;
    }
    this.starting = (async () => {
      this.stateDir ??= await mkdtemp(join(tmpdir(), `clawplane-runtime-${safe(this.id)}-`));
      await this.gateway?.stop(); // reaps a gateway that died and its helpers, if any are left
      Object.assign(this, {
        startedAt: new Date().toISOString(),
        readyAt: undefined,
        exitCode: null,
        signal: null,
        error: undefined,
      });
      const { OPENCLAW_GATEWAY_TOKEN, CLAWPLANE_LLM_BASE_URL, CLAWPLANE_SESSION_TOKEN, ...rest } = env;
      // A fresh, empty workspace, as a container's disk is on every start.
      const workspace = join(this.stateDir, "workspace");
      await rm(workspace, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
      await mkdir(workspace, { recursive: true });
      this.workspace = workspaceArchiveHandler({ dir: workspace, token: OPENCLAW_GATEWAY_TOKEN });
      const gateway = await startOpenClaw({
        token: OPENCLAW_GATEWAY_TOKEN,
        modelBaseUrl: CLAWPLANE_LLM_BASE_URL,
        sessionToken: CLAWPLANE_SESSION_TOKEN,
        env: rest,
        stateDir: this.stateDir,
        waitForReady: false,
        readyTimeoutMs: SUPERVISOR_READY_TIMEOUT_MS,
      });
      this.gateway = gateway;
      gateway.exited().then(({ code, signal }) => {
        if (this.gateway !== gateway || this.exitCode !== null) return;
        // As a container reports it: a process killed by a signal exits 128 + its number.
        this.exitCode = code ?? 128 + (constants.signals[signal] ?? 0);
        this.signal = signal;
      });
      gateway.ready().then(
        () => {
          if (this.gateway === gateway) this.readyAt = new Date().toISOString();
        },
        (error) => {
          if (this.gateway !== gateway) return;
          // startOpenClaw reports "exited before ready (code N, signal S)" plus the log tail.
          const code = /\(code (\d+)/.exec(String(error?.message));
          this.exitCode = code ? Number(code[1]) : null;
          this.error = String(error?.message ?? error).split("\n")[0];
        },
      );
    })();
    try {
      await this.starting;
      return true;
    } finally {
      this.starting = undefined;
    }
  }

  /** Resolves with `{exitCode, signal}` once the current gateway has exited (at once if none runs). */
  async exit() {
    await this.starting?.catch(() => {});
    const gateway = this.gateway;
    if (gateway) await gateway.exited();
    // The exit handler above runs first (registered earlier on the same promise).
    return { exitCode: this.exitCode, signal: this.signal };
  }

  /** SIGTERM, SIGKILL to the process group after `graceMs`; resolves once it exited. */
  async stop(graceMs = DEFAULT_STOP_GRACE_MS) {
    await this.starting?.catch(() => {});
    const gateway = this.gateway;
    if (!gateway) return;
    signal(gateway.pid, "SIGTERM");
    const deadline = Date.now() + graceMs;
    while (isAlive(gateway.pid) && Date.now() < deadline) await delay(LIVENESS_POLL_MS);
    if (isAlive(gateway.pid)) signal(-gateway.pid, "SIGKILL");
    await gateway.stop(); // reaps it and kills helper processes left in its group
  }

  /** Kills the gateway at once and removes the state dir. */
  async remove() {
    await this.stop(0);
    this.gateway = undefined;
    // The gateway's helper processes can still be flushing SQLite files for a moment after
    // the kill; retry instead of failing the delete on ENOTEMPTY/EBUSY.
    if (this.stateDir)
      await rm(this.stateDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    this.stateDir = undefined;
  }
}

async function handle(runtimes, pools, req, res) {
  const url = new URL(req.url ?? "/", "http://supervisor");
  const pool = pools.shared;
  if (url.pathname === "/healthz") return reply(res, 200, { ok: true, runtimes: runtimes.size });
  if (req.method === "GET" && url.pathname === "/pool") return reply(res, 200, pools.status());
  if (req.method === "PUT" && url.pathname === "/pool") {
    const body = await readJson(req);
    if (!body || typeof body !== "object")
      return reply(res, 400, { error: 'body must be {"min": N, "max": N}' });
    pool.resize(poolSettings({ ttlMs: pool.settings.ttlMs, ...body }));
    return reply(res, 200, pool.status());
  }
  const keyed = /^\/pools\/([^/]+)$/.exec(url.pathname);
  if (req.method === "PUT" && keyed) {
    const body = await readJson(req);
    if (!body || typeof body !== "object" || body.max === undefined)
      return reply(res, 400, { error: 'body must be {"min": N, "max": N, "ttl_seconds"?: N, ...}' });
    return reply(res, 200, pools.ensure({ ...body, key: decodeURIComponent(keyed[1]) }).status());
  }
  if (req.method === "POST" && url.pathname === `${WARMUP_STUB_PATH}/chat/completions`)
    return answerWarmupCompletion(await readJson(req), res);
  const match = /^\/runtimes\/([^/]+)(\/start|\/stop|\/logs|\/exit|\/(proxy|workspace)(\/.*)?)?$/.exec(
    url.pathname,
  );
  if (!match) return reply(res, 404, { error: `no route for ${req.method} ${url.pathname}` });
  const id = decodeURIComponent(match[1]);
  const action = match[3] ? `/${match[3]}` : (match[2] ?? "");
  const runtime = runtimes.get(id);

  if (action === "/proxy") return proxyHttp(runtime, `${match[4] ?? "/"}${url.search}`, req, res);
  if (action === "/workspace") {
    // Only a running gateway's workspace: like the container's port, gone with its process.
    if (!runtime?.running || !runtime.workspace)
      return reply(res, 503, { error: "runtime not running" }, { [ERROR_HEADER]: "not-running" });
    return runtime.workspace(req, res, `${match[4] ?? "/"}${url.search}`);
  }
  if (req.method === "POST" && action === "/start") {
    const body = await readJson(req);
    const problem = invalidEnv(body?.env);
    if (problem) return reply(res, 400, { error: problem });
    const env = Object.fromEntries(Object.entries(body.env).filter(([key]) => !OWNED_KEYS.has(key)));
    let poolOutcome;
    if (body.pool === true && !runtime?.running) {
      // The Worker's pools, most specific first (warm-pool-plan.ts); without them, the shared one.
      const specs = Array.isArray(body.pools) && body.pools.length ? body.pools : [undefined];
      const claimed = await claim(
        runtimes,
        specs.map((spec) => pools.ensure(spec)),
        id,
        env,
      );
      if (claimed.runtime) {
        return reply(res, 201, { started: true, pool: claimed.outcome, ...claimed.runtime.status() });
      }
      poolOutcome = claimed.outcome;
    }
    const target = runtimes.get(id) ?? new Runtime(id);
    runtimes.set(id, target);
    const started = await target.start(env);
    return reply(res, started ? 201 : 200, {
      started,
      ...(poolOutcome ? { pool: poolOutcome } : {}),
      ...target.status(),
    });
  }
  if (!runtime) return reply(res, 404, { error: `unknown runtime ${id}`, running: false });
  if (req.method === "GET" && action === "") return reply(res, 200, runtime.status());
  if (req.method === "GET" && action === "/exit") return reply(res, 200, await runtime.exit());
  if (req.method === "GET" && action === "/logs") {
    res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
    return res.end(runtime.gateway?.logs() ?? "");
  }
  if (req.method === "POST" && action === "/stop") {
    const graceMs = Number((await readJson(req))?.graceMs ?? DEFAULT_STOP_GRACE_MS);
    await runtime.stop(Number.isFinite(graceMs) && graceMs >= 0 ? graceMs : DEFAULT_STOP_GRACE_MS);
    return reply(res, 200, runtime.status());
  }
  if (req.method === "DELETE" && action === "") {
    // Forget it first: a start that arrives while the old gateway is still being torn down
    // (its session noticed the death at once) must get a fresh runtime, not this one.
    runtimes.delete(id);
    await runtime.remove();
    return reply(res, 200, { deleted: true, ...runtime.status() });
  }
  return reply(res, 405, { error: `${req.method} not allowed on ${url.pathname}` });
}

/**
 * Hands a warm member of the first pool that has one to runtime `id` and applies the session's
 * config to it. Resolves with the claimed runtime (and the pools tried before it), or with why
 * it booted cold: the last pool's miss, the earlier ones in `tried`.
 */
export async function claim(runtimes, candidates, id, env) {
  const tried = [];
  for (const pool of candidates) {
    const result = await claimFrom(runtimes, pool, id, env);
    const miss = { pool: pool.meta.key, code: result.outcome.code, reason: result.outcome.reason };
    if (result.runtime) {
      const outcome = { ...result.outcome, pool: pool.meta.key, scope: pool.meta.scope };
      return { runtime: result.runtime, outcome: tried.length ? { ...outcome, tried } : outcome };
    }
    // Inputs a running gateway cannot take are the same for every pool: no point in the others.
    if (miss.code === "not_applicable" || pool === candidates.at(-1))
      return { outcome: { ...result.outcome, ...(tried.length ? { tried } : {}) } };
    tried.push(miss);
  }
  return { outcome: { outcome: "missed", code: "pool_off", reason: "no warm pool was named" } };
}

/** One pool's claim (see {@link claim}): the member taken, or why not; a failed apply destroys it. */
async function claimFrom(runtimes, pool, id, env) {
  const taken = pool.take(env);
  if (!taken.member) return { outcome: { outcome: "missed", code: taken.code, reason: taken.reason } };
  const member = taken.member;
  const runtime = member.runtime;
  const previous = runtimes.get(id);
  runtime.id = id;
  runtime.poolMember = member.id;
  // Only the session's token opens its workspace, as with a cold start.
  runtime.workspace = workspaceArchiveHandler({
    dir: join(runtime.stateDir, "workspace"),
    token: env.OPENCLAW_GATEWAY_TOKEN,
  });
  const started = Date.now();
  try {
    await pool.apply(member, env);
  } catch (error) {
    await runtime.remove();
    const reason = `the warm runtime could not take the session's config: ${error?.message ?? error}`;
    return { outcome: { outcome: "missed", code: "claim_failed", reason } };
  }
  // A stopped runtime of this id (idle sleep) is replaced: its state goes with it.
  if (previous && previous !== runtime) {
    runtimes.delete(id);
    await previous.remove();
  }
  runtimes.set(id, runtime);
  return { runtime, outcome: { outcome: "claimed", member: member.id, apply_ms: Date.now() - started } };
}

/** Why an env cannot be used, or undefined. Mirrors the container entrypoint's exit 78. */
function invalidEnv(env) {
  if (!env || typeof env !== "object" || Array.isArray(env)) return 'body must be {"env": {NAME: "value"}}';
  for (const [key, value] of Object.entries(env)) {
    if (!ENV_KEY.test(key)) return `invalid environment variable name "${key}"`;
    if (typeof value !== "string") return `environment variable ${key} must be a string`;
  }
  const missing = REQUIRED_KEYS.filter((key) => !env[key]);
  return missing.length ? `missing required environment: ${missing.join(", ")}` : undefined;
}

/** Streams a request to the gateway and its response back, without buffering either way. */
function proxyHttp(runtime, path, req, res) {
  const gateway = runtime?.running ? runtime.gateway : undefined;
  if (!gateway) return reply(res, 503, { error: "runtime not running" }, { [ERROR_HEADER]: "not-running" });
  const upstream = httpRequest(
    {
      host: "127.0.0.1",
      port: gateway.port,
      method: req.method,
      path,
      headers: { ...req.headers, host: `127.0.0.1:${gateway.port}` },
    },
    (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.rawHeaders);
      upstreamRes.pipe(res);
    },
  );
  upstream.on("error", (error) => {
    // Nothing listens yet (still booting) or the gateway died mid-response.
    if (!res.headersSent)
      reply(res, 502, { error: `gateway unreachable: ${error.message}` }, { [ERROR_HEADER]: "unreachable" });
    else res.destroy(error);
  });
  res.on("close", () => upstream.destroy()); // client went away: abort the upstream turn too
  req.pipe(upstream);
}

/** WebSocket (or any Upgrade): replays the request head to the gateway, then pipes raw bytes. */
function proxyUpgrade(runtimes, req, socket, head) {
  const url = new URL(req.url ?? "/", "http://supervisor");
  const match = /^\/runtimes\/([^/]+)\/proxy(\/.*)?$/.exec(url.pathname);
  const gateway = match && runtimes.get(decodeURIComponent(match[1]))?.gateway;
  if (!gateway || !isAlive(gateway.pid)) {
    const status = gateway ? "502 Bad Gateway" : "404 Not Found";
    socket.end(
      `HTTP/1.1 ${status}\r\n${ERROR_HEADER}: unreachable\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`,
    );
    return;
  }
  const upstream = connect(gateway.port, "127.0.0.1", () => {
    const lines = [`${req.method} ${match[2] ?? "/"}${url.search} HTTP/1.1`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i];
      lines.push(
        `${name}: ${name.toLowerCase() === "host" ? `127.0.0.1:${gateway.port}` : req.rawHeaders[i + 1]}`,
      );
    }
    upstream.write(`${lines.join("\r\n")}\r\n\r\n`);
    if (head?.length) upstream.write(head);
    upstream.pipe(socket);
    socket.pipe(upstream);
  });
  upstream.on("error", () => socket.destroy());
  socket.on("error", () => upstream.destroy());
  socket.on("close", () => upstream.destroy());
  upstream.on("close", () => socket.destroy());
}

function reply(res, status, body, headers = {}) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

async function readJson(req) {
  let size = 0;
  const chunks = [];
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_CONTROL_BODY_BYTES) throw new Error("request body too large");
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signal(pid, name) {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

const safe = (id) => id.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 40);
const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// CLI: print the origin for a parent process, stop every gateway on SIGINT/SIGTERM or when
// the parent dies (the supervisor is then re-parented, so process.ppid changes).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      port: { type: "string" },
      "pool-min": { type: "string" },
      "pool-max": { type: "string" },
      "pool-ttl-seconds": { type: "string" },
    },
  });
  const min = values["pool-min"] ?? process.env.CLAWPLANE_POOL_MIN;
  const max = values["pool-max"] ?? process.env.CLAWPLANE_POOL_MAX;
  const ttl = values["pool-ttl-seconds"] ?? process.env.CLAWPLANE_POOL_TTL_SECONDS;
  const supervisor = await startSupervisor({
    port: values.port ? Number(values.port) : undefined,
    pool: { min, max, ttlMs: ttl === undefined ? undefined : Number(ttl) * 1000 },
  });
  process.stdout.write(`${JSON.stringify({ origin: supervisor.origin })}\n`);
  const parent = process.ppid;
  let closing = false;
  const shutdown = async (why) => {
    if (closing) return;
    closing = true;
    process.stderr.write(`runtime-supervisor: ${why}, stopping gateways\n`);
    await supervisor.close();
    process.exit(0);
  };
  for (const name of ["SIGINT", "SIGTERM"]) process.on(name, () => shutdown(name));
  setInterval(() => process.ppid !== parent && shutdown("parent exited"), PARENT_POLL_MS).unref();
}
