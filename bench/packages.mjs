#!/usr/bin/env node
/**
 * Environment packages benchmark: a cold install of a package set and the same set restored
 * from the cache, side by side, on the full session path with real parts (SDK → Worker under
 * `wrangler dev` → SessionDO → local OpenClaw gateway → Clawplane's packages plugin → the real
 * npm registry), measured the way a user sees it: `span.packages_install_end.duration_ms` of
 * the first turn of fresh sessions in one environment, plus the whole first turn (send → idle).
 *
 *   node bench/packages.mjs [--npm is-number@7.0.0,lodash@4.17.21] [--cached 2] [--direct]
 *   (npm run bench:packages)
 *
 * `--direct` measures the installer alone (container/plugins/clawplane-packages/install.mjs, the
 * code the plugin runs), without the Worker or a gateway: fresh cache dirs for each cold round,
 * then the same set from that cache. Seconds instead of minutes, and no gateway memory.
 *
 * The first session installs into an empty cache (its own temp dir, removed at the end); the
 * `--cached` sessions after it find the set there. Sessions run one after another (each boots its
 * own ~1 GB gateway, archived after its turn); every process is stopped at the end, on failure
 * and on SIGINT/SIGTERM. Needs the npm registry (or `npm_config_registry`) to be reachable.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import Anthropic from "@anthropic-ai/sdk";
import { installPackageSet } from "../container/plugins/clawplane-packages/install.mjs";
import { sendAndWait } from "../test/support/turns.mjs";
import { ADMIN_KEY, cleanup, onCleanup, startPlatform } from "./lib/stack.mjs";
import { ms, row } from "./lib/stats.mjs";

/** A cold turn includes a gateway boot (12–25 s on 2 vCPU, more under load) and the install. */
const TURN_TIMEOUT_MS = 600_000;

const { values } = parseArgs({
  options: {
    npm: { type: "string", default: "is-number@7.0.0,lodash@4.17.21,semver@7.6.3" },
    cached: { type: "string", default: "2" },
    direct: { type: "boolean", default: false },
  },
});
const npm = values.npm.split(",").filter(Boolean);
const cachedRuns = Number(values.cached);

const log = (line) => console.error(`[bench] ${line}`);

/** The installer alone: a cold install into an empty cache, then `--cached` restores from it. */
async function direct() {
  const dir = await mkdtemp(join(tmpdir(), "clawplane-bench-packages-direct-"));
  onCleanup(() => rm(dir, { recursive: true, force: true }));
  const options = {
    key: "b".repeat(64),
    packages: { npm },
    packagesDir: join(dir, "runtime"),
    cacheDir: join(dir, "cache"),
    env: { ...process.env, HOME: join(dir, "home") },
  };
  const rows = [];
  for (let i = 0; i <= cachedRuns; i++) {
    const started = performance.now();
    const outcome = await installPackageSet(options);
    if (outcome.result === "failed") throw new Error(`the install failed: ${JSON.stringify(outcome.error)}`);
    rows.push({ result: outcome.result, installMs: performance.now() - started });
  }
  console.log(`\nnpm packages: ${npm.join(", ")} (the installer alone, no gateway)\n`);
  console.log(row("run", ["result".padStart(10), "install ms".padStart(12)], 12));
  for (const [i, r] of rows.entries()) {
    console.log(row(String(i + 1), [r.result.padStart(10), ms(r.installMs, 12)], 12));
  }
  return rows;
}

async function main() {
  if (values.direct) return summarize(await direct());
  // An empty cache of this run's own, read by every local gateway the supervisor starts.
  const cacheDir = await mkdtemp(join(tmpdir(), "clawplane-bench-packages-"));
  process.env.CLAWPLANE_PACKAGES_CACHE_DIR = cacheDir;
  onCleanup(() => rm(cacheDir, { recursive: true, force: true }));

  log("starting model server, supervisor and Worker…");
  const { worker } = await startPlatform();
  const client = new Anthropic({ apiKey: ADMIN_KEY, baseURL: worker.origin, maxRetries: 0 });
  const environment = await client.beta.environments.create({
    name: `bench-packages-${Date.now()}`,
    config: { type: "cloud", packages: { npm } },
  });
  const agent = await client.beta.agents.create({ name: "bench packages", model: "claude-sonnet-4-6" });

  const rows = [];
  for (let i = 0; i <= cachedRuns; i++) {
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    log(`session ${i + 1}/${cachedRuns + 1}: first turn…`);
    const sent = Date.now();
    const events = await sendAndWait(client, session.id, "hi", { timeoutMs: TURN_TIMEOUT_MS });
    const turnMs = Date.now() - sent;
    const end = events.find((e) => e.type === "span.packages_install_end");
    if (!end || end.result === "failed") {
      throw new Error(`the install did not succeed: ${JSON.stringify(end?.error ?? events.at(-1))}`);
    }
    const boot = events.find((e) => e.type === "span.runtime_ready");
    rows.push({ result: end.result, installMs: end.duration_ms, bootMs: boot?.ready_ms ?? NaN, turnMs });
    await client.beta.sessions.archive(session.id).catch(() => {});
  }

  console.log(`\nnpm packages: ${npm.join(", ")} (one environment, fresh sessions, local runtime)\n`);
  console.log(
    row(
      "session",
      [
        "result".padStart(10),
        "install ms".padStart(12),
        "boot ms".padStart(10),
        "first turn ms".padStart(15),
      ],
      12,
    ),
  );
  for (const [i, r] of rows.entries()) {
    const cells = [r.result.padStart(10), ms(r.installMs, 12), ms(r.bootMs, 10), ms(r.turnMs, 15)];
    console.log(row(String(i + 1), cells, 12));
  }
  summarize(rows);
}

/** The cold install against the best cached one. */
function summarize(rows) {
  const cold = rows[0].installMs;
  const cached = rows.slice(1).map((r) => r.installMs);
  if (cached.length > 0) {
    const best = Math.min(...cached);
    console.log(
      `\ncold install ${ms(cold, 0)} ms, cached ${ms(best, 0)} ms (best of ${cached.length}): ${(cold / Math.max(best, 1)).toFixed(0)}x faster`,
    );
  }
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => cleanup());
