// The pool claim endpoint: how a warm pool gateway in a container becomes one session's.
//
// A pool member's container boots with no session's secrets (a pool-only gateway token, the
// warm-up model, a placeholder session token). When a session claims it, its pool-member Durable
// Object (src/runtime/pool/pool-member.ts) sends the session's document here, with every `${VAR}`
// reference already resolved to a literal, because a running gateway resolves only the variables
// it was booted with (docs/reference openclaw-runtime.md §13). Served beside the workspace archive
// on port 18790 (workspace-archive.mjs), guarded by the pool token.
//
//   PUT /session {document, gateway_token} → the workspace emptied (the warm-up turn ran in it),
//       the document written as clawplane-session.json, then, once OpenClaw logged
//       `config hot reload applied`, the archive endpoint switched to the session's gateway token:
//       200 {apply_ms}. 409 once claimed (single use), 504 when the reload was not applied in time.
//
// After a claim nothing here accepts the pool token any more.

import { watch } from "node:fs";
import { open, readdir, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";

const SESSION_CONFIG_FILE = "clawplane-session.json"; // src/runtime/openclaw/session-config.ts
/** What OpenClaw logs once a config change is live (verified on 2026.9.6; scripts/runtime-pool.mjs waits on it too). */
const RELOAD_APPLIED = "config hot reload applied";
const APPLY_TIMEOUT_MS = 30_000;
/** How often the log is read when no change was reported (the change events normally come first). */
const FALLBACK_POLL_MS = 500;

/**
 * @param {{ configDir: string, workspaceDir: string, logFile: string,
 *   token: () => string, onClaimed: (gatewayToken: string) => void, timeoutMs?: number,
 *   beforeClaim?: () => void }} options
 *   `token()` is the bearer accepted now (the pool token until claimed); `onClaimed` hands the
 *   session's gateway token to whatever else guards this container's ports; `beforeClaim` ends
 *   what only an unclaimed member runs (the git keep-warm) before the session's document lands
 */
export function sessionClaimHandler(options) {
  let claimed = false;
  return async (req, res) => {
    if (req.headers.authorization !== `Bearer ${options.token()}` || !options.token())
      return reply(res, 401, { error: "missing or wrong bearer token" });
    if (req.method !== "PUT") return reply(res, 405, { error: "PUT only" });
    if (claimed) return reply(res, 409, { error: "this runtime was claimed already" });
    const body = await readJson(req);
    if (
      !body ||
      typeof body.document !== "object" ||
      typeof body.gateway_token !== "string" ||
      !body.gateway_token
    )
      return reply(res, 400, { error: "expected {document, gateway_token}" });
    claimed = true;
    options.beforeClaim?.();
    const started = Date.now();
    await emptyDir(options.workspaceDir);
    const from = await size(options.logFile);
    await writeFile(join(options.configDir, SESSION_CONFIG_FILE), `${JSON.stringify(body.document)}\n`);
    const applied = await waitForLine(
      options.logFile,
      from,
      RELOAD_APPLIED,
      options.timeoutMs ?? APPLY_TIMEOUT_MS,
    );
    options.onClaimed(body.gateway_token);
    if (!applied) return reply(res, 504, { error: "the session's config was not applied in time" });
    return reply(res, 200, { apply_ms: Date.now() - started });
  };
}

async function size(file) {
  return (await stat(file).catch(() => ({ size: 0 }))).size;
}

/**
 * Waits until `text` appears in `file` after byte `from`; false after `timeoutMs`. Reads on each
 * change the kernel reports for the file (inotify), so the claim returns as soon as OpenClaw
 * logged the line rather than on the next tick of a poll; a slow poll stays as the fallback for
 * a file system that reports no changes (and for a log file that appears or rotates meanwhile).
 */
function waitForLine(file, from, text, timeoutMs) {
  let offset = from;
  let carry = "";
  let reading = false;
  let again = false;
  return new Promise((resolve) => {
    let watcher;
    const done = (found) => {
      clearTimeout(deadline);
      clearInterval(fallback);
      watcher?.close();
      resolve(found);
    };
    const read = async () => {
      if (reading) {
        again = true;
        return;
      }
      reading = true;
      try {
        do {
          again = false;
          const end = await size(file);
          if (end < offset) offset = 0; // rotated
          if (end <= offset) continue;
          const handle = await open(file, "r");
          try {
            const buffer = Buffer.alloc(end - offset);
            await handle.read(buffer, 0, buffer.length, offset);
            offset = end;
            carry = (carry + buffer.toString("utf8")).slice(-(64 * 1024));
          } finally {
            await handle.close();
          }
          if (carry.includes(text)) return done(true);
        } while (again);
      } finally {
        reading = false;
      }
    };
    const deadline = setTimeout(() => done(false), timeoutMs);
    const fallback = setInterval(read, FALLBACK_POLL_MS);
    try {
      watcher = watch(file, () => void read());
      watcher.on("error", () => undefined);
    } catch {
      // no such file yet, or no inotify here: the fallback poll reads it
    }
    void read();
  });
}

async function emptyDir(dir) {
  const entries = await readdir(dir).catch(() => []);
  await Promise.all(entries.map((name) => rm(join(dir, name), { recursive: true, force: true })));
}

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    return null;
  }
}

function reply(res, status, body) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
