/**
 * Starts the Worker under `wrangler dev` on 127.0.0.1 with a throw-away local D1 (migrations
 * applied first) and the given vars, and waits until /healthz answers. Used by the runtime
 * tests (which need the Worker on a real port, so OpenClaw can reach its LLM proxy) and the
 * benchmarks. Run under the repo's Node 24 (npm scripts / npx put it on PATH).
 */

import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** wrangler dev builds the Worker and boots workerd: allow for a slow, loaded machine. */
const READY_TIMEOUT_MS = 90_000;
const READY_POLL_MS = 200;
/** SIGINT lets wrangler dev clean up (containers included) before it is killed. */
const STOP_GRACE_MS = 10_000;

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * @param {{ vars?: Record<string, string>, port?: number, configPath?: string, args?: string[],
 *   env?: Record<string, string>, readyTimeoutMs?: number, stopGraceMs?: number }} [options]
 *   `configPath`: a wrangler config other than ./wrangler.toml; `args`: extra `wrangler dev`
 *   flags; `env`: added to wrangler's environment
 * @returns {Promise<{ origin: string, port: number, pid: number, readyMs: number,
 *   logs: () => string, stop: () => Promise<void> }>}
 */
export async function startWorker(options = {}) {
  const state = mkdtempSync(join(tmpdir(), "clawplane-worker-"));
  const port = options.port ?? (await freePort());
  const config = options.configPath ? ["-c", options.configPath] : [];
  const env = { ...process.env, ...options.env, CI: "true" };
  const migrate = spawnSync(
    "wrangler",
    ["d1", "migrations", "apply", "DB", "--local", ...config, "--persist-to", state],
    {
      env,
      encoding: "utf8",
    },
  );
  if (migrate.status !== 0) throw new Error(`migrations failed:\n${migrate.stdout}\n${migrate.stderr}`);

  const startedAt = Date.now();
  // A fresh keyring per Worker unless the caller brings one: vaults and idempotency records
  // are encrypted with it, and a fresh clone has no .dev.vars to supply one.
  const vars = { VAULT_ENCRYPTION_KEYS: `ktest:${randomBytes(32).toString("base64")}`, ...options.vars };
  const varArgs = Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]);
  const child = spawn(
    "wrangler",
    [
      "dev",
      ...config,
      ...(options.args ?? []),
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--persist-to",
      state,
      "--show-interactive-dev-session=false",
      ...varArgs,
    ],
    { stdio: ["ignore", "pipe", "pipe"], detached: true, env },
  );
  let output = "";
  // CLAWPLANE_WORKER_LOG=<file> keeps everything wrangler dev prints, for debugging a run.
  const tee = process.env.CLAWPLANE_WORKER_LOG ? createWriteStream(process.env.CLAWPLANE_WORKER_LOG) : null;
  const collect = (d) => {
    output += d;
    tee?.write(d);
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      try {
        process.kill(-child.pid, "SIGINT"); // lets wrangler stop its containers too
      } catch {
        // already gone
      }
      let timer;
      await Promise.race([
        exited,
        new Promise((r) => (timer = setTimeout(r, options.stopGraceMs ?? STOP_GRACE_MS))),
      ]);
      clearTimeout(timer);
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // exited cleanly
      }
    }
    rmSync(state, { recursive: true, force: true });
  };

  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? READY_TIMEOUT_MS);
  for (;;) {
    try {
      if ((await fetch(`${origin}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(`wrangler dev did not become ready:\n${output.slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, READY_POLL_MS));
  }
  return { origin, port, pid: child.pid, readyMs: Date.now() - startedAt, logs: () => output, stop };
}
