/** Linux process introspection for tests that check what a runtime process was given. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The environment a process was started with, as `NAME=value` strings. */
export function processEnvironment(pid) {
  return readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").filter(Boolean);
}

/**
 * Scans every regular file under `dir` (a runtime's state: config, SQLite, logs) for `needle`.
 * @returns {{ scanned: number, found: string[] }} how many files were read, and those containing it
 */
export function filesContaining(dir, needle) {
  const found = [];
  let scanned = 0;
  const walk = (path) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const child = join(path, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) {
        scanned++;
        // latin1 keeps every byte, so binary files (SQLite pages) are searched too.
        if (readFileSync(child).toString("latin1").includes(needle)) found.push(child);
      }
    }
  };
  walk(dir);
  return { scanned, found };
}

/** A text file's content (e.g. a config file named in a process's environment). */
export function readText(path) {
  return readFileSync(path, "utf8");
}
