/** Linux process introspection for tests that check what a runtime process was given. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The environment a process was started with, as `NAME=value` strings. */
export function processEnvironment(pid) {
  return readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").filter(Boolean);
}

/**
 * Scans every regular file under `dir` (a runtime's state: config, SQLite, logs) for `needle`.
 * The gateway keeps writing while it is scanned: a file or folder it removes between the listing
 * and the read (e.g. a `.staging-*` copy of its UI assets being moved into place) is skipped, as
 * there is nothing left of it to hold the needle.
 * @returns {{ scanned: number, found: string[] }} how many files were read, and those containing it
 */
export function filesContaining(dir, needle) {
  const found = [];
  let scanned = 0;
  const walk = (path) => {
    for (const entry of ifStillThere(() => readdirSync(path, { withFileTypes: true })) ?? []) {
      const child = join(path, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) {
        // latin1 keeps every byte, so binary files (SQLite pages) are searched too.
        const content = ifStillThere(() => readFileSync(child).toString("latin1"));
        if (content === undefined) continue;
        scanned++;
        if (content.includes(needle)) found.push(child);
      }
    }
  };
  walk(dir);
  return { scanned, found };
}

/** `read()`, or undefined when what it reads was removed meanwhile (ENOENT); other errors throw. */
function ifStillThere(read) {
  try {
    return read();
  } catch (err) {
    if (err?.code === "ENOENT") return undefined;
    throw err;
  }
}

/** A text file's content (e.g. a config file named in a process's environment). */
export function readText(path) {
  return readFileSync(path, "utf8");
}
