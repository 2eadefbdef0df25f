/**
 * Marker files for tests that must prove a command did (or did not) run: the command writes
 * the file, the test checks it on disk. The local runtimes share this machine's filesystem.
 */
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A fresh path under the temp dir, unique per call. */
export function markerPath(label) {
  return join(tmpdir(), `clawplane-${label}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`);
}

/** Whether the command that should write `path` ran. */
export function markerExists(path) {
  return existsSync(path);
}
