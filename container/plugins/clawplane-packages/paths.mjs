// Where a runtime's environment packages live, and the env that puts them within the agent's
// reach. The same for every session (nothing here depends on the package set), so it is set
// when the runtime boots: by container/entrypoint.sh (`eval "$(node paths.mjs)"`) and by the
// local runtime (test/support/openclaw-process.mjs). A set installed later is made usable by
// pointing `<packages dir>/active` at it (install.mjs); the agent's exec tool, whose commands
// inherit the gateway's PATH, then finds the set's binaries. Libraries are found through HOME,
// not env: OpenClaw's exec drops NODE_PATH, PYTHONPATH and GEM_PATH from what its commands
// inherit (its host env security policy), so install.mjs links `~/.node_modules` (on Node's
// global module path) and writes a `.pth` file into Python's user site instead.
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
    // For the gateway's own children; the agent's commands do not inherit it (see above), so
    // installed gems' binstubs work but `require` from the agent's ruby does not find them.
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
