#!/usr/bin/env node
// The workspace archive endpoint: how a session's Durable Object moves the agent's working
// directory out of a runtime (to durable storage) and back in (after the runtime was replaced).
// One implementation for both runtimes: the container runs it as a small server beside the
// gateway (entrypoint.sh, port 18790), and the local supervisor serves the same handler for
// each of its gateways (scripts/runtime-supervisor.mjs). The Worker side is
// src/session/workspace-store.ts.
//
//   GET  /state                      → {restored, fingerprint, bytes, files}
//   GET  /archive?max_bytes=N        → 200 the workspace as tar.gz (Content-Length, ETag = fingerprint,
//                                      x-workspace-bytes); 304 when If-None-Match is the fingerprint
//                                      (nothing changed since the last save); 413 {error, bytes,
//                                      max_bytes} over the cap; 409 before a restore
//   PUT  /archive (tar.gz or empty)  → extracts over the workspace, then {restored, fingerprint, bytes}
//
// Every request needs `Authorization: Bearer <OPENCLAW_GATEWAY_TOKEN>` (the runtime's own
// gateway token, which only its session's object holds).
//
// A fresh runtime's workspace is "not restored" until its object has put the saved archive (or
// an empty body: nothing saved yet) back: until then /archive refuses to read it, so an empty
// workspace can never overwrite the saved one.

import { spawn } from "node:child_process";
import { createHash, timingSafeEqual } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { lstat, mkdir, mkdtemp, readdir, readlink, rm, stat } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { createGunzip, createGzip } from "node:zlib";
import { startGitKeepWarm } from "./pool-git-keepwarm.mjs";
import { sessionClaimHandler } from "./session-claim.mjs";

/** Port of the standalone server inside the container (see WORKSPACE_PORT in src/runtime/agent-runtime.ts). */
export const WORKSPACE_ARCHIVE_PORT = 18790;
/** gzip level 1: workspaces hold code and text (which it still shrinks ~3–5×) and often already-compressed files; speed matters more. */
const GZIP_LEVEL = 1;

/**
 * The request handler for one runtime's workspace.
 * @param {{ dir: string, token: string | (() => string) }} options the workspace directory and the
 *   bearer it accepts (a function: the bearer of the moment, for a pool runtime a claim changes)
 * @returns {(req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse, path: string) => Promise<void>}
 */
export function workspaceArchiveHandler({ dir, token }) {
  let restored = false;
  return async (req, res, path) => {
    if (!authorized(req, typeof token === "function" ? token() : token))
      return reply(res, 401, { error: "missing or wrong bearer token" });
    const url = new URL(path, "http://workspace");
    if (req.method === "GET" && url.pathname === "/state") {
      const scan = await scanWorkspace(dir);
      return reply(res, 200, {
        restored,
        fingerprint: scan.fingerprint,
        bytes: scan.bytes,
        files: scan.files,
      });
    }
    if (req.method === "GET" && url.pathname === "/archive") {
      if (!restored) return reply(res, 409, { error: "the workspace has not been restored yet" });
      const maxBytes = Number(url.searchParams.get("max_bytes") ?? Number.POSITIVE_INFINITY);
      const scan = await scanWorkspace(dir);
      if (scan.bytes > maxBytes) {
        return reply(res, 413, {
          error: "workspace over its size cap",
          bytes: scan.bytes,
          max_bytes: maxBytes,
        });
      }
      if (req.headers["if-none-match"] === scan.fingerprint) {
        res.writeHead(304, { etag: scan.fingerprint });
        return res.end();
      }
      return sendArchive(dir, scan, res);
    }
    if (req.method === "PUT" && url.pathname === "/archive") {
      await mkdir(dir, { recursive: true });
      const length = Number(req.headers["content-length"] ?? "0");
      if (length > 0 || req.headers["transfer-encoding"]) await extract(req, dir);
      else req.resume();
      restored = true;
      const scan = await scanWorkspace(dir);
      return reply(res, 200, {
        restored,
        fingerprint: scan.fingerprint,
        bytes: scan.bytes,
        files: scan.files,
      });
    }
    return reply(res, 404, { error: `no route for ${req.method} ${url.pathname}` });
  };
}

/**
 * Size and fingerprint of a workspace: every entry's path, type, size, mode, mtime and link
 * target. Cheap (metadata only), so an unchanged workspace costs one scan and no archive.
 * `bytes` counts regular files' sizes: what the cap is about.
 */
export async function scanWorkspace(dir) {
  const hash = createHash("sha256");
  let bytes = 0;
  let files = 0;
  const walk = async (current) => {
    let entries;
    try {
      entries = await readdir(current, { withFileTypes: true });
    } catch (error) {
      if (error?.code === "ENOENT") return;
      throw error;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = join(current, entry.name);
      const info = await lstat(full);
      const rel = relative(dir, full);
      if (entry.isSymbolicLink()) {
        hash.update(`l\0${rel}\0${await readlink(full)}\n`);
      } else if (entry.isDirectory()) {
        hash.update(`d\0${rel}\0${info.mode}\n`);
        await walk(full);
      } else if (entry.isFile()) {
        bytes += info.size;
        files += 1;
        hash.update(`f\0${rel}\0${info.size}\0${info.mode}\0${info.mtimeMs}\n`);
      }
      // Sockets, FIFOs and devices are not saved (tar would refuse or block on them).
    }
  };
  await walk(dir);
  return { fingerprint: `"${hash.digest("hex").slice(0, 32)}"`, bytes, files };
}

/**
 * The archive is written to a temp file first, so the response has a Content-Length: the
 * Worker streams it straight into R2, which needs a body of known length.
 */
async function sendArchive(dir, scan, res) {
  const scratch = await mkdtemp(join(tmpdir(), "clawplane-workspace-"));
  const file = join(scratch, "workspace.tar.gz");
  try {
    const tar = spawn("tar", ["-c", "-f", "-", "-C", dir, "."], { stdio: ["ignore", "pipe", "pipe"] });
    const stderr = collect(tar.stderr);
    const exited = new Promise((resolve) => tar.once("close", resolve));
    await pipeline(tar.stdout, createGzip({ level: GZIP_LEVEL }), createWriteStream(file));
    const code = await exited;
    // 1 = "some files changed while being read": the agent is still writing; the archive is
    // still a usable snapshot, and the next save (fingerprint changed) takes the rest.
    if (code !== 0 && code !== 1) throw new Error(`tar exited ${code}: ${stderr()}`);
    const { size } = await stat(file);
    res.writeHead(200, {
      "content-type": "application/gzip",
      "content-length": String(size),
      etag: scan.fingerprint,
      "x-workspace-bytes": String(scan.bytes),
      "x-workspace-files": String(scan.files),
    });
    await pipeline(createReadStream(file), res);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Extracts a tar.gz body over `dir`; files not in the archive stay. */
async function extract(body, dir) {
  const tar = spawn("tar", ["-x", "-f", "-", "-C", dir, "--no-same-owner"], {
    stdio: ["pipe", "ignore", "pipe"],
  });
  const stderr = collect(tar.stderr);
  const exited = new Promise((resolve) => tar.once("close", resolve));
  let piped;
  try {
    await pipeline(body, createGunzip(), tar.stdin);
  } catch (error) {
    piped = error;
  }
  const code = await exited;
  if (code !== 0) throw new Error(`tar could not extract the archive (exit ${code}): ${stderr()}`);
  // tar stops reading at the end-of-archive blocks and may exit before the zero padding after
  // them has been written to it: its stdin then closes early, which is not a failure.
  if (piped && !["ERR_STREAM_PREMATURE_CLOSE", "EPIPE"].includes(piped.code)) throw piped;
  if (!body.readableEnded) body.resume(); // the rest of the request, so its response can go out
}

function collect(stream) {
  let text = "";
  stream.on("data", (chunk) => {
    if (text.length < 4000) text += chunk.toString("utf8");
  });
  return () => text.trim();
}

function authorized(req, token) {
  const given = Buffer.from(String(req.headers.authorization ?? ""));
  const expected = Buffer.from(`Bearer ${token}`);
  return Boolean(token) && given.length === expected.length && timingSafeEqual(given, expected);
}

function reply(res, status, body) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

// CLI (the container): serve $CLAWPLANE_WORKSPACE_DIR on 0.0.0.0:18790 for the platform's port
// forwarding, guarded by the gateway token. A warm pool member's container
// (CLAWPLANE_POOL_MEMBER=1) also serves `PUT /session` (session-claim.mjs): the claim that makes it
// one session's, after which the session's gateway token is the one accepted here.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = process.env.CLAWPLANE_WORKSPACE_DIR ?? "/workspace";
  let token = process.env.OPENCLAW_GATEWAY_TOKEN ?? "";
  const handle = workspaceArchiveHandler({ dir, token: () => token });
  const poolMember = process.env.CLAWPLANE_POOL_MEMBER === "1";
  // An unclaimed member keeps OpenClaw's git worker running (pool-git-keepwarm.mjs); the claim
  // stops it before the session's document is written.
  const keepWarm = poolMember ? keepGitWorkerWarm(() => token) : undefined;
  const claim = poolMember
    ? sessionClaimHandler({
        beforeClaim: () => keepWarm?.stop(),
        configDir: process.env.CLAWPLANE_CONFIG_DIR ?? "/app",
        workspaceDir: dir,
        logFile: join(process.env.OPENCLAW_STATE_DIR ?? "/data/state", "logs", "openclaw.log"),
        token: () => token,
        onClaimed: (gatewayToken) => {
          token = gatewayToken;
        },
      })
    : undefined;
  const port = Number(process.env.CLAWPLANE_WORKSPACE_PORT ?? WORKSPACE_ARCHIVE_PORT);
  createServer((req, res) => {
    const path = req.url ?? "/";
    const served = claim && path === "/session" ? claim(req, res) : handle(req, res, path);
    served.catch((error) => {
      if (!res.headersSent) reply(res, 500, { error: String(error?.message ?? error) });
      else res.destroy(error);
    });
  }).listen(port, "0.0.0.0");
}

/**
 * Starts the git keep-warm once the gateway accepts operators (it boots beside this server), and
 * retries until it does; `stop()` ends it for good, whatever stage it is in.
 */
function keepGitWorkerWarm(token) {
  let stopped = false;
  let running;
  (async () => {
    while (!stopped) {
      try {
        running = await startGitKeepWarm({
          // entrypoint.sh: `openclaw gateway run --port 18789`.
          origin: "http://127.0.0.1:18789",
          token: token(),
          // The pool member object's warm-up turn (src/runtime/pool/pool-member.ts).
          sessionKey: "agent:main:pool-warmup",
          log: (line) => process.stderr.write(`workspace-archive: ${line}\n`),
        });
        process.stderr.write("workspace-archive: git keep-warm running until the claim\n");
        if (stopped) running.stop();
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 2_000));
      }
    }
  })();
  return {
    stop() {
      stopped = true;
      running?.stop();
    },
  };
}
