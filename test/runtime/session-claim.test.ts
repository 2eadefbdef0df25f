/**
 * The container's claim endpoint (container/session-claim.mjs) as the image serves it beside the
 * workspace archive (`CLAWPLANE_POOL_MEMBER=1`): no gateway needed. The gateway's part (the
 * `config hot reload applied` line) is written to the log file by the test at the moment
 * OpenClaw would, after the document landed; the container pool's e2e runs it against the real
 * gateway (test/e2e/container-pool.e2e.test.ts).
 */
import { spawn } from "node:child_process";
import { appendFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

const SCRIPT = join(process.cwd(), "container", "workspace-archive.mjs");
const POOL_TOKEN = "pool-token-for-the-claim-test";
const SESSION_TOKEN = "session-gateway-token";

let dir: string;
let child: ReturnType<typeof spawn> | undefined;

afterEach(async () => {
  child?.kill("SIGKILL");
  child = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** Starts the container's port-18790 server on a free port, as a pool member's image runs it. */
async function serve(): Promise<{ origin: string; configDir: string; workspace: string; logFile: string }> {
  dir = await mkdtemp(join(tmpdir(), "session-claim-"));
  const configDir = join(dir, "app");
  const workspace = join(dir, "workspace");
  const state = join(dir, "state");
  await mkdir(configDir, { recursive: true });
  await mkdir(workspace, { recursive: true });
  await mkdir(join(state, "logs"), { recursive: true });
  const logFile = join(state, "logs", "openclaw.log");
  await writeFile(logFile, '{"msg":"gateway ready"}\n');
  const port = 20000 + Math.floor(Math.random() * 20000);
  child = spawn(process.execPath, [SCRIPT], {
    env: {
      ...process.env,
      CLAWPLANE_POOL_MEMBER: "1",
      CLAWPLANE_CONFIG_DIR: configDir,
      CLAWPLANE_WORKSPACE_DIR: workspace,
      CLAWPLANE_WORKSPACE_PORT: String(port),
      OPENCLAW_STATE_DIR: state,
      OPENCLAW_GATEWAY_TOKEN: POOL_TOKEN,
    },
    stdio: "ignore",
  });
  const origin = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const up = await fetch(`${origin}/state`).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (i > 200) throw new Error("the archive server did not listen");
    await new Promise((r) => setTimeout(r, 25));
  }
  return { origin, configDir, workspace, logFile };
}

const claim = (origin: string, token: string, body: unknown) =>
  fetch(`${origin}/session`, {
    method: "PUT",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });

describe("the pool claim endpoint", () => {
  it("writes the session's document, answers once the gateway logged the reload, then takes only the session's token", async () => {
    const { origin, configDir, workspace, logFile } = await serve();
    await writeFile(join(workspace, "warmup-leftover.txt"), "from the warm-up turn");
    const document = { gateway: { auth: { mode: "token", token: SESSION_TOKEN } } };
    const sessionFile = join(configDir, "clawplane-session.json");
    // OpenClaw: notices the file, logs the reload ~1 s later.
    const gateway = (async () => {
      for (;;) {
        const written = await stat(sessionFile).then(
          () => true,
          () => false,
        );
        if (written) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await new Promise((r) => setTimeout(r, 300));
      await appendFile(logFile, '{"msg":"[reload] config hot reload applied (gateway.auth.token)"}\n');
    })();
    const res = await claim(origin, POOL_TOKEN, { document, gateway_token: SESSION_TOKEN });
    await gateway;
    expect(res.status).toBe(200);
    expect(((await res.json()) as { apply_ms: number }).apply_ms).toBeGreaterThanOrEqual(300);
    expect(JSON.parse(await readFile(sessionFile, "utf8"))).toEqual(document);
    // The warm-up turn's files are gone: the session starts with an empty workspace.
    const state = await fetch(`${origin}/state`, { headers: { authorization: `Bearer ${SESSION_TOKEN}` } });
    expect(state.status).toBe(200);
    expect(((await state.json()) as { files: number }).files).toBe(0);
    // The pool token opens nothing any more; a second claim is refused (single use).
    const old = await fetch(`${origin}/state`, { headers: { authorization: `Bearer ${POOL_TOKEN}` } });
    expect(old.status).toBe(401);
    const again = await claim(origin, SESSION_TOKEN, { document, gateway_token: "another" });
    expect(again.status).toBe(409);
  });

  it("refuses a claim without the pool token, and a body that is not a claim", async () => {
    const { origin, configDir } = await serve();
    expect((await claim(origin, "wrong", { document: {}, gateway_token: "x" })).status).toBe(401);
    expect((await claim(origin, POOL_TOKEN, { document: {} })).status).toBe(400);
    await expect(stat(join(configDir, "clawplane-session.json"))).rejects.toThrow();
  });
});
