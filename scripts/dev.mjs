#!/usr/bin/env node
/**
 * `npm run dev`: the whole product locally, without Docker, in one command.
 *
 * 1. Makes sure `.dev.vars` holds an ADMIN_API_KEY (generates a random one the first time).
 * 2. Applies the D1 migrations to the local database.
 * 3. Starts the local runtime supervisor (one real OpenClaw gateway per session, on 127.0.0.1),
 *    standing in for Cloudflare Containers, which workerd cannot run here.
 * 4. Starts `wrangler dev` pointed at it (extra arguments pass through: `npm run dev -- --port 9000`).
 *
 * Model calls go through the Worker's LLM proxy to the provider configured in `.dev.vars`
 * (LLM_UPSTREAM_BASE_URL + LLM_UPSTREAM_API_KEY, OPENAI_API_KEY or ANTHROPIC_API_KEY).
 */
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";

const DEV_VARS = ".dev.vars";
const SUPERVISOR_START_TIMEOUT_MS = 15_000;

function ensureAdminKey() {
  const text = existsSync(DEV_VARS) ? readFileSync(DEV_VARS, "utf8") : "";
  const match = /^ADMIN_API_KEY=(.+)$/m.exec(text);
  if (match) return { key: match[1].trim(), created: false };
  const key = `cpk_admin_${randomBytes(24).toString("base64url")}`;
  writeFileSync(DEV_VARS, `${text}${text && !text.endsWith("\n") ? "\n" : ""}ADMIN_API_KEY=${key}\n`, {
    mode: 0o600,
  });
  return { key, created: true };
}

/** Starts the supervisor and resolves with the origin it prints as its first JSON line. */
function startSupervisor() {
  const child = spawn(process.execPath, ["scripts/runtime-supervisor.mjs"], {
    stdio: ["pipe", "pipe", "inherit"],
  });
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

const { key, created } = ensureAdminKey();
const migrate = spawnSync("wrangler", ["d1", "migrations", "apply", "DB", "--local"], {
  stdio: ["ignore", "inherit", "inherit"],
  env: { ...process.env, CI: "true" }, // no interactive confirmation
});
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

const supervisor = await startSupervisor();
console.log(`\nClawplane admin API key (${created ? "new, saved in" : "from"} ${DEV_VARS}): ${key}`);
console.log(`Local agent runtimes: ${supervisor.origin} (one OpenClaw process per session)\n`);
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
