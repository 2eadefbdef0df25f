/**
 * Harness for the end-to-end test with REAL Cloudflare Containers under `wrangler dev`:
 *
 * - `startContainerWorker` runs the Worker with `--enable-containers` (wrangler.toml keeps
 *   containers off for ordinary dev), so each session's Durable Object builds and starts the
 *   image from container/Dockerfile through the local Docker engine;
 * - `startBridgeForwarder` is the container's way back to the Worker: the Worker listens on
 *   127.0.0.1 only, so a TCP forwarder on the Docker bridge's host address (what the
 *   container's `host.docker.internal` resolves to) relays to it. Traffic stays between this
 *   host and its own containers; nothing listens on any other interface;
 * - Docker helpers that list, watch and remove only the containers this run started.
 *
 * Plain Node (no build step); needs the env that local-containers/setup.sh prints
 * (WRANGLER_DOCKER_BIN, MINIFLARE_CONTAINER_EGRESS_IMAGE, WRANGLER_DOCKER_HOST).
 */
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { networkInterfaces, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { startWorker } from "../../support/worker-process.mjs";

const run = promisify(execFile);

/** wrangler dev builds the image before it serves: a cold build (npm ci + bake) takes minutes. */
export const WORKER_READY_TIMEOUT_MS = 15 * 60_000;
/** SIGINT lets wrangler remove its containers (~15 s); SIGKILL after this. */
const WORKER_STOP_GRACE_MS = 30_000;
/** Docker CLI calls are local and quick; a hung engine must not hang the test. */
const DOCKER_CALL_TIMEOUT_MS = 30_000;
/** The name of Docker's default bridge on the host; `host-gateway` resolves to its address. */
const DOCKER_BRIDGE_INTERFACE = "docker0";

/** The docker client to use: setup.sh's shim when set, else `docker` on PATH. */
export function dockerBin() {
  return process.env.WRANGLER_DOCKER_BIN || "docker";
}

/** Runs the docker CLI; resolves with trimmed stdout. */
export async function docker(...args) {
  const { stdout } = await run(dockerBin(), args, { timeout: DOCKER_CALL_TIMEOUT_MS, maxBuffer: 16 << 20 });
  return stdout.trim();
}

/** Whether a Docker engine answers (not just a CLI on PATH). */
export function dockerUsable() {
  const r = spawnSync(dockerBin(), ["info", "--format", "{{.ServerVersion}}"], {
    encoding: "utf8",
    timeout: DOCKER_CALL_TIMEOUT_MS,
  });
  return r.status === 0 && r.stdout.trim() !== "";
}

/** Ids of all containers (running or not) known to the engine. */
export async function containerIds() {
  const out = await docker("ps", "-aq", "--no-trunc");
  return new Set(out ? out.split("\n") : []);
}

/** `docker inspect` of one container, or null when it is gone. */
export async function inspect(id) {
  try {
    return JSON.parse(await docker("inspect", id))[0] ?? null;
  } catch {
    return null;
  }
}

/** Force-removes the given containers; returns the ids that were still present. */
export async function removeContainers(ids) {
  const present = [...ids].filter((id) => id);
  if (present.length === 0) return [];
  const removed = [];
  for (const id of present) {
    try {
      await docker("rm", "-f", id);
      removed.push(id);
    } catch {
      // already gone
    }
  }
  return removed;
}

/**
 * The host address containers reach as `host.docker.internal` (Docker's `host-gateway`,
 * by default the address of the docker0 bridge).
 */
export function bridgeHostAddress() {
  const up = networkInterfaces()[DOCKER_BRIDGE_INTERFACE]?.find((a) => a.family === "IPv4");
  if (up) return up.address;
  // Node lists only interfaces that are up; docker0 is down (no carrier) until a container
  // attaches to it, but its address is assigned and can be bound.
  const r = spawnSync("ip", ["-4", "-o", "addr", "show", "dev", DOCKER_BRIDGE_INTERFACE], {
    encoding: "utf8",
  });
  const match = /inet (\d+\.\d+\.\d+\.\d+)\//.exec(r.stdout ?? "");
  if (!match) throw new Error(`no IPv4 address on ${DOCKER_BRIDGE_INTERFACE}: is dockerd running?`);
  return match[1];
}

/** A free TCP port on `host`. */
export function freePort(host = "127.0.0.1") {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, host, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Listens on `listenHost` (an ephemeral port) and pipes every connection to
 * 127.0.0.1:`targetPort`. Counts connections so a test can prove the path was used.
 * @returns {Promise<{ host: string, port: number, connections: () => number, close: () => Promise<void> }>}
 */
export function startBridgeForwarder(listenHost, targetPort) {
  let count = 0;
  const sockets = new Set();
  const server = createServer((inbound) => {
    count += 1;
    const outbound = createConnection({ host: "127.0.0.1", port: targetPort });
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
    }
    inbound.on("error", () => outbound.destroy());
    outbound.on("error", () => inbound.destroy());
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, listenHost, () => {
      resolve({
        host: listenHost,
        port: server.address().port,
        connections: () => count,
        close: () =>
          new Promise((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/** Paths in wrangler.toml that are relative to it (rewritten, every occurrence, when the config is copied). */
const RELATIVE_PATH_KEYS = ["main", "image", "image_build_context", "migrations_dir"];
/**
 * The tailnet connector's image built with its transport double: no Tailscale download (these
 * machines cannot reach it). `image_vars` is wrangler's `[[containers]]` key for Docker build
 * args, passed as `--build-arg` by `wrangler dev` and `wrangler deploy` alike.
 */
const TAILNET_DOUBLE_IMAGE_VARS = 'image_vars = { TAILNET_TRANSPORT = "loopback_double" }';

/**
 * Writes a copy of the repo's wrangler.toml into `dir` with containers enabled and, when
 * given, `container_engine` set. Needed because wrangler 4.164 ignores WRANGLER_DOCKER_HOST
 * (and any engine) when the config says `enable_containers = false`, even with
 * `--enable-containers`: workerd then always uses /var/run/docker.sock.
 * @param {{ tailnetConnector?: boolean }} [options] `tailnetConnector`: keep the tailnet
 *   connector's container, its image built with the transport double (else only the sessions')
 * @returns the path of the copy
 */
export function writeContainerConfig(repoRoot, dir, containerEngine, options = {}) {
  let text = readFileSync(join(repoRoot, "wrangler.toml"), "utf8");
  // Only the containers whose images build here: wrangler dev builds every [[containers]] image
  // before it serves. The sessions' containers (a session's own and the warm pool's) share one
  // image. The Teleport connector's image is built with its doubles of tsh and tbot instead of
  // Teleport's release (its TELEPORT_DOUBLES build argument, through wrangler's image_vars). The
  // tailnet connector's default build downloads Tailscale's release, which these machines cannot
  // reach: it is kept only when asked for, and then built with the double (TAILNET_DOUBLE_IMAGE_VARS).
  text = text.replace(/^\[\[containers\]\]\n(?:(?!\[)[^\n]*\n)*/gm, (block) => {
    if (/^class_name\s*=\s*"(SessionDO|RuntimePoolMember)"/m.test(block)) return block;
    if (/^class_name\s*=\s*"TeleportConnectorDO"/m.test(block))
      return block.replace(/^image_vars\s*=.*$/m, 'image_vars = { TELEPORT_DOUBLES = "1" }');
    if (options.tailnetConnector && /^class_name\s*=\s*"TailnetConnectorDO"/m.test(block))
      return `${block.replace(/^image_vars\s*=.*\n/m, "").trimEnd()}\n${TAILNET_DOUBLE_IMAGE_VARS}\n\n`;
    return "";
  });
  for (const key of RELATIVE_PATH_KEYS) {
    // Every occurrence: several container classes name an image and a build context.
    const re = new RegExp(`^(${key}\\s*=\\s*)"([^"]+)"`, "gm");
    if (!re.test(text)) throw new Error(`wrangler.toml has no ${key} = "..." line to rewrite`);
    text = text.replace(re, (_m, lhs, path) => `${lhs}${JSON.stringify(resolve(repoRoot, path))}`);
  }
  const flag = /^enable_containers\s*=\s*\w+/m;
  if (!flag.test(text)) throw new Error("wrangler.toml has no [dev] enable_containers line");
  const engine = containerEngine ? `\ncontainer_engine = ${JSON.stringify(containerEngine)}` : "";
  text = text.replace(flag, `enable_containers = true${engine}`);
  const path = join(dir, "wrangler.toml");
  writeFileSync(path, `# Generated by test/e2e/support/containers.mjs: do not edit.\n${text}`);
  return path;
}

/**
 * Starts `wrangler dev --enable-containers` on 127.0.0.1 with a throw-away local D1 and waits
 * for /healthz (the image is built before wrangler serves, so this includes the build).
 * @param {{ vars?: Record<string, string>, env?: Record<string, string>, port?: number,
 *   containerEngine?: string, readyTimeoutMs?: number, tailnetConnector?: boolean }} [options]
 *   `env` is added to wrangler's environment; `containerEngine` (a unix:// Docker host) is the
 *   engine workerd uses; `tailnetConnector` keeps the tailnet connector's container (double build)
 */
export async function startContainerWorker(options = {}) {
  const configDir = mkdtempSync(join(tmpdir(), "clawplane-e2e-"));
  const worker = await startWorker({
    vars: options.vars,
    env: options.env,
    port: options.port,
    configPath: writeContainerConfig(process.cwd(), configDir, options.containerEngine, {
      tailnetConnector: options.tailnetConnector,
    }),
    args: ["--enable-containers"],
    readyTimeoutMs: options.readyTimeoutMs ?? WORKER_READY_TIMEOUT_MS,
    stopGraceMs: WORKER_STOP_GRACE_MS,
  }).catch((err) => {
    rmSync(configDir, { recursive: true, force: true });
    throw err;
  });
  return {
    ...worker,
    async stop() {
      await worker.stop();
      rmSync(configDir, { recursive: true, force: true });
    },
  };
}

/** Polls `condition` until it returns a truthy value or `timeoutMs` passes. */
export async function pollUntil(condition, { timeoutMs, intervalMs = 250, what = "condition" }) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
