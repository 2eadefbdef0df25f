#!/usr/bin/env node
/**
 * `npm run dev`: the whole product locally, without Docker, in one command.
 *
 * 1. Makes sure `.dev.vars` holds an ADMIN_API_KEY and a VAULT_ENCRYPTION_KEYS keyring
 *    (generates random ones the first time).
 * 2. Applies the D1 migrations to the local database.
 * 3. Starts the local runtime supervisor (one real OpenClaw gateway per session, on 127.0.0.1),
 *    standing in for Cloudflare Containers, which workerd cannot run here, with a warm pool of
 *    one pre-booted gateway (at most two), so a new user's first session starts warm
 *    (CLAWPLANE_POOL_MIN / CLAWPLANE_POOL_MAX change it; 0 turns it off).
 * 4. Starts `wrangler dev` pointed at it (extra arguments pass through: `npm run dev -- --port 9000`).
 *
 * Model calls go through the Worker's LLM proxy to the provider configured in `.dev.vars`
 * (LLM_UPSTREAM_BASE_URL + LLM_UPSTREAM_API_KEY, OPENAI_API_KEY or ANTHROPIC_API_KEY).
 */
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { missingProviderWarning, parseDevVars, varArguments } from "./dev-providers.mjs";

const DEV_VARS = ".dev.vars";
const SUPERVISOR_START_TIMEOUT_MS = 15_000;

/** The value of `name` in .dev.vars, generated with `make` and saved when absent or empty. */
function ensureDevVar(name, make) {
  const text = existsSync(DEV_VARS) ? readFileSync(DEV_VARS, "utf8") : "";
  const match = new RegExp(`^${name}=(.*)$`, "m").exec(text);
  if (match?.[1].trim()) return { value: match[1].trim(), created: false };
  const value = make();
  const kept = match ? text.replace(match[0], "").replace(/\n\n+/g, "\n") : text;
  const sep = kept && !kept.endsWith("\n") ? "\n" : "";
  writeFileSync(DEV_VARS, `${kept}${sep}${name}=${value}\n`, { mode: 0o600 });
  return { value, created: true };
}

/** The dev pool: one warm gateway kept ready (~1.2 GB), at most two; the env overrides it. */
const DEV_POOL_MIN = process.env.CLAWPLANE_POOL_MIN ?? "1";
const DEV_POOL_MAX = process.env.CLAWPLANE_POOL_MAX ?? String(Math.max(2, Number(DEV_POOL_MIN) || 0));

/** Starts the supervisor and resolves with the origin it prints as its first JSON line. */
function startSupervisor() {
  const child = spawn(
    process.execPath,
    ["scripts/runtime-supervisor.mjs", "--pool-min", DEV_POOL_MIN, "--pool-max", DEV_POOL_MAX],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error("the runtime supervisor did not start")),
      SUPERVISOR_START_TIMEOUT_MS,
    );
    createInterface({ input: child.stdout }).once("line", (line) => {
      clearTimeout(timer);
      resolve({ child, origin: JSON.parse(line).origin });
    });
    child.once("exit", (code) => reject(new Error(`the runtime supervisor exited with ${code}`)));
  });
}

const admin = ensureDevVar("ADMIN_API_KEY", () => `cpk_admin_${randomBytes(24).toString("base64url")}`);
// The vault keyring, `key_id:base64(32 random bytes)`; the first entry encrypts (README, Vaults).
ensureDevVar("VAULT_ENCRYPTION_KEYS", () => `kdev:${randomBytes(32).toString("base64")}`);
const migrate = spawnSync("wrangler", ["d1", "migrations", "apply", "DB", "--local"], {
  stdio: ["ignore", "inherit", "inherit"],
  env: { ...process.env, CI: "true" }, // no interactive confirmation
});
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

// Where `wrangler dev` takes the provider settings from: wrangler.toml, .dev.vars and --var.
const providerWarning = missingProviderWarning([
  parseDevVars(readFileSync("wrangler.toml", "utf8")),
  parseDevVars(existsSync(DEV_VARS) ? readFileSync(DEV_VARS, "utf8") : ""),
  varArguments(process.argv.slice(2)),
]);
if (providerWarning) console.warn(`\n${providerWarning}\n`);

const supervisor = await startSupervisor();
console.log(
  `\nClawplane admin API key (${admin.created ? "new, saved in" : "from"} ${DEV_VARS}): ${admin.value}`,
);
console.log(
  `Local agent runtimes: ${supervisor.origin} (one OpenClaw process per session; warm pool ` +
    `${DEV_POOL_MIN}–${DEV_POOL_MAX}, status at ${supervisor.origin}/pool)\n`,
);
const dev = spawn(
  "wrangler",
  ["dev", "--var", `LOCAL_AGENT_ORIGIN:${supervisor.origin}`, ...process.argv.slice(2)],
  {
    stdio: "inherit",
  },
);
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    dev.kill(signal);
    supervisor.child.kill("SIGTERM");
  });
}
dev.on("exit", (code) => {
  supervisor.child.kill("SIGTERM");
  process.exit(code ?? 0);
});
