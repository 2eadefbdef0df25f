/**
 * The built SDK (dist/) for tests that run it as a user would (the CLI binary, the packed
 * package). The node project's global setup: builds once before any of them start, so test
 * files running in parallel never rebuild dist/ under each other.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const sdkDir = fileURLToPath(new URL("../../", import.meta.url));
export const mainJs = join(sdkDir, "dist/cli/main.js");

/** What dist/ is built from: the SDK, its build script, and the Worker schemas its types derive from. */
const inputs = ["src", "build", "../src/schemas", "../src/errors.ts"].map((p) => join(sdkDir, p));

/** Newest modification time of `path` (recursive for a directory). */
async function newestMtime(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = 0;
  for (const entry of await readdir(path, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, (await stat(join(entry.parentPath, entry.name))).mtimeMs);
  }
  return newest;
}

/** `npm run check` builds before testing; a test run on its own builds if dist is missing or older than its inputs. */
export async function setup(): Promise<void> {
  const built = existsSync(mainJs) ? (await stat(mainJs)).mtimeMs : 0;
  const newest = Math.max(...(await Promise.all(inputs.map(newestMtime))));
  if (built > newest) return;
  execFileSync("npm", ["run", "build"], { cwd: sdkDir, stdio: "ignore" });
}
