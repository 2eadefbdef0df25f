#!/usr/bin/env node
/**
 * Cold-boot benchmark: a local OpenClaw gateway started the way the runtime supervisor starts
 * one (test/support/openclaw-process.mjs, Clawplane's config and plugins, the shared compile
 * cache), spawn → `/readyz` and its first turn, for start options side by side in one run, boots
 * interleaved so the machine's load hits every variant alike:
 *
 *   before              the gateway config as it was: OpenClaw's Control UI on (its assets are
 *                       written into the state dir right after `ready`) and session-store
 *                       cleanup enforced (a SQLite maintenance worker at the first session write)
 *   now                 container/openclaw.json5 as it is
 *   pre-migrated state  now, each gateway started on a copy of a state database that a booted
 *                       gateway migrated, with its per-gateway keys removed (lib/state-template.mjs)
 *
 * (The compile-cache figures in README "Performance" came from this benchmark's earlier variants,
 * commit e5ea928.)
 *
 * The first turn is a streamed `POST /v1/chat/completions` to the gateway itself (enabled by a
 * wrapper config, as in bench/sessions.mjs) against the deterministic model server: first
 * token and done, from the request. The gateway's own startup trace
 * (OPENCLAW_GATEWAY_STARTUP_TRACE) is summed per phase, to show where a boot goes.
 *
 *   node bench/cold-boot.mjs [--boots 3]        (npm run bench:cold-boot)
 *
 * One gateway runs at a time; each is stopped (and its state dir removed) before the next.
 */
import { execFile } from "node:child_process";
import { copyFile, cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";
import { startModelServer } from "../test/support/model-server.mjs";
import { startOpenClaw } from "../test/support/openclaw-process.mjs";
import { openChatCompletionStream } from "./lib/sse.mjs";
import { cleanup, onCleanup } from "./lib/stack.mjs";
import { ms, row, summary } from "./lib/stats.mjs";

const { values: args } = parseArgs({ options: { boots: { type: "string", default: "3" } } });
const BOOTS = Number(args.boots);
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const TOKEN = "bench-cold-boot-token";
const TURN_TIMEOUT_MS = 180_000;
const log = (line) => console.error(`[bench] ${line}`);

/**
 * Each variant: `config`, keys over Clawplane's config (the wrapper config, later wins), and
 * `template`, start on a copy of the pre-migrated state (made from the warm-up boot).
 */
function variants() {
  return [
    {
      label: "before",
      config: { gateway: { controlUi: { enabled: true } }, session: { maintenance: { mode: "enforce" } } },
    },
    { label: "now", config: {} },
    { label: "pre-migrated state", config: {}, template: true },
  ];
}

/** The wrapper config of a variant: Clawplane's template, the chat endpoint, the variant's keys. */
async function writeVariantConfig(dir, variant) {
  const path = join(dir, `openclaw.${variant.label.replaceAll(" ", "-")}.json5`);
  const { gateway = {}, ...rest } = variant.config;
  await writeFile(
    path,
    JSON.stringify({
      $include: "./base.json5",
      ...rest,
      // OpenClaw checks gateway.mode in the config file itself, before resolving includes.
      gateway: {
        mode: "local",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: an OpenClaw env substitution, not JS
        auth: { mode: "token", token: "${OPENCLAW_GATEWAY_TOKEN}" },
        http: { endpoints: { chatCompletions: { enabled: true } } },
        ...gateway,
      },
    }),
  );
  return path;
}

/** Node 24 for the template step (node:sqlite), as openclaw-process.mjs picks it. */
function node24() {
  return Number(process.versions.node.split(".")[0]) >= 24
    ? process.execPath
    : join(REPO_ROOT, "node_modules/.bin/node");
}

/**
 * One boot and its first turn. `stateDir`: the gateway's state dir (kept after stop); default a
 * fresh one, removed on stop.
 */
async function boot(configPath, modelUrl, stateDir) {
  const gateway = await startOpenClaw({
    token: TOKEN,
    modelBaseUrl: modelUrl,
    stateDir,
    env: { OPENCLAW_CONFIG_PATH: configPath, OPENCLAW_GATEWAY_STARTUP_TRACE: "1" },
    readyTimeoutMs: 300_000, // a loaded 2-core machine
    waitForReady: false,
  });
  onCleanup(() => gateway.stop());
  try {
    await gateway.ready();
    const turnStart = performance.now();
    const sub = await openChatCompletionStream(gateway.origin, TOKEN, "bench-cold-boot", "hello after boot");
    const first = await sub.waitFor((e) => Boolean(e.data?.choices?.[0]?.delta?.content), TURN_TIMEOUT_MS);
    const done = await sub.waitFor((e) => e.data === "[DONE]", TURN_TIMEOUT_MS);
    sub.close();
    return {
      bootMs: gateway.bootMs,
      firstMs: first.at - turnStart,
      doneMs: done.at - turnStart,
      trace: startupTrace(gateway.logs()),
    };
  } finally {
    await gateway.stop();
  }
}

/** `startup trace: <phase> <n>ms` lines of OpenClaw's gateway startup trace, by phase. */
function startupTrace(logs) {
  const phases = new Map();
  for (const match of logs.matchAll(/startup trace: (\S+) ([\d.]+)ms/g)) {
    phases.set(match[1], (phases.get(match[1]) ?? 0) + Number(match[2]));
  }
  return phases;
}

function report(results, load) {
  const labels = [...results.keys()];
  const out = [
    "",
    `Gateway cold boot, ${BOOTS} boots per variant, interleaved (one gateway at a time)`,
    `load average at start ${load.start.map((l) => l.toFixed(2)).join(" ")}, ` +
      `at end ${load.end.map((l) => l.toFixed(2)).join(" ")} (2 cores; shared machine)`,
    "",
    row(
      "median ms",
      labels.map((l) => l.padStart(20)),
    ),
  ];
  for (const [label, key] of [
    ["spawn → /readyz", "bootMs"],
    ["first turn: first token", "firstMs"],
    ["first turn: done", "doneMs"],
  ]) {
    out.push(
      row(
        label,
        labels.map((l) => ms(summary(results.get(l).map((r) => r[key])).p50, 20)),
      ),
    );
  }
  // The slowest phases of the gateway's own startup trace (median over boots, first variant's order).
  const phaseMedian = (label, phase) => summary(results.get(label).map((r) => r.trace.get(phase) ?? 0)).p50;
  const phases = [...new Set(results.get(labels[0]).flatMap((r) => [...r.trace.keys()]))]
    .sort((a, b) => phaseMedian(labels[0], b) - phaseMedian(labels[0], a))
    .slice(0, 12);
  if (phases.length) {
    out.push("", "slowest startup-trace phases (median ms; phases overlap, so they do not sum to the boot)");
    for (const phase of phases) {
      out.push(
        row(
          `  ${phase}`,
          labels.map((l) => ms(phaseMedian(l, phase), 20)),
        ),
      );
    }
  }
  console.log(out.join("\n"));
}

try {
  const load = { start: loadavg() };
  const model = await startModelServer();
  onCleanup(() => model.close());
  const dir = await mkdtemp(join(tmpdir(), "clawplane-bench-cold-"));
  onCleanup(() => rm(dir, { recursive: true, force: true }));
  // Clawplane's config plus the gateway's own chat completions endpoint, for the first turn
  // (copied beside a wrapper per variant that includes it, as bench/lib/stack.mjs does; no MCP,
  // default tools).
  await copyFile(join(REPO_ROOT, "container/openclaw.json5"), join(dir, "base.json5"));
  await writeFile(join(dir, "clawplane-mcp.json"), "{}\n");
  await writeFile(join(dir, "clawplane-tools.json"), "{}\n");
  const list = variants();
  const configs = new Map();
  for (const variant of list) configs.set(variant.label, await writeVariantConfig(dir, variant));
  // One boot first, unmeasured: it fills the shared compile cache as any first gateway on a
  // machine (or the image's bake step) does, and its state becomes the pre-migrated template.
  log("warm-up boot…");
  const bootedState = join(dir, "booted-state");
  await boot(configs.get(list[1].label), model.url, bootedState);
  const template = join(dir, "state-template");
  await promisify(execFile)(node24(), [
    join(REPO_ROOT, "bench/lib/state-template.mjs"),
    bootedState,
    template,
  ]);
  const results = new Map(list.map((v) => [v.label, []]));
  for (let i = 0; i < BOOTS; i++) {
    for (const variant of list) {
      let stateDir;
      if (variant.template) {
        stateDir = join(dir, `state-${i}`);
        await cp(template, stateDir, { recursive: true });
      }
      const result = await boot(configs.get(variant.label), model.url, stateDir);
      if (stateDir) await rm(stateDir, { recursive: true, force: true });
      results.get(variant.label).push(result);
      log(
        `${variant.label} ${i + 1}/${BOOTS}: ready ${ms(result.bootMs, 0)} ms, first token ${ms(result.firstMs, 0)} ms`,
      );
    }
  }
  load.end = loadavg();
  report(results, load);
} catch (error) {
  console.error(`benchmark failed: ${error?.stack ?? error}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
