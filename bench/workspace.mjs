#!/usr/bin/env node
/**
 * Durable workspace benchmark: how long a save and a restore of a session's workspace take on
 * the runtime side, for a small workspace and a ~10 MB one, side by side.
 *
 * It drives the real workspace archive endpoint (container/workspace-archive.mjs, the code the
 * container runs on port 18790 and the local supervisor serves) over HTTP, the way a session's
 * Durable Object does, with a directory standing in for R2:
 *   save      GET /archive (scan, tar, gzip level 1, transfer) → the store
 *   no-op     GET /archive with If-None-Match = the last fingerprint → 304 (scan only)
 *   restore   the stored archive → PUT /archive into a fresh, empty workspace (gunzip, untar)
 * R2's own latency (one PUT / GET of the archive) comes on top in production.
 *
 *   node bench/workspace.mjs [--runs 5]        (npm run bench:workspace)
 */
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { workspaceArchiveHandler } from "../container/workspace-archive.mjs";

const TOKEN = "bench-gateway-token";
const { values } = parseArgs({ options: { runs: { type: "string", default: "5" } } });
const RUNS = Math.max(1, Number(values.runs));

/** Source-like text: compressible, as most of a coding agent's workspace is. */
function sourceText(bytes, seed) {
  const line = `export function f${seed}(x) { return x * ${seed} + "${"abcdefghij".repeat(3)}"; }\n`;
  return line.repeat(Math.ceil(bytes / line.length)).slice(0, bytes);
}

const SHAPES = [
  {
    label: "small (12 files, ~60 KB)",
    async fill(dir) {
      await mkdir(join(dir, "src"), { recursive: true });
      for (let i = 0; i < 10; i++) await writeFile(join(dir, "src", `m${i}.js`), sourceText(5_000, i));
      await writeFile(join(dir, "README.md"), sourceText(8_000, 99));
      await writeFile(join(dir, "notes.txt"), "turn 1 was here\n");
    },
  },
  {
    label: "~10 MB (200 text files + 5 MB binary)",
    async fill(dir) {
      for (let d = 0; d < 10; d++) {
        await mkdir(join(dir, "src", `pkg${d}`), { recursive: true });
        for (let i = 0; i < 20; i++)
          await writeFile(join(dir, "src", `pkg${d}`, `m${i}.js`), sourceText(25_000, d * 100 + i));
      }
      await mkdir(join(dir, "data"), { recursive: true });
      await writeFile(join(dir, "data", "blob.bin"), randomBytes(5_000_000)); // incompressible
    },
  },
];

/** The endpoint for one workspace directory, on a free port, as the supervisor serves it. */
async function serve(dir) {
  const handle = workspaceArchiveHandler({ dir, token: TOKEN });
  const server = createServer((req, res) =>
    handle(req, res, req.url ?? "/").catch((error) => {
      console.error(error);
      res.destroy(error);
    }),
  );
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return { origin, close: () => new Promise((resolve) => server.close(resolve)) };
}

const auth = { authorization: `Bearer ${TOKEN}` };
const timed = async (fn) => {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
};
const size = (bytes) => (bytes >= 1e6 ? `${(bytes / 1e6).toFixed(2)} MB` : `${(bytes / 1e3).toFixed(1)} KB`);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function measure(shape, scratch) {
  const source = join(scratch, "source");
  await mkdir(source, { recursive: true });
  await shape.fill(source);
  const store = join(scratch, "store.tar.gz"); // stands in for the R2 object
  const results = { save: [], noop: [], restore: [], bytes: 0, archiveBytes: 0 };
  const from = await serve(source);
  try {
    // A fresh runtime is restored first (here: nothing saved yet) before it may be saved.
    await fetch(`${from.origin}/archive`, { method: "PUT", headers: { ...auth, "content-length": "0" } });
    for (let run = 0; run < RUNS; run++) {
      // Touch one file so every save is a real one.
      await writeFile(join(source, "notes.txt"), `run ${run}\n`);
      const save = await timed(async () => {
        const res = await fetch(`${from.origin}/archive`, { headers: auth });
        if (res.status !== 200) throw new Error(`save answered ${res.status}`);
        const body = Buffer.from(await res.arrayBuffer());
        await writeFile(store, body);
        return {
          fingerprint: res.headers.get("etag"),
          bytes: Number(res.headers.get("x-workspace-bytes")),
          body,
        };
      });
      results.save.push(save.ms);
      results.bytes = save.value.bytes;
      results.archiveBytes = save.value.body.length;
      const noop = await timed(async () => {
        const res = await fetch(`${from.origin}/archive`, {
          headers: { ...auth, "if-none-match": save.value.fingerprint },
        });
        if (res.status !== 304) throw new Error(`no-op save answered ${res.status}`);
      });
      results.noop.push(noop.ms);

      const target = join(scratch, `restored-${run}`);
      await mkdir(target);
      const to = await serve(target);
      try {
        const restore = await timed(async () => {
          const body = await readFile(store);
          const res = await fetch(`${to.origin}/archive`, {
            method: "PUT",
            headers: { ...auth, "content-type": "application/gzip" },
            body,
          });
          if (res.status !== 200) throw new Error(`restore answered ${res.status}: ${await res.text()}`);
          return res.json();
        });
        if (restore.value.bytes !== results.bytes) throw new Error("the restored workspace differs in size");
        results.restore.push(restore.ms);
      } finally {
        await to.close();
      }
    }
  } finally {
    await from.close();
  }
  return results;
}

const scratchRoot = await mkdtemp(join(tmpdir(), "clawplane-bench-workspace-"));
try {
  const rows = [];
  for (const [i, shape] of SHAPES.entries()) {
    const r = await measure(shape, join(scratchRoot, String(i)));
    rows.push([
      shape.label,
      size(r.bytes),
      size(r.archiveBytes),
      `${median(r.save).toFixed(0)} ms`,
      `${median(r.noop).toFixed(1)} ms`,
      `${median(r.restore).toFixed(0)} ms`,
    ]);
  }
  const head = ["workspace", "size", "archive", "save", "no-op save", "restore"];
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  const line = (cells) => cells.map((cell, c) => cell.padEnd(widths[c])).join("  ");
  console.log(
    `workspace save / restore on the runtime side (median of ${RUNS} runs; R2 latency not included)`,
  );
  console.log(line(head));
  for (const row of rows) console.log(line(row));
} finally {
  await rm(scratchRoot, { recursive: true, force: true });
}
