// Test plumbing around the tsh double: a connector (scripts/beams-connector.mjs) wired to the
// doubles in this folder, and a small HTTP door for what tests inside workerd cannot do
// themselves — look at the tenant as Teleport sees it, or leave a beam behind the way a crashed
// connector would.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startBeamsConnector } from "../../../scripts/beams-connector.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
export const TSH_DOUBLE = join(HERE, "tsh.mjs");
export const TBOT_DOUBLE = join(HERE, "tbot.mjs");
export const BEAM_BIN = join(HERE, "beam-bin");

/**
 * Starts a connector on the doubles, plus the tenant door. `rateWindowMs` shortens the double's
 * rate window (TSH_DOUBLE_RATE_WINDOW_MS); the Worker's BEAMS_RATE_WINDOW_SECONDS must match.
 */
export async function startTeleportTenant({
  token = "connector-test-token",
  tbotArgs = [],
  rateWindowMs,
} = {}) {
  const dir = mkdtempSync(join(tmpdir(), "clawplane-teleport-"));
  const env = {
    TSH_DOUBLE_STATE: join(dir, "tenant"),
    TSH_DOUBLE_BEAM_BIN: BEAM_BIN,
    ...(rateWindowMs ? { TSH_DOUBLE_RATE_WINDOW_MS: String(rateWindowMs) } : {}),
  };
  const startConnector = (port) =>
    startBeamsConnector({
      token,
      tsh: TSH_DOUBLE,
      tbot: TBOT_DOUBLE,
      stateDir: join(dir, "connector"),
      env,
      tbotArgs,
      port,
    });
  let connector = await startConnector(0);
  const port = Number(new URL(connector.url).port);
  let down = false;
  const identity = join(dir, "stray-identity");
  const run = promisify(execFile);
  const tsh = async (...args) => {
    const { writeFileSync } = await import("node:fs");
    writeFileSync(identity, `bot=clawplane\nexpires=${Date.now() + 3_600_000}\n`);
    const { stdout } = await run(TSH_DOUBLE, ["-i", identity, "--proxy", "acme.teleport.sh:443", ...args], {
      env: { ...process.env, ...env },
    });
    return stdout;
  };
  const door = createServer(async (req, res) => {
    try {
      if (req.url === "/refused") {
        const state = JSON.parse(readFileSync(join(env.TSH_DOUBLE_STATE, "beams.json"), "utf8"));
        return res
          .writeHead(200, { "content-type": "application/json" })
          .end(JSON.stringify(state.refused ?? 0));
      }
      const out =
        req.url === "/beams"
          ? await tsh("beams", "ls", "--format=json")
          : await tsh("beams", "add", "--no-console", "--format=json");
      res.writeHead(200, { "content-type": "application/json" }).end(out);
    } catch (err) {
      res.writeHead(502).end(String(err.stderr ?? err));
    }
  });
  await new Promise((r) => door.listen(0, "127.0.0.1", r));
  return {
    connectorUrl: connector.url,
    token,
    doorUrl: `http://127.0.0.1:${door.address().port}`,
    identityFile: join(dir, "connector", "machine-id", "identity"),
    /** The connector dies as in a crash: its children killed, its beams left in the tenant. */
    async killConnector() {
      down = true;
      await connector.close();
    },
    /** A new connector process on the same port, knowing nothing (as a restarted container). */
    async restartConnector() {
      connector = await startConnector(port);
      down = false;
    },
    async close() {
      if (!down) await connector.close();
      await new Promise((r) => door.close(r));
    },
  };
}
