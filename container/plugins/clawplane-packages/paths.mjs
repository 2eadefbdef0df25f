// Where a runtime's environment packages live, and the env that puts them within the agent's
// reach. The same for every session (nothing here depends on the package set), so it is set
// when the runtime boots: by container/entrypoint.sh (`eval "$(node paths.mjs)"`) and by the
// local runtime (test/support/openclaw-process.mjs). A set installed later is made usable by
// pointing `<packages dir>/active` at it (install.mjs); the agent's exec tool, whose commands
// inherit the gateway's env, then finds its binaries on PATH and its libraries on NODE_PATH,
// PYTHONPATH and GEM_PATH.
//
//   node paths.mjs    prints `export NAME='value'` lines for CLAWPLANE_PACKAGES_DIR and PATH

import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The symlink to the cache entry of the set this runtime uses. */
export function activeDir(packagesDir) {
  return join(packagesDir, "active");
}

/** Each manager's install root inside a set's directory (a cache entry). */
export const LAYOUT = {
  npm: "npm",
  pip: "pip",
  gem: "gem",
  cargo: "cargo",
  go: "go",
};

/** The env entries that make the active set usable; `basePath` is the PATH they extend. */
export function packageEnv(packagesDir, basePath) {
  const active = activeDir(packagesDir);
  const bins = [
    join(active, LAYOUT.npm, "node_modules", ".bin"),
    join(active, LAYOUT.pip, "bin"),
    join(active, LAYOUT.gem, "bin"),
    join(active, LAYOUT.cargo, "bin"),
    join(active, LAYOUT.go, "bin"),
  ];
  return {
    PATH: [...bins, basePath].filter(Boolean).join(":"),
    NODE_PATH: join(active, LAYOUT.npm, "node_modules"),
    PYTHONPATH: join(active, LAYOUT.pip),
    // The trailing separator keeps RubyGems' default paths after ours.
    GEM_PATH: `${join(active, LAYOUT.gem)}:`,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = process.env.CLAWPLANE_PACKAGES_DIR;
  if (!dir) {
    console.error("paths.mjs: CLAWPLANE_PACKAGES_DIR is not set");
    process.exit(78);
  }
  const quote = (value) => `'${String(value).replaceAll("'", "'\\''")}'`;
  for (const [name, value] of Object.entries(packageEnv(dir, process.env.PATH ?? ""))) {
    process.stdout.write(`export ${name}=${quote(value)}\n`);
  }
}
