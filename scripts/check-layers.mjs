#!/usr/bin/env node
/**
 * Keeps src/ layered: every import runs from a higher floor to a lower one, or stays inside its
 * own unit (a folder of src/, or a file directly in src/). Units on the same floor never import
 * each other, so no two units can depend on each other both ways.
 *
 *   node scripts/check-layers.mjs          fails (exit 1) naming each import that runs upwards
 *   node scripts/check-layers.mjs --graph  also prints the unit import graph, floor by floor
 *
 * A new folder or top-level file has no floor until it is given one below: the check fails
 * until then, so where it sits is a decision, not an accident. README "Layout" explains the floors.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Lowest first. */
const FLOORS = [
  ["errors.ts", "config.ts"], // the error model and runtime configuration: import nothing
  ["lib"], // pure helpers: ids, crypto, keyring, redaction, logging, JSON shapes
  ["auth"], // principals and scopes
  ["schemas", "app-env.ts"], // the wire: zod schemas for the API, OpenAPI and the SDK
  ["domain"], // rules over wire values
  ["db"], // D1 tables and their queries
  ["vaults"], // credential storage and sealing
  ["egress", "llm", "rate-limit"], // policy and proxy cores, each behind a port
  ["runtime"], // where OpenClaw runs: local processes or containers, and its gateway protocol
  ["mcp", "beams", "peers"], // the MCP proxy core; delegation to Teleport Beams (runs, connector, queue); tailnet peers (store, A2A client, the tailnet transport)
  ["session"], // the session Durable Object and its parts
  ["planes", "openai"], // features built on sessions
  ["channels"], // chat channels: sessions per chat, spending a member's plane budget
  ["entrypoints", "a2a"], // the proxies' ports wired to sessions; the A2A server of our agents (inbound peers)
  ["middleware"], // HTTP layers of the API
  ["routes"], // HTTP routes
  ["app.ts", "retention.ts"], // the Hono app; the cron job
  ["index.ts"], // the Worker's entry
];

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "src");
const floorOf = new Map(FLOORS.flatMap((units, floor) => units.map((unit) => [unit, floor])));

/** The unit of a path relative to src/: its first folder, or the file itself. */
const unitOf = (relative) => relative.split("/")[0];

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.(ts|mts|js|mjs)$/.test(entry.name) && !entry.name.endsWith(".d.ts") ? [full] : [];
  });
}

// Static imports and re-exports (type-only ones too: a type is a dependency as well) and dynamic imports.
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["'](\.{1,2}\/[^"']+)["']/gm;

const problems = [];
const edges = new Map(); // "a -> b" → count
for (const file of sourceFiles(root)) {
  const from = path.relative(root, file).split(path.sep).join("/");
  const fromUnit = unitOf(from);
  if (!floorOf.has(fromUnit)) {
    problems.push(`${from}: src/${fromUnit} has no floor; add it to FLOORS in scripts/check-layers.mjs`);
    continue;
  }
  for (const match of readFileSync(file, "utf8").matchAll(IMPORT)) {
    const target = path
      .relative(root, path.resolve(path.dirname(file), match[1]))
      .split(path.sep)
      .join("/");
    if (target.startsWith("..")) continue; // outside src/ (e.g. the container's plugin sources)
    let toUnit = unitOf(target);
    if (!toUnit.includes(".") && !floorOf.has(toUnit) && floorOf.has(`${toUnit}.ts`)) toUnit = `${toUnit}.ts`;
    if (toUnit === fromUnit) continue;
    const key = `${fromUnit} -> ${toUnit}`;
    edges.set(key, (edges.get(key) ?? 0) + 1);
    const [a, b] = [floorOf.get(fromUnit), floorOf.get(toUnit)];
    if (b === undefined) problems.push(`${from}: imports ${match[1]}, whose unit src/${toUnit} has no floor`);
    else if (b >= a) {
      const why = b === a ? "a unit on the same floor" : "a higher floor";
      problems.push(`${from}: imports ${match[1]} (${toUnit}), ${why}`);
    }
  }
}

if (process.argv.includes("--graph")) {
  FLOORS.forEach((units, floor) => {
    for (const unit of units) {
      const out = [...edges.keys()].filter((k) => k.startsWith(`${unit} -> `)).map((k) => k.split(" -> ")[1]);
      console.log(
        `${String(floor).padStart(2)} ${unit.padEnd(13)} -> ${out.sort().join(", ") || "(nothing)"}`,
      );
    }
  });
}
if (problems.length > 0) {
  console.error(`Layering: ${problems.length} import(s) out of place\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log(`Layering: ${edges.size} unit edges, all downward`);
