#!/usr/bin/env node
// A double of Teleport Machine ID's `tbot`, just what the connector uses: join with a token once
// and keep an identity file renewed (docs: machine-workload-identity/configuration.mdx;
// `credential_ttl` default 1h, `renewal_interval` default 20m, < TTL).
//
//   tbot start identity --proxy-server=<host:port> --join-method=token --token=<token>
//        --destination=<dir> [--credential-ttl=<ms>] [--renewal-interval=<ms>] [--bot=<name>]
//
// Writes <dir>/identity in the format this double's tsh reads (`bot=…`, `expires=<epoch ms>`,
// and a `cert=` line standing in for the certificates), atomically, at start and on every
// renewal. A token of "expired-token" is refused, as Teleport refuses a used or expired
// single-use token. Durations are in ms here (the real flags take Go durations).

import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const opts = Object.fromEntries(
  process.argv
    .slice(2)
    .filter((a) => a.startsWith("--"))
    .map((a) => a.slice(2).split("=", 2)),
);
if (process.argv[2] !== "start" || process.argv[3] !== "identity") {
  process.stderr.write("usage: tbot start identity --proxy-server=… --token=… --destination=…\n");
  process.exit(2);
}
if (!opts.token || opts.token === "expired-token") {
  process.stderr.write('ERROR: joining: the token "(redacted)" is invalid, expired or already used\n');
  process.exit(1);
}
const ttl = Number(opts["credential-ttl"] ?? 3_600_000);
const every = Number(opts["renewal-interval"] ?? 1_200_000);
const bot = opts.bot ?? "clawplane";
mkdirSync(opts.destination, { recursive: true });
let generation = 0;

function renew() {
  generation++;
  const file = join(opts.destination, "identity");
  const text = `bot=${bot}\nexpires=${Date.now() + ttl}\ngeneration=${generation}\ncert=double-cert-${generation}\n`;
  writeFileSync(`${file}.tmp`, text, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
  process.stdout.write(`renewed identity (generation ${generation})\n`);
}
renew();
setInterval(renew, every);
process.on("SIGTERM", () => process.exit(0));
