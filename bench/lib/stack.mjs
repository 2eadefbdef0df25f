/**
 * Starts and tears down what the session benchmark measures: the deterministic model server,
 * the local runtime supervisor (one OpenClaw gateway per session), the Worker under
 * `wrangler dev`, and a directly-run baseline gateway. Every start registers its stop with
 * `onCleanup`; `cleanup()` runs them newest first, once, and SIGINT/SIGTERM run it too.
 */
import { execFile } from "node:child_process";
import { copyFile, mkdtemp, readdir, readFile, readlink, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  bridgeHostAddress,
  containerIds,
  freePort,
  removeContainers,
  startBridgeForwarder,
  startContainerWorker,
} from "../../test/e2e/support/containers.mjs";
import { workerdDockerHost } from "../../test/e2e/support/docker-api-proxy.mjs";
import { startLocalStack } from "../../test/support/local-stack.mjs";
import { startModelServer } from "../../test/support/model-server.mjs";
import { startOpenClaw } from "../../test/support/openclaw-process.mjs";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const CONFIG_TEMPLATE = join(REPO_ROOT, "container/openclaw.json5");
export const ADMIN_KEY = "bench-admin-key";
export const PROVIDER_KEY = "bench-provider-key";

const cleanups = [];
let cleaning;

/** Registers `fn` to run at cleanup (newest first). */
export function onCleanup(fn) {
  cleanups.push(fn);
}

/** Runs every registered cleanup once; errors are reported, not thrown. */
export function cleanup() {
  cleaning ??= (async () => {
    while (cleanups.length) {
      const fn = cleanups.pop();
      try {
        await fn();
      } catch (error) {
        console.error(`cleanup: ${error?.message ?? error}`);
      }
    }
  })();
  return cleaning;
}

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping every process…`);
    cleanup().finally(() => process.exit(130));
  });
}

/** Model server → supervisor → Worker (LLM proxy pointing at the model server); `vars` added to the Worker's. */
export async function startPlatform(vars = {}) {
  const stack = await startLocalStack({
    adminKey: ADMIN_KEY,
    providerKey: PROVIDER_KEY,
    // Keep the limiter in the path but never trip it (100 SSE subscribers open at once).
    vars: { RATE_LIMIT_PER_MINUTE: "100000000", RATE_LIMIT_BURST: "100000000", ...vars },
    onStarted: onCleanup,
  });
  return { model: stack.model, supervisor: stack.supervisor, worker: stack.worker };
}

/**
 * The real-container setup of the e2e (needs the env scripts/e2e.sh prepares: Docker through
 * ../shared/tools/local-containers): the model server, the bridge forwarder the containers reach
 * the Worker's LLM proxy through, and `startWorker(vars)`, which (re)starts `wrangler dev
 * --enable-containers` with those vars (the container pool's size is a var, so a new size is a
 * restart; each start has a fresh local D1). Containers this run started are removed at cleanup.
 */
export async function startContainerPlatform() {
  const before = await containerIds();
  onCleanup(async () => removeContainers([...(await containerIds())].filter((id) => !before.has(id))));
  const model = await startModelServer();
  onCleanup(() => model.close());
  const port = await freePort();
  const bridge = bridgeHostAddress();
  const forwarder = await startBridgeForwarder(bridge, port);
  onCleanup(() => forwarder.close());
  // The pool containers' warm-up turn: the model server (the local stand-in intercepts nothing).
  const warmup = await startBridgeForwarder(bridge, Number(new URL(model.url).port));
  onCleanup(() => warmup.close());
  const dockerHost = await workerdDockerHost({ gateway: bridge });
  onCleanup(() => dockerHost.close());
  let worker;
  const stopWorker = async () => {
    const running = worker;
    worker = undefined;
    await running?.stop();
  };
  onCleanup(stopWorker);
  return {
    model,
    async startWorker(vars = {}) {
      await stopWorker();
      worker = await startContainerWorker({
        port,
        containerEngine: dockerHost.url,
        vars: {
          ADMIN_API_KEY: ADMIN_KEY,
          LOG_LEVEL: "warn",
          RATE_LIMIT_PER_MINUTE: "100000000",
          RATE_LIMIT_BURST: "100000000",
          LLM_UPSTREAM_BASE_URL: model.url,
          LLM_UPSTREAM_API_KEY: PROVIDER_KEY,
          RUNTIME_LLM_BASE_URL: `http://host.docker.internal:${forwarder.port}/llm/v1`,
          RUNTIME_POOL_WARMUP_BASE_URL: `http://host.docker.internal:${warmup.port}/v1`,
          ...vars,
        },
      });
      return worker;
    },
  };
}

/**
 * A gateway run directly (no supervisor, no Worker) against the model server, with the same
 * config template plus OpenClaw's `POST /v1/chat/completions` endpoint turned on. The
 * template is copied next to a small wrapper config that `$include`s it, so nothing in the
 * repo changes.
 */
export async function startDirectGateway(modelUrl, { token, sessionToken, readyTimeoutMs }) {
  const dir = await mkdtemp(join(tmpdir(), "clawplane-bench-config-"));
  onCleanup(() => rm(dir, { recursive: true, force: true }));
  await copyFile(CONFIG_TEMPLATE, join(dir, "base.json5"));
  // What the template includes from beside itself: no MCP servers, OpenClaw's default tools.
  await writeFile(join(dir, "clawplane-mcp.json"), "{}\n");
  await writeFile(join(dir, "clawplane-tools.json"), "{}\n");
  const config = {
    $include: "./base.json5",
    // OpenClaw checks gateway.mode in the config file itself, before resolving includes.
    gateway: {
      mode: "local",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: an OpenClaw env substitution, not JS
      auth: { mode: "token", token: "${OPENCLAW_GATEWAY_TOKEN}" },
      http: { endpoints: { chatCompletions: { enabled: true } } },
    },
  };
  await writeFile(join(dir, "openclaw.json5"), JSON.stringify(config));
  const gateway = await startOpenClaw({
    token,
    sessionToken,
    modelBaseUrl: modelUrl,
    env: { OPENCLAW_CONFIG_PATH: join(dir, "openclaw.json5") },
    readyTimeoutMs,
    waitForReady: false, // register the stop before the (long) boot, so a signal cleans it up
  });
  onCleanup(() => gateway.stop());
  await gateway.ready();
  return gateway;
}

/** RSS in MiB of the process group led by `pid` (gateway plus helpers), and of `pid` alone. */
export async function groupRssMiB(pid) {
  try {
    const { stdout } = await promisify(execFile)("ps", ["-eo", "pid=,pgid=,rss="]);
    let group = 0;
    let own = 0;
    for (const line of stdout.trim().split("\n")) {
      const [p, g, rss] = line.trim().split(/\s+/).map(Number);
      if (g === pid) group += rss;
      if (p === pid) own = rss;
    }
    return { ownMiB: own / 1024, groupMiB: group / 1024 };
  } catch {
    return undefined;
  }
}

/**
 * The origin of the Worker's own workerd socket under `wrangler dev` (Linux only), or undefined.
 *
 * `wrangler dev`'s port is its ProxyWorker, a second workerd process that forwards every request
 * and stream to the workerd running the Worker; production has no such hop (the edge hands a
 * request to the Worker's isolate). A client of this origin reaches the same Worker, D1 and
 * Durable Objects through Miniflare's own entry, so a session created through it (its
 * `apiOrigin`, which local runtimes call the LLM proxy at) skips wrangler's hop both ways.
 * Found as the listening socket of a workerd in wrangler's process group, other than the
 * front, that answers `GET /healthz` like the Worker.
 */
export async function workerdSocketOrigin(worker) {
  const { stdout } = await promisify(execFile)("ps", ["-eo", "pid=,pgid=,comm="]);
  const pids = stdout
    .trim()
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter(([, pgid, comm]) => Number(pgid) === worker.pid && comm === "workerd")
    .map(([pid]) => pid);
  const inodes = new Set();
  for (const pid of pids) {
    for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [])) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => "");
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode) inodes.add(inode);
    }
  }
  const ports = [];
  for (const line of (await readFile("/proc/net/tcp", "utf8").catch(() => "")).split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    // local address 127.0.0.1 (0100007F), state 0A = LISTEN, f[9] = inode
    if (f.length < 10 || f[3] !== "0A" || !f[1].startsWith("0100007F:") || !inodes.has(f[9])) continue;
    const port = Number.parseInt(f[1].split(":")[1], 16);
    if (port !== worker.port) ports.push(port);
  }
  for (const port of ports) {
    const origin = `http://127.0.0.1:${port}`;
    try {
      const res = await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok && (await res.json()).status === "ok") return origin;
    } catch {
      // another of workerd's sockets
    }
  }
  return undefined;
}
