// The Teleport connector: the one process that holds the bot's identity and runs `tbot` and
// `tsh`. In production it runs in the connector's container (container/beams-connector/Dockerfile);
// locally and in tests it is this process, started like the
// runtime supervisor. Its only caller is the org's TeleportConnectorDO (src/beams/connector-do.ts),
// authenticated with a shared bearer token; no agent's container can reach it.
//
// HTTP (JSON; every request needs `authorization: Bearer <token>`):
//   POST /configure {proxy, bot_name, credential:{type:"join_token"|"identity", secret}}
//        → {bot_identity}; join_token: (re)starts `tbot start identity` and waits for its file
//   POST /runs {run_id, command[], timeout_seconds, publish}
//        → NDJSON stream: {"type":"created",id,uuid,owner} {"type":"exec_started"}
//          {"type":"stdout",text}… {"type":"published",url} {"type":"exited",code,timed_out}
//          {"type":"removed"} {"type":"failed",message} — the beam is always removed at the end
//   DELETE /runs/:run_id → stops that run's exec (the stream then reports and removes the beam)
//   GET /beams → `tsh beams ls --format=json`;  DELETE /beams/:id → `tsh beams rm <id>`
//
//   node scripts/beams-connector.mjs   (PORT, HOST, BEAMS_CONNECTOR_TOKEN, TSH, TBOT, BEAMS_STATE_DIR)

import { spawn } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Output is passed on in pieces of at most this many characters. */
const STDOUT_PIECE = 16_384;

export async function startBeamsConnector(opts) {
  const { token, tsh, tbot, stateDir, env: extraEnv = {} } = opts;
  mkdirSync(stateDir, { recursive: true });
  const identityDir = join(stateDir, "machine-id");
  const identityFile = join(identityDir, "identity");
  let config = null;
  let tbotProc = null;
  const runs = new Map();
  let dead = false;

  const childEnv = { ...process.env, ...extraEnv };
  const tshArgs = (...args) => ["-i", identityFile, "--proxy", config.proxy, ...args];

  function runTsh(args, onStdout, run) {
    // After a crash (close()) nothing more runs: no cleanup, as in a killed process.
    if (dead) return Promise.resolve({ code: 137, out: "", err: "the connector stopped", child: null });
    return new Promise((resolve) => {
      const child = spawn(tsh, tshArgs(...args), { env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      let err = "";
      child.stdout.setEncoding("utf8").on("data", (d) => {
        if (onStdout) onStdout(d);
        else out += d;
      });
      child.stderr.setEncoding("utf8").on("data", (d) => {
        err += d;
      });
      child.on("error", (e) => resolve({ code: 127, out, err: e.message, child }));
      child.on("close", (code) => resolve({ code: code ?? 1, out, err: err.trim(), child }));
      run?.children.add(child);
    });
  }

  async function configure(body) {
    if (!body?.proxy || !body?.bot_name || !body?.credential?.secret)
      throw Object.assign(new Error("proxy, bot_name and credential are required"), { status: 400 });
    config = { proxy: body.proxy, bot: body.bot_name };
    tbotProc?.kill("SIGTERM");
    tbotProc = null;
    mkdirSync(identityDir, { recursive: true, mode: 0o700 });
    // A file left from an earlier configure does not count: wait for tbot's first write.
    rmSync(identityFile, { force: true });
    if (body.credential.type === "identity") {
      writeFileSync(identityFile, body.credential.secret, { mode: 0o600 });
    } else {
      const started = Date.now();
      tbotProc = spawn(
        tbot,
        [
          "start",
          "identity",
          `--proxy-server=${body.proxy}`,
          "--join-method=token",
          `--token=${body.credential.secret}`,
          `--destination=${identityDir}`,
          `--bot=${body.bot_name}`,
          ...(opts.tbotArgs ?? []),
        ],
        { env: childEnv, stdio: ["ignore", "ignore", "pipe"] },
      );
      let err = "";
      tbotProc.stderr.setEncoding("utf8").on("data", (d) => (err += d));
      const exited = new Promise((r) => tbotProc.once("exit", r));
      while (!existsSync(identityFile)) {
        const done = await Promise.race([
          exited.then(() => true),
          new Promise((r) => setTimeout(() => r(false), 50)),
        ]);
        if (done) throw Object.assign(new Error(`tbot could not join: ${err.trim()}`), { status: 502 });
        if (Date.now() - started > 30_000)
          throw Object.assign(new Error("tbot wrote no identity in 30 s"), { status: 504 });
      }
    }
    return { bot_identity: `bot-${body.bot_name}` };
  }

  async function runBeam(body, send) {
    const run = { children: new Set(), cancelled: false, timedOut: false };
    runs.set(body.run_id, run);
    let beam = null;
    try {
      const add = await runTsh(["beams", "add", "--no-console", "--format=json"]);
      if (add.code !== 0)
        return send({ type: "failed", stage: "add", message: add.err || `tsh exited ${add.code}` });
      beam = JSON.parse(add.out);
      send({ type: "created", id: beam.id, uuid: beam.uuid, owner: beam.owner });
      if (run.cancelled) return;
      if (body.publish) {
        const pub = await runTsh(["beams", "publish", beam.id, "--format=json"]);
        if (pub.code === 0) send({ type: "published", url: JSON.parse(pub.out).url });
      }
      send({ type: "exec_started", at: Date.now() });
      const timer = setTimeout(() => {
        run.timedOut = true;
        for (const c of run.children) c.kill("SIGTERM");
      }, body.timeout_seconds * 1000);
      const exec = await runTsh(
        ["beams", "exec", beam.id, "--", ...body.command],
        (text) => {
          for (let i = 0; i < text.length; i += STDOUT_PIECE)
            send({ type: "stdout", text: text.slice(i, i + STDOUT_PIECE) });
        },
        run,
      );
      clearTimeout(timer);
      send({
        type: "exited",
        code: exec.code,
        timed_out: run.timedOut,
        cancelled: run.cancelled,
        stderr: exec.err.slice(-2000),
      });
    } finally {
      // Published beams are removed too: Clawplane never leaves a beam to live out its TTL.
      if (beam) {
        const rm = await runTsh(["beams", "rm", beam.id]);
        send(
          rm.code === 0
            ? { type: "removed", id: beam.id }
            : { type: "remove_failed", id: beam.id, message: rm.err },
        );
      }
      runs.delete(body.run_id);
    }
  }

  const server = createServer(async (req, res) => {
    const reply = (status, value) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    };
    if (req.headers.authorization !== `Bearer ${token}`) return reply(401, { error: "unauthorized" });
    const url = new URL(req.url, "http://connector");
    let raw = "";
    for await (const chunk of req) raw += chunk;
    const body = raw ? JSON.parse(raw) : null;
    try {
      if (req.method === "POST" && url.pathname === "/configure") return reply(200, await configure(body));
      if (!config) return reply(409, { error: "not configured" });
      if (req.method === "POST" && url.pathname === "/runs") {
        res.writeHead(200, { "content-type": "application/x-ndjson" });
        await runBeam(body, (event) => res.write(`${JSON.stringify(event)}\n`));
        return res.end();
      }
      const runMatch = url.pathname.match(/^\/runs\/([^/]+)$/);
      if (req.method === "DELETE" && runMatch) {
        const run = runs.get(runMatch[1]);
        if (run) {
          run.cancelled = true;
          for (const c of run.children) c.kill("SIGTERM");
        }
        return reply(200, { stopped: Boolean(run) });
      }
      if (req.method === "GET" && url.pathname === "/beams") {
        const ls = await runTsh(["beams", "ls", "--format=json"]);
        return ls.code === 0 ? reply(200, JSON.parse(ls.out)) : reply(502, { error: ls.err });
      }
      const beamMatch = url.pathname.match(/^\/beams\/([^/]+)$/);
      if (req.method === "DELETE" && beamMatch) {
        const rm = await runTsh(["beams", "rm", decodeURIComponent(beamMatch[1])]);
        return rm.code === 0 ? reply(200, { removed: true }) : reply(502, { error: rm.err });
      }
      return reply(404, { error: "not found" });
    } catch (err) {
      if (!res.headersSent) return reply(err.status ?? 500, { error: err.message });
      res.end();
    }
  });
  // Loopback unless told otherwise: in its container image (HOST=0.0.0.0) the Durable Object's
  // container port reaches it; locally nothing but this machine should.
  await new Promise((r) => server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", r));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    /** Stops the process's work like a crash would: children killed, nothing cleaned up. */
    async close() {
      dead = true;
      tbotProc?.kill("SIGKILL");
      for (const run of runs.values()) for (const c of run.children) c.kill("SIGKILL");
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const c = await startBeamsConnector({
    port: Number(process.env.PORT ?? 8790),
    host: process.env.HOST ?? "127.0.0.1",
    token: process.env.BEAMS_CONNECTOR_TOKEN,
    tsh: process.env.TSH ?? "tsh",
    tbot: process.env.TBOT ?? "tbot",
    stateDir: process.env.BEAMS_STATE_DIR ?? "/var/lib/clawplane-connector",
  });
  console.log(`beams connector on ${c.url}`);
}
