/** Linux process introspection for tests that check what a runtime process was given. */
import { readFileSync } from "node:fs";

/** The environment a process was started with, as `NAME=value` strings. */
export function processEnvironment(pid) {
  return readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").filter(Boolean);
}
