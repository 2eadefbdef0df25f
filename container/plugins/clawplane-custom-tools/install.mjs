// Writes this session's copy of the custom-tools plugin (run once before the gateway starts,
// by container/entrypoint.sh and by the local runtime, test/support/openclaw-process.mjs).
//
// OpenClaw 2026.9 loads a plugin's tools only if its manifest names each of them in
// `contracts.tools`, and the names are the agent's own (its CMA custom tools), so the manifest
// cannot ship in the image: it is written here, per session, beside a copy of the plugin code
// and `tools.json`, the definitions the plugin registers (from CLAWPLANE_CUSTOM_TOOLS, JSON
// `[{name, description, input_schema}]`, built by the Worker: src/session/custom-tools.ts).
//
//   node install.mjs <target-dir>      (reads CLAWPLANE_CUSTOM_TOOLS from the environment)

import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));

/** The tool definitions in `raw` (JSON); anything unusable is dropped, never half-registered. */
export function parseCustomTools(raw) {
  let parsed;
  try {
    parsed = JSON.parse(raw || "[]");
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  return parsed.filter(
    (t) =>
      t &&
      typeof t.name === "string" &&
      t.name &&
      typeof t.description === "string" &&
      t.input_schema &&
      typeof t.input_schema === "object",
  );
}

/** Writes the plugin (code, tools.json, manifest naming the tools) into `target`. */
export async function installCustomTools(target, raw) {
  const tools = parseCustomTools(raw);
  await mkdir(target, { recursive: true });
  await copyFile(join(HERE, "index.mjs"), join(target, "index.mjs"));
  await copyFile(join(HERE, "package.json"), join(target, "package.json"));
  await writeFile(join(target, "tools.json"), `${JSON.stringify(tools)}\n`);
  const manifest = {
    id: "clawplane-custom-tools",
    name: "Clawplane custom tools",
    description: "The agent's custom tools: each call is answered by the API client.",
    activation: { onStartup: true },
    configSchema: { type: "object", additionalProperties: false },
    contracts: { tools: tools.map((t) => t.name) },
  };
  await writeFile(join(target, "openclaw.plugin.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  return tools;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const target = process.argv[2];
  if (!target) {
    console.error("usage: node install.mjs <target-dir>");
    process.exit(64);
  }
  await installCustomTools(target, process.env.CLAWPLANE_CUSTOM_TOOLS);
}
