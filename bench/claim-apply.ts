/**
 * Claim-apply benchmark: ways of making a running pool gateway one session's, side by side on
 * one gateway in one sitting (README, "Where a warm start goes").
 *
 * 1. Today's layout (the root config `$include`s the template and clawplane-session.json): does
 *    OpenClaw's `config.patch` accept a claim's change at all? (It does not: it refuses to
 *    flatten the root `$include`, CONFIG_INCLUDE_OWNERSHIP.)
 * 2. A gateway whose root config is one flat JSON file (template + pool document merged, as a
 *    pool member would have to boot for `config.patch` to work), warmed with one turn, then a
 *    series of claim documents (new gateway token, session token, tool policy, system prompt),
 *    rotating three ways:
 *      file         the merged document written to the root file, done at OpenClaw's
 *                   `config hot reload applied` line (the watcher path both claim endpoints use);
 *      patch        `config.patch` over the operator WebSocket with the hash read before (as a
 *                   member would at warm-up), done when the RPC returns;
 *      patch-http   the same over the admin HTTP RPC (`POST /api/v1/admin/rpc`), what a claim
 *                   endpoint beside the gateway could call without an operator WebSocket;
 *      file-token   like `file`, but only the gateway token and session token change (no plugin
 *                   entry): what the plugin re-registration costs of a reload.
 *    After each apply a turn is sent at once and must reach the model with the new session
 *    token (and the new system prompt where it changed): an apply that returned before its
 *    config was live fails the run.
 *
 *   npx tsx bench/claim-apply.ts [--rounds 3]   (npm run bench:claim-apply)
 *
 * Run it under the runtime lock: it boots two gateways one after the other (~1 GB each).
 */
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { DeviceIdentity } from "../src/runtime/openclaw/device-identity";
import { GatewayClient } from "../src/runtime/openclaw/gateway-client";
import { openSocket } from "../test/runtime/support";
import { answerWarmupCompletion, POOL_DOCUMENT_DEFAULTS, warmupTurn } from "../scripts/runtime-pool.mjs";
import { type OpenClawProcess, startOpenClaw } from "../test/support/openclaw-process.mjs";
import { ms, row, summary } from "./lib/stats.mjs";

const { values: args } = parseArgs({ options: { rounds: { type: "string", default: "3" } } });
const ROUNDS = Number(args.rounds);
const RELOAD_APPLIED = "config hot reload applied";
const log = (line: string) => console.error(`[bench:claim-apply] ${line}`);
// OpenClaw's own JSON5 parser dependency (the template is JSON5).
const JSON5 = createRequire(new URL("../container/package.json", import.meta.url))("json5");

// The model double: records each request's bearer and non-user messages, answers "ok".
const seen: { auth?: string; context: string }[] = [];
const model = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
    const context = JSON.stringify((body.messages ?? []).filter((m: { role: string }) => m.role !== "user"));
    seen.push({ auth: req.headers.authorization, context });
    answerWarmupCompletion(body, res);
  });
});
await new Promise<void>((resolve) => model.listen(0, "127.0.0.1", () => resolve()));
const modelUrl = `http://127.0.0.1:${(model.address() as { port: number }).port}/v1`;
const poolDocument = {
  ...POOL_DOCUMENT_DEFAULTS,
  gateway: { http: { endpoints: { chatCompletions: { enabled: true } } } },
};

type Doc = {
  gateway: { auth: { mode: string; token: string } };
  models: { providers: { clawplane: { baseUrl: string; apiKey: string } } };
  plugins?: unknown;
};
function claimDocument(n: string, plugins: boolean): Doc {
  return {
    gateway: { auth: { mode: "token", token: `gw-${n}-${randomBytes(6).toString("hex")}` } },
    models: {
      providers: {
        clawplane: { baseUrl: modelUrl, apiKey: `session-${n}-${randomBytes(6).toString("hex")}` },
      },
    },
    ...(plugins
      ? {
          plugins: {
            entries: {
              "clawplane-tool-policy": { config: { policy: { claim: n } } },
              "clawplane-system-prompt": { config: { text: `MARK-${n}` } },
            },
          },
        }
      : {}),
  };
}

const merge = (a: unknown, b: unknown): unknown => {
  const plain = (v: unknown): v is Record<string, unknown> =>
    !!v && typeof v === "object" && !Array.isArray(v);
  if (!plain(a) || !plain(b)) return b;
  const out: Record<string, unknown> = { ...a };
  for (const [key, value] of Object.entries(b)) out[key] = merge(a[key], value);
  return out;
};

async function operator(gateway: OpenClawProcess, token: string): Promise<GatewayClient> {
  const client = new GatewayClient({
    connect: () => openSocket(`ws://127.0.0.1:${gateway.port}/`),
    token,
    identity: await DeviceIdentity.generate(),
  });
  await client.connect();
  return client;
}

/** One turn as the pool's warm-up sends it (the supervisor pool's own request), under `key`. */
async function turn(gateway: OpenClawProcess, token: string, key?: string) {
  const before = seen.length;
  await warmupTurn(gateway.origin, token, { sessionKey: key, text: "hi" });
  return seen.slice(before);
}

function nextLine(gateway: OpenClawProcess, text: string): Promise<number> {
  return new Promise((resolve) => {
    const stop = gateway.onLine((line: string) => {
      if (line.includes(text)) {
        stop();
        resolve(Date.now());
      }
    });
  });
}

const load = [loadavg()[0]];

// 1. Today's layout.
let includeLayout = "";
{
  const token = randomBytes(12).toString("hex");
  const gateway = await startOpenClaw({
    token,
    modelBaseUrl: modelUrl,
    env: { CLAWPLANE_SESSION_CONFIG: JSON.stringify(poolDocument) },
  });
  try {
    const client = await operator(gateway, token);
    const base = await client.request<{ hash: string }>("config.get", {});
    includeLayout = await client
      .request("config.patch", { raw: JSON.stringify(claimDocument("x", true)), baseHash: base.hash })
      .then(
        () => "accepted",
        (error: Error) => `refused: ${error.message.slice(0, 160)}`,
      );
    client.close();
  } finally {
    await gateway.stop();
  }
  log(`include layout: config.patch ${includeLayout}`);
}

// 2. A flat root config, the three ways rotating.
const results: Record<string, number[]> = { file: [], patch: [], "patch-http": [], "file-token": [] };
const reloadSplit: Record<string, number[]> = { file: [], patch: [], "patch-http": [], "file-token": [] };
const files: string[] = [];
{
  let token = randomBytes(12).toString("hex");
  const gateway = await startOpenClaw({
    token,
    modelBaseUrl: modelUrl,
    waitForReady: false,
    env: { CLAWPLANE_SESSION_CONFIG: JSON.stringify(poolDocument) },
  });
  // Replaced before OpenClaw reads it (it loads its config seconds after spawn).
  const root = `${gateway.configDir}/openclaw.json`;
  const template = JSON5.parse(readFileSync(new URL("../container/openclaw.json5", import.meta.url), "utf8"));
  template.tools = { exec: template.tools.exec };
  template.mcp = {};
  writeFileSync(root, JSON.stringify(merge(template, poolDocument), null, 2));
  await gateway.ready();
  log(`flat gateway ready in ${gateway.bootMs} ms`);
  const changes: [number, string][] = [];
  gateway.onLine((line: string) => {
    if (line.includes("config change detected")) changes.push([Date.now(), line]);
  });
  try {
    await turn(gateway, token);
    const ways = ["patch", "file", "patch-http", "file-token"] as const;
    for (let r = 0; r < ROUNDS * ways.length; r++) {
      const way = ways[r % ways.length];
      const n = String(r);
      const doc = claimDocument(n, way !== "file-token");
      const client = await operator(gateway, token);
      const base = await client.request<{ hash: string }>("config.get", {});
      await new Promise((resolve) => setTimeout(resolve, 1_500)); // the previous apply's echo settles
      const mark = changes.length;
      const applied = nextLine(gateway, RELOAD_APPLIED);
      const started = Date.now();
      if (way === "patch") {
        await client.request(
          "config.patch",
          { raw: JSON.stringify(doc), baseHash: base.hash },
          { timeoutMs: 30_000 },
        );
      } else if (way === "patch-http") {
        const res = await fetch(`${gateway.origin}/api/v1/admin/rpc`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({
            method: "config.patch",
            params: { raw: JSON.stringify(doc), baseHash: base.hash },
          }),
        });
        const body = await res.text();
        if (!res.ok) log(`patch-http ${n}: HTTP ${res.status} ${body.slice(0, 200)}`);
      } else {
        writeFileSync(root, JSON.stringify(merge(JSON.parse(readFileSync(root, "utf8")), doc), null, 2));
        await applied;
      }
      results[way].push(Date.now() - started);
      const detected = changes[mark]?.[0];
      if (detected) reloadSplit[way].push(detected - started);
      client.close();
      token = doc.gateway.auth.token;
      const calls = await turn(gateway, token, `agent:main:check-${n}`);
      const last = calls.at(-1);
      const live =
        last?.auth === `Bearer ${doc.models.providers.clawplane.apiKey}` &&
        (way === "file-token" || last.context.includes(`MARK-${n}`));
      if (!live)
        throw new Error(`${way} ${n}: the turn right after the apply did not run with the new config`);
      await applied;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      if (changes.length - mark > 1) log(`${way} ${n}: the watcher reloaded again after the apply`);
    }
    for (const name of readdirSync(gateway.stateDir).filter((f) => f.startsWith("openclaw.json"))) {
      const text = readFileSync(`${gateway.stateDir}/${name}`, "utf8");
      files.push(`${name} (${(text.match(/session-\d+-[0-9a-f]{12}/g) ?? []).length} session tokens)`);
    }
  } finally {
    await gateway.stop();
    model.close();
  }
}
load.push(loadavg()[0]);

console.log(
  `\nclaim → config applied, ms (load ${load[0].toFixed(1)} → ${load[1].toFixed(1)}; ${ROUNDS} per way, one gateway)`,
);
console.log(
  row(
    "",
    ["n", "min", "p50", "max", "→ change seen p50"].map((h, i) => h.padStart(i < 4 ? 9 : 20)),
  ),
);
for (const [label, key] of [
  ["file write → reload applied", "file"],
  ["config.patch → RPC returned", "patch"],
  ["config.patch over HTTP → returned", "patch-http"],
  ["file write, no plugin change", "file-token"],
] as const) {
  const s = summary(results[key]);
  const split = summary(reloadSplit[key]);
  console.log(row(label, [String(s.n).padStart(9), ms(s.min), ms(s.p50), ms(s.max), ms(split.p50, 20)]));
}
console.log(`today's include layout: config.patch ${includeLayout}`);
console.log(`config files after (flat gateway): ${files.join(", ")}`);
