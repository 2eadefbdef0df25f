#!/usr/bin/env node
/**
 * Fails when src/db/schema.ts has changes that no migration in migrations/ captures, so a
 * schema edit cannot land without its SQL. Runs drizzle-kit against a scratch copy of the
 * migrations folder and reports whether it would have generated anything.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";

const scratch = mkdtempSync(join(tmpdir(), "clawplane-migrations-"));
try {
  cpSync("migrations", join(scratch, "migrations"), { recursive: true });
  const before = readdirSync(join(scratch, "migrations")).length;
  // drizzle-kit resolves `out` against the working directory, so it must be relative.
  const config = join(scratch, "drizzle.config.mjs");
  writeFileSync(
    config,
    `export default { dialect: "sqlite", schema: ${JSON.stringify(resolve("src/db/schema.ts"))}, out: ${JSON.stringify(relative(process.cwd(), join(scratch, "migrations")))} };\n`,
  );
  const run = spawnSync("drizzle-kit", ["generate", "--config", config], { encoding: "utf8" });
  if (run.status !== 0) {
    console.error(run.stdout, run.stderr);
    process.exit(1);
  }
  const after = readdirSync(join(scratch, "migrations")).length;
  if (after !== before) {
    console.error(
      "src/db/schema.ts has changes without a migration: run `npm run db:generate` and commit migrations/.",
    );
    process.exit(1);
  }
  console.log("migrations are in sync with src/db/schema.ts");
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
