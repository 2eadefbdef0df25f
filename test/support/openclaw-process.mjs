// Starts and stops a real OpenClaw gateway as a local child process, for runtime tests and
// local development (the stand-in for the Cloudflare Container in production).
//
// The gateway comes from container/node_modules (pinned in container/package.json) and
// runs under Node 24 — OpenClaw refuses Node 20. Each gateway gets its own temp state dir,
// workspace and free port, reads container/openclaw.json5, and sees ONLY the env built
// here: never the parent's environment, so no provider key can leak into it. Readiness is
// `GET /readyz` → 200, polled with a deadline.

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { networkInterfaces, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { installCustomTools } from "../../container/plugins/clawplane-custom-tools/install.mjs";
import { packageEnv } from "../../container/plugins/clawplane-packages/paths.mjs";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const OPENCLAW_ENTRY = join(REPO_ROOT, "container/node_modules/openclaw/openclaw.mjs");
const CONFIG_TEMPLATE = join(REPO_ROOT, "container/openclaw.json5");
const PLUGINS_DIR = join(REPO_ROOT, "container/plugins");
/**
 * Where local gateways cache installed package sets: shared by all of them and kept across runs
 * (CLAWPLANE_PACKAGES_CACHE_DIR of this process, read at each start, overrides it).
 */
const packagesCacheDir = () =>
  process.env.CLAWPLANE_PACKAGES_CACHE_DIR || join(tmpdir(), "clawplane-packages-cache");

/**
 * Node's compile cache for every local gateway on this machine (CLAWPLANE_COMPILE_CACHE_DIR of
 * this process overrides it). OpenClaw's launcher would put it under TMPDIR, which is each
 * gateway's own and removed with it, so every boot compiled OpenClaw's modules from scratch; a
 * container ships the cache baked into its image (container/Dockerfile) for the same reason.
 * Node keys the cache by its own version and each file's content, so sharing it is safe.
 */
const compileCacheDir = () =>
  process.env.CLAWPLANE_COMPILE_CACHE_DIR || join(tmpdir(), "clawplane-node-compile-cache");

/**
 * OpenClaw's diagnostics timeline (spans of its chat.send and agent-run phases, one JSON line
 * each) for every local gateway, when CLAWPLANE_GATEWAY_DIAGNOSTICS_DIR is set in this process:
 * `<dir>/<port>.jsonl`. Used to see where a turn goes inside the gateway (README, Performance).
 */
function diagnosticsEnv(port) {
  const dir = process.env.CLAWPLANE_GATEWAY_DIAGNOSTICS_DIR;
  if (!dir) return {};
  return { OPENCLAW_DIAGNOSTICS: "1", OPENCLAW_DIAGNOSTICS_TIMELINE_PATH: join(dir, `${port}.jsonl`) };
}

/** /readyz took 12–20 s on 2 vCPU; leave room for a loaded CI machine. */
const READY_TIMEOUT_MS = 120_000;
const READY_POLL_MS = 250;
/** Idle SIGTERM shutdown measured ~150 ms–4 s; after this the process group is SIGKILLed. */
const STOP_TIMEOUT_MS = 15_000;
const LOG_LINES_KEPT = 2_000;
/** The session's half of the config (src/runtime/openclaw/session-config.ts), beside the root. */
export const SESSION_CONFIG_FILE = "clawplane-session.json";

/**
 * The host's CA trust settings (file paths, never secrets), passed through so that tools run in
 * a local gateway (the environment's package installers, the agent's commands) trust what the
 * host trusts, e.g. a TLS-intercepting proxy's CA. A container trusts its own bundle instead.
 */
export const HOST_TRUST_ENV = [
  "NODE_EXTRA_CA_CERTS",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "REQUESTS_CA_BUNDLE",
  "PIP_CERT",
  "CURL_CA_BUNDLE",
  "GIT_SSL_CAINFO",
];

/** Embedding preset from OpenClaw's docs (gateway/embedding.md) plus offline mode. */
const EMBEDDING_ENV = {
  OPENCLAW_DISABLE_BONJOUR: "1",
  OPENCLAW_NO_RESPAWN: "1",
  OPENCLAW_SKIP_CHANNELS: "1",
  OPENCLAW_EXEC_SHELL_SNAPSHOT: "0",
  OPENCLAW_OFFLINE: "1", // no fd/ripgrep downloads
};

/**
 * Starts a gateway and resolves once `/readyz` answers 200.
 *
 * @param {object} options
 * @param {string} options.token gateway bearer (OPENCLAW_GATEWAY_TOKEN)
 * @param {string} options.modelBaseUrl OpenAI-compatible base URL ending in /v1
 * @param {string} [options.sessionToken] bearer OpenClaw sends to the model (default "clawplane-test-session")
 * @param {number} [options.port] default: a free port
 * @param {"loopback" | "lan"} [options.bind] default "loopback"; "lan" listens on 0.0.0.0
 * @param {string} [options.stateDir] default: a new temp dir, removed by stop()
 * @param {Record<string, string>} [options.env] extra env (e.g. OPENCLAW_LOG_LEVEL); its
 *   CLAWPLANE_MCP_CONFIG (OpenClaw's `mcp` block, JSON) and CLAWPLANE_TOOLS_CONFIG (the tool
 *   allow/deny lists) are written to clawplane-mcp.json and clawplane-tools.json beside the
 *   config, and CLAWPLANE_CUSTOM_TOOLS installed as the custom-tools plugin in the state dir,
 *   as container/entrypoint.sh does
 * @param {string} [options.packagesCacheDir] where installed package sets are cached (default: one
 *   dir under the temp dir, shared by every local gateway)
 * @param {string} [options.configTemplate] another gateway config (JSON5) than Clawplane's
 * @param {boolean} [options.channels] start OpenClaw's channels (default: skipped, as embedded)
 * @param {number} [options.readyTimeoutMs] default 120 000
 * @param {boolean} [options.waitForReady] default true; false resolves right after spawn
 *   (await `handle.ready()` later, e.g. to exercise connects during startup)
 */
export async function startOpenClaw(options) {
  if (!existsSync(OPENCLAW_ENTRY)) {
    throw new Error("openclaw is not installed: run `npx npm --prefix container install` (Node 24)");
  }
  const ownsStateDir = !options.stateDir;
  const stateDir = options.stateDir ?? (await mkdtemp(join(tmpdir(), "clawplane-openclaw-")));
  const dirs = {
    home: join(stateDir, "home"),
    tmp: join(stateDir, "tmp"),
    workspace: join(stateDir, "workspace"),
  };
  await Promise.all(Object.values(dirs).map((dir) => mkdir(dir, { recursive: true })));
  // Each gateway gets its own copy of the template: OpenClaw writes beside its config file
  // (`<config>.last-good`), which must land in this gateway's state, not in the repo.
  const templatePath = join(stateDir, "openclaw.json5");
  await copyFile(options.configTemplate ?? CONFIG_TEMPLATE, templatePath);
  // The root config: the generic template, then the session's document (later wins), as
  // container/entrypoint.sh writes it. A pool gateway gets the session's document at claim.
  const configPath = join(stateDir, "openclaw.json");
  await writeFile(
    configPath,
    `${JSON.stringify({ $include: ["./openclaw.json5", `./${SESSION_CONFIG_FILE}`] })}\n`,
  );
  await writeFile(join(stateDir, SESSION_CONFIG_FILE), `${options.env?.CLAWPLANE_SESSION_CONFIG || "{}"}\n`);
  // The template includes the MCP block and the tool lists from beside itself (see
  // container/entrypoint.sh).
  const mcpConfig = options.env?.CLAWPLANE_MCP_CONFIG || "{}";
  await writeFile(join(stateDir, "clawplane-mcp.json"), `${mcpConfig}\n`);
  const toolsConfig = options.env?.CLAWPLANE_TOOLS_CONFIG || "{}";
  await writeFile(join(stateDir, "clawplane-tools.json"), `${toolsConfig}\n`);
  await installCustomTools(join(stateDir, "clawplane-custom-tools"), options.env?.CLAWPLANE_CUSTOM_TOOLS);
  const port = options.port ?? (await freePort());
  const bind = options.bind ?? "loopback";

  const packagesDir = join(stateDir, "packages");
  const env = {
    ...Object.fromEntries(
      HOST_TRUST_ENV.filter((name) => process.env[name]).map((name) => [name, process.env[name]]),
    ),
    // The environment's packages, as container/entrypoint.sh sets them up (clawplane-packages/).
    ...packageEnv(packagesDir, process.env.PATH ?? "/usr/bin:/bin"),
    CLAWPLANE_PACKAGES_DIR: packagesDir,
    // One cache for every gateway on this machine: a set installed once is restored after.
    CLAWPLANE_PACKAGES_CACHE_DIR: options.packagesCacheDir ?? packagesCacheDir(),
    // apt would change this machine's own system packages: local runtimes refuse it.
    CLAWPLANE_PACKAGES_APT: "off",
    HOME: dirs.home,
    TMPDIR: dirs.tmp, // OpenClaw's default log file lives under the temp dir
    LANG: "C.UTF-8",
    TZ: "UTC",
    // Node enables the cache from this at startup. The second variable is the marker OpenClaw's
    // launcher (openclaw.mjs) sets in the child it respawns into a versioned subdirectory of a
    // NODE_COMPILE_CACHE: with it, the gateway stays one process (its pid is the supervisor's
    // and the exit monitor's) and Node's cache keys already separate versions.
    NODE_COMPILE_CACHE: compileCacheDir(),
    OPENCLAW_PACKAGED_COMPILE_CACHE_RESPAWNED: "1",
    ...EMBEDDING_ENV,
    // A gateway serving channels (the A2A peer of test/runtime/peers.test.ts) must start them.
    ...(options.channels ? { OPENCLAW_SKIP_CHANNELS: "0" } : {}),
    OPENCLAW_CONFIG_PATH: configPath,
    OPENCLAW_STATE_DIR: stateDir,
    OPENCLAW_GATEWAY_TOKEN: options.token,
    CLAWPLANE_LLM_BASE_URL: options.modelBaseUrl,
    CLAWPLANE_SESSION_TOKEN: options.sessionToken ?? "clawplane-test-session",
    CLAWPLANE_WORKSPACE_DIR: dirs.workspace,
    CLAWPLANE_PLUGINS_DIR: PLUGINS_DIR,
    ...options.env,
    ...diagnosticsEnv(port),
  };
  const startedAt = Date.now();
  // detached: the gateway leads its own process group, so its helper processes (spawn
  // broker, SQLite reader) can be killed together if a graceful stop fails.
  const child = spawn(
    nodeExecutable(),
    [OPENCLAW_ENTRY, "gateway", "run", "--port", String(port), "--bind", bind],
    {
      cwd: dirs.workspace,
      env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const lines = [];
  const lineListeners = new Set();
  const collect = (chunk) => {
    const added = chunk.toString("utf8").split("\n").filter(Boolean);
    lines.push(...added);
    for (const listener of lineListeners) for (const line of added) listener(line);
    if (lines.length > LOG_LINES_KEPT) lines.splice(0, lines.length - LOG_LINES_KEPT);
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  const exited = new Promise((resolveExit) =>
    child.once("exit", (code, signal) => resolveExit({ code, signal })),
  );
  // Last resort if the test runner dies without calling stop(): never leave a 1 GB gateway.
  const killGroupSync = () => signalGroup(child.pid, "SIGKILL");
  process.once("exit", killGroupSync);

  const origin = `http://127.0.0.1:${port}`;
  const handle = {
    origin,
    port,
    token: options.token,
    stateDir,
    pid: child.pid,
    /** ms from spawn to the first /readyz 200 (0 until ready) */
    bootMs: 0,
    /** Resolves when /readyz answers 200; rejects (after stopping the process) on exit or deadline. */
    ready: () => readyPromise,
    /** Resolves with `{code, signal}` once the gateway process has exited, for whatever reason. */
    exited: () => exited,
    /** Captured stdout + stderr lines (most recent {@link LOG_LINES_KEPT}). */
    logs: () => lines.join("\n"),
    /** Calls `listener` with each output line from now on; returns the unsubscribe. */
    onLine(listener) {
      lineListeners.add(listener);
      return () => lineListeners.delete(listener);
    },
    /** The directory of the gateway's config files (the session's document is written here). */
    configDir: stateDir,
    /** Resolves to the gateway process's resident set size in KiB (Linux only; else undefined). */
    rssKiB: () => readRssKiB(child.pid),
    /** SIGTERM, then SIGKILL to the whole process group after the deadline; removes an owned state dir. */
    async stop() {
      process.removeListener("exit", killGroupSync);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timedOut = await Promise.race([
          exited.then(() => false),
          delay(STOP_TIMEOUT_MS).then(() => true),
        ]);
        if (timedOut) signalGroup(child.pid, "SIGKILL");
        await exited;
      }
      signalGroup(child.pid, "SIGKILL"); // helpers that outlived the gateway, if any
      if (ownsStateDir) await rm(stateDir, { recursive: true, force: true });
    },
  };

  const readyPromise = waitForReady(origin, exited, options.readyTimeoutMs ?? READY_TIMEOUT_MS).then(
    () => {
      handle.bootMs = Date.now() - startedAt;
    },
    async (error) => {
      await handle.stop();
      const tail = lines.slice(-40).join("\n");
      throw new Error(
        `${error instanceof Error ? error.message : String(error)}\n--- gateway log tail ---\n${tail}`,
      );
    },
  );
  if (options.waitForReady !== false) await readyPromise;
  else readyPromise.catch(() => {}); // surfaced through ready(); avoid an unhandled rejection
  return handle;
}

/**
 * A non-loopback IPv4 address of this machine, if any. A client connecting to it (with
 * `bind: "lan"`) is remote to the gateway, as a Durable Object is in production, so device
 * pairing is enforced; loopback `gateway-client`/`backend` clients are exempt.
 * @returns {string | undefined}
 */
export function lanAddress() {
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) {
      if (entry.family === "IPv4" && !entry.internal) return entry.address;
    }
  }
  return undefined;
}

/** Polls /readyz until 200; fails early if the process exits (exit 78 = bad config). */
async function waitForReady(origin, exited, timeoutMs) {
  let exit;
  exited.then((value) => {
    exit = value;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exit) throw new Error(`openclaw exited before ready (code ${exit.code}, signal ${exit.signal})`);
    try {
      const res = await fetch(`${origin}/readyz`, { signal: AbortSignal.timeout(2_000) });
      await res.body?.cancel();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await delay(READY_POLL_MS);
  }
  throw new Error(`openclaw not ready within ${timeoutMs} ms`);
}

/** Node 24 is required: reuse ours when it is 24+, else the repo's `node@24` devDependency. */
function nodeExecutable() {
  const major = Number(process.versions.node.split(".")[0]);
  if (major >= 24) return process.execPath;
  const repoNode = join(REPO_ROOT, "node_modules/.bin/node");
  if (!existsSync(repoNode)) throw new Error("Node 24 not found: install the root devDependencies (node@24)");
  return repoNode;
}

/** Asks the OS for a free TCP port (tiny race until the gateway binds it; fine for tests). */
function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // group already gone
  }
}

async function readRssKiB(pid) {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

function delay(ms) {
  return new Promise((resolveDelay) => setTimeout(resolveDelay, ms));
}
