#!/usr/bin/env node
// A double of Teleport's `tsh beams …` (the one place it exists; the connector image installs it
// instead of the real `tsh` with `--build-arg TELEPORT_DOUBLES=1`, and the tests run it).
//
// Faithful to the contract recorded in ../../../../shared/reference/connectors.md §6.1 (code:
// gravitational/teleport tool/tsh/common/beams*.go; docs: goteleport.com/docs/…/reference/cli/tsh
// for the global `-i/--identity` and `--proxy` flags):
//   tsh -i <identity> --proxy <host:port> beams add --no-console --format=json
//       → one object {"id","uuid","owner","expires"} (id: word-pair alias; names are generated)
//   tsh … beams ls --format=json → array of those objects ("url" only when published)
//   tsh … beams exec <id> -- <cmd…> → runs the command in the beam, stdout streamed, exit status
//       follows the remote command
//   tsh … beams publish <id> --format=json → the object with "url" (always port 8080)
//   tsh … beams rm <id> → removes it (id: alias or uuid)
// Limits (docs beams.mdx, beta): 20 concurrent beams and 5 creations per minute per tenant, TTL
// 24 h. The error texts are this double's (unverified against a real cluster): each failure is a
// line on stderr starting "ERROR: " and exit status 1, as tsh reports errors.
//
// Knob: $TSH_DOUBLE_RATE_WINDOW_MS shortens the rate window (default 60000, Teleport's minute)
// so a test can see several windows pass in seconds; the counts stay 20 and 5. The Worker's
// matching knob is BEAMS_RATE_WINDOW_SECONDS.
//
// State lives in $TSH_DOUBLE_STATE (a directory: beams.json, guarded by a lock directory), so
// several tsh processes at once see one tenant. "In the beam", `exec` runs the command on this
// machine with $PATH led by $TSH_DOUBLE_BEAM_BIN (where the stand-in agent CLIs are).

import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const LIMITS = {
  concurrent: 20,
  perMinute: 5,
  windowMs: Number(process.env.TSH_DOUBLE_RATE_WINDOW_MS) || 60_000,
  ttlMs: 24 * 3600 * 1000,
};
const STATE = process.env.TSH_DOUBLE_STATE ?? "/tmp/tsh-double";
const STALE_LOCK_MS = 2_000;
const WORDS = ["amber", "brisk", "calm", "deft", "eager", "fond", "gentle", "hazy", "ivory", "jolly"];
const ANIMALS = ["otter", "heron", "lynx", "marten", "finch", "badger", "ibex", "koala", "newt", "wren"];

class TshError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

/** Throws, so a failure inside withState still releases the lock; main() reports and exits. */
function fail(message, code = 1) {
  throw new TshError(message, code);
}

function exitWith(err) {
  process.stderr.write(`ERROR: ${err.message}\n`);
  process.exit(err instanceof TshError ? err.code : 1);
}

function parse(argv) {
  const flags = {};
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      rest.push("--", ...argv.slice(i + 1));
      break;
    }
    if (a === "-i" || a === "--identity") flags.identity = argv[++i];
    else if (a.startsWith("--identity=")) flags.identity = a.slice(11);
    else if (a === "--proxy") flags.proxy = argv[++i];
    else if (a.startsWith("--proxy=")) flags.proxy = a.slice(8);
    else if (a === "-f" || a === "--format") flags.format = argv[++i];
    else if (a.startsWith("--format=")) flags.format = a.slice(9);
    else if (a === "--no-console") flags.console = false;
    else rest.push(a);
  }
  return { flags, rest };
}

/** The identity file tbot writes: `bot=<name>` and `expires=<epoch ms>` lines (the double's format). */
function identityOf(flags) {
  if (!flags.identity) fail("not logged in (pass -i/--identity with a Machine ID identity file)");
  if (!flags.proxy) fail("--proxy is required with an identity file");
  let text;
  try {
    text = readFileSync(flags.identity, "utf8");
  } catch {
    fail(`failed to read identity file ${flags.identity}`);
  }
  const fields = Object.fromEntries(
    text
      .split("\n")
      .filter(Boolean)
      .map((l) => l.split("=", 2)),
  );
  if (!fields.bot || !(Number(fields.expires) > Date.now())) {
    fail("ssh: cert has expired (renew the identity with tbot)");
  }
  return { user: `bot-${fields.bot}` };
}

function withState(fn) {
  mkdirSync(STATE, { recursive: true });
  const lock = join(STATE, "lock");
  for (let tries = 0; ; tries++) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (tries > 2000) fail("state lock timeout");
      // A holder keeps the lock for milliseconds; one older than this died holding it (a tsh
      // killed mid-write, as a crashed connector's children are): break it.
      try {
        if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) rmdirSync(lock);
      } catch {
        // released meanwhile
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
  try {
    const file = join(STATE, "beams.json");
    let state;
    try {
      state = JSON.parse(readFileSync(file, "utf8"));
    } catch {
      state = { beams: [], created: [] };
    }
    // Teleport purges beams past their TTL.
    state.beams = state.beams.filter((b) => Date.parse(b.expires) > Date.now());
    const result = fn(state);
    save(state);
    return result;
  } finally {
    rmdirSync(lock);
  }
}

/** A refusal of the tenant's limits, counted in the state (`refused`) for tests to check. */
function refuse(state, message) {
  state.refused = (state.refused ?? 0) + 1;
  save(state);
  fail(message);
}

/** Written whole or not at all (rename), so a reader without the lock never sees half a file. */
function save(state) {
  const tmp = join(STATE, `beams.json.${process.pid}`);
  writeFileSync(tmp, JSON.stringify(state));
  renameSync(tmp, join(STATE, "beams.json"));
}

/** The tenant's beams as last saved, read without the lock (for the exec's watch). */
function peek() {
  try {
    return JSON.parse(readFileSync(join(STATE, "beams.json"), "utf8")).beams;
  } catch {
    return [];
  }
}

function find(state, ref) {
  return state.beams.find((b) => b.id === ref || b.uuid === ref);
}

function print(flags, value) {
  if (flags.format === "json") process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  else if (Array.isArray(value)) for (const b of value) process.stdout.write(`${b.id}\t${b.expires}\n`);
  else process.stdout.write(`${value.id}\n`);
}

try {
  main();
} catch (err) {
  exitWith(err);
}

function main() {
  const { flags, rest } = parse(process.argv.slice(2));
  if (rest[0] !== "beams" && rest[0] !== "beam") fail(`unknown command ${rest[0] ?? ""}`, 2);
  const [, verb, ...args] = rest;
  const who = identityOf(flags);

  if (verb === "add") {
    const beam = withState((state) => {
      const now = Date.now();
      state.created = state.created.filter((at) => at > now - LIMITS.windowMs);
      const mine = state.beams.filter((b) => b.owner === who.user);
      if (mine.length >= LIMITS.concurrent) {
        refuse(state, `beam limit reached: at most ${LIMITS.concurrent} concurrent beams per tenant`);
      }
      if (state.created.length >= LIMITS.perMinute) {
        refuse(state, `rate limit exceeded: at most ${LIMITS.perMinute} new beams per minute`);
      }
      let id;
      do {
        id = `${WORDS[Math.floor(Math.random() * WORDS.length)]}-${ANIMALS[Math.floor(Math.random() * ANIMALS.length)]}-${Math.floor(Math.random() * 1000)}`;
      } while (find(state, id));
      const created = {
        id,
        uuid: randomUUID(),
        owner: who.user,
        expires: new Date(now + LIMITS.ttlMs).toISOString(),
      };
      state.beams.push(created);
      state.created.push(now);
      return created;
    });
    print(flags, beam);
  } else if (verb === "ls" || verb === "list") {
    print(
      flags,
      withState((state) => state.beams.filter((b) => b.owner === who.user)),
    );
  } else if (verb === "rm") {
    withState((state) => {
      const beam = find(state, args[0]);
      if (!beam) fail(`beam "${args[0]}" not found`);
      state.beams = state.beams.filter((b) => b !== beam);
    });
  } else if (verb === "publish") {
    const beam = withState((state) => {
      const b = find(state, args[0]);
      if (!b) fail(`beam "${args[0]}" not found`);
      b.url = `https://${b.id}.${flags.proxy.split(":")[0]}`;
      return b;
    });
    print(flags, beam);
  } else if (verb === "exec") {
    const [ref, dash, ...command] = args;
    if (dash !== "--" || command.length === 0) fail("usage: tsh beams exec <id> -- <command…>", 2);
    const beam = withState((state) => find(state, ref));
    if (!beam) fail(`beam "${ref}" not found`);
    const bin = process.env.TSH_DOUBLE_BEAM_BIN;
    const env = {
      PATH: `${bin ? `${bin}:` : ""}${process.env.PATH}`,
      HOME: process.env.HOME ?? "/tmp",
      BEAM_ID: beam.id,
    };
    const child = spawn(command[0], command.slice(1), { env, stdio: ["ignore", "inherit", "inherit"] });
    const stop = () => child.kill("SIGTERM");
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
    child.on("error", (err) => exitWith(new TshError(`exec: ${err.message}`, 127)));
    // A beam removed mid-run ends the SSH session, as deleting the VM would.
    const watch = setInterval(() => {
      if (!peek().some((b) => b.id === ref || b.uuid === ref)) {
        child.kill("SIGKILL");
        exitWith(new TshError(`beam "${ref}" was removed`, 255));
      }
    }, 200);
    child.on("exit", (code, signal) => {
      clearInterval(watch);
      process.exit(code ?? (signal ? 128 + 15 : 1));
    });
  } else {
    fail(`unknown beams command ${verb ?? ""}`, 2);
  }
}
