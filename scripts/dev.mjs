#!/usr/bin/env node
/**
 * `npm run dev`: the API on workerd with a local D1, ready in one command.
 *
 * 1. Makes sure `.dev.vars` holds an ADMIN_API_KEY (generates a random one the first time).
 * 2. Applies the D1 migrations to the local database.
 * 3. Starts `wrangler dev` (extra arguments are passed through, e.g. `npm run dev -- --port 9000`).
 */
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

const DEV_VARS = ".dev.vars";

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

const { key, created } = ensureAdminKey();
const migrate = spawnSync("wrangler", ["d1", "migrations", "apply", "DB", "--local"], {
  stdio: ["ignore", "inherit", "inherit"],
  env: { ...process.env, CI: "true" }, // no interactive confirmation
});
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

console.log(`\nClawplane admin API key (${created ? "new, saved in" : "from"} ${DEV_VARS}): ${key}\n`);
const dev = spawn("wrangler", ["dev", ...process.argv.slice(2)], { stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code) => process.exit(code ?? 0));
