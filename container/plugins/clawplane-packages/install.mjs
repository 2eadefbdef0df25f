// Installs an environment's package set (CMA `config.packages`) into a runtime, with a cache
// keyed by the set. The one installer for every runtime: the packages plugin (index.mjs) runs
// it inside the gateway, in a container and in a local runtime alike.
//
// Layout: `<cache dir>/<key>/` holds one set (npm/, pip/, gem/, cargo/, go/; see paths.mjs),
// written under a temporary name and renamed into place only once every package installed, so
// a half-installed set is never found in the cache. `<packages dir>/active` then points at it,
// which is what the agent's PATH names (paths.mjs), as do `~/.node_modules` and a `.pth` file in
// Python's user site (activate below). A set
// whose entry exists is restored by that pointer alone ("cached"). apt installs system-wide,
// outside any entry: its packages are checked on every install with dpkg-query, and apt runs only
// when one is missing (or at another version than its pin).
//
// Specs are passed to each installer as given: the Worker checked them against each manager's
// syntax when the environment was saved (src/schemas/package-specs.ts). Each package is one
// installer run, so a failure names its package and carries that installer's own message.

import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { activeDir, LAYOUT } from "./paths.mjs";

/** Install order: apt first (system libraries a pip or gem build may need), then the rest. */
export const MANAGERS = ["apt", "cargo", "gem", "go", "npm", "pip"];
const KEY = /^[0-9a-f]{64}$/;
const MANIFEST = ".clawplane-packages.json";
/** One installer run's limit (10 min): a cold cargo build of a large crate takes minutes. */
const STEP_TIMEOUT_MS = 600_000;
/** How much of an installer's output a failure carries. */
const MESSAGE_LINES = 20;
const MESSAGE_CHARS = 2_000;
/**
 * What an installer may not see of the gateway's env: its tokens and Clawplane's own settings.
 * Installers run third-party code (npm lifecycle scripts, setup.py), which must not read them.
 */
const WITHHELD_ENV = /^(OPENCLAW_|CLAWPLANE_)|TOKEN|SECRET|PASSWORD|API_KEY/i;

/** The command that installs one `spec` of `manager` into the set being built at `root`. */
function installCommand(manager, spec, root, work, apt) {
  switch (manager) {
    case "npm":
      return {
        command: "npm",
        args: [
          "install",
          "--prefix",
          join(root, LAYOUT.npm),
          "--no-audit",
          "--no-fund",
          "--no-update-notifier",
          "--loglevel=error",
          // Fail in seconds, not minutes, when the registry cannot be reached.
          "--fetch-retries=1",
          "--fetch-retry-mintimeout=1000",
          "--fetch-retry-maxtimeout=5000",
          spec,
        ],
      };
    case "pip":
      return {
        command: "python3",
        args: [
          "-m",
          "pip",
          "install",
          "--target",
          join(root, LAYOUT.pip),
          "--no-input",
          "--disable-pip-version-check",
          "--quiet",
          "--retries=1",
          "--timeout=15",
          spec,
        ],
      };
    case "gem":
      // `name:version` is RubyGems' own pin syntax.
      return {
        command: "gem",
        args: [
          "install",
          "--install-dir",
          join(root, LAYOUT.gem),
          "--bindir",
          join(root, LAYOUT.gem, "bin"),
          "--no-document",
          spec,
        ],
      };
    case "cargo":
      return { command: "cargo", args: ["install", "--root", join(root, LAYOUT.cargo), spec] };
    case "go":
      return {
        command: "go",
        args: ["install", spec.includes("@") ? spec : `${spec}@latest`],
        env: {
          GOBIN: join(root, LAYOUT.go, "bin"),
          GOPATH: join(work, "gopath"),
          GOCACHE: join(work, "gocache"),
          GOFLAGS: "-modcacherw",
        },
      };
    case "apt": {
      const args = ["install", "-y", "-q", "--no-install-recommends", spec];
      return apt.sudo ? { command: "sudo", args: ["-n", "apt-get", ...args] } : { command: "apt-get", args };
    }
    default:
      throw new Error(`unknown package manager ${manager}`);
  }
}

/** The gateway's env minus what installers must not see, plus `extra`. */
function installerEnv(env, extra = {}) {
  const clean = Object.fromEntries(Object.entries(env).filter(([name]) => !WITHHELD_ENV.test(name)));
  return { ...clean, DEBIAN_FRONTEND: "noninteractive", ...extra };
}

/** Lines that say nothing to the user: stack frames and pointers to logs in the runtime. */
const NOISE = /^\s*(npm error\s+)?at\s|A complete log of this run/;

/** The last lines of an installer's output, without terminal colours or noise. */
function tail(output) {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences
  const lines = output.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "").split("\n");
  const text = lines
    .map((line) => line.trimEnd())
    .filter((line) => line && !NOISE.test(line))
    .slice(-MESSAGE_LINES)
    .join("\n");
  return text.length > MESSAGE_CHARS ? `…${text.slice(-MESSAGE_CHARS)}` : text;
}

/** Runs one installer; resolves to null on success or the message of its failure. */
function run({ command, args, env }, cwd) {
  return new Promise((resolve) => {
    let output = "";
    let child;
    try {
      child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    } catch (error) {
      resolve(String(error?.message ?? error));
      return;
    }
    const collect = (chunk) => {
      output += chunk.toString("utf8");
      if (output.length > 64 * MESSAGE_CHARS) output = output.slice(-32 * MESSAGE_CHARS);
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    const timer = setTimeout(() => child.kill("SIGKILL"), STEP_TIMEOUT_MS);
    child.once("error", (error) => {
      clearTimeout(timer);
      resolve(
        error.code === "ENOENT"
          ? `${command} is not installed in this runtime`
          : `${command} could not run: ${error.message}`,
      );
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve(null);
      const why = signal
        ? `${command} was stopped (${signal}${signal === "SIGKILL" ? `, over ${STEP_TIMEOUT_MS / 1000} s` : ""})`
        : `${command} exited with code ${code}`;
      const said = tail(output);
      resolve(said ? `${why}: ${said}` : why);
    });
  });
}

/**
 * How apt can run here: as root, through passwordless sudo, or not at all (with the reason).
 * `CLAWPLANE_PACKAGES_APT=off` is set by local runtimes, which never change the host's system.
 */
async function aptAccess(env) {
  if (env.CLAWPLANE_PACKAGES_APT === "off") {
    return {
      refused:
        "apt packages are not installed by local runtimes: apt changes the system packages of the machine the " +
        "runtime runs on, which here is your own. Use a container runtime, or install it on the host yourself.",
    };
  }
  if (process.getuid?.() === 0) return { sudo: false };
  // The agent image's sudoers allows uid 1000 `apt-get update` and `apt-get install` of one
  // package and nothing else (container/Dockerfile), so ask sudo about exactly the command that
  // runs next (`-l`: checked against the policy, not run).
  const sudo = await run(
    { command: "sudo", args: ["-n", "-l", "apt-get", "update", "-q"], env: installerEnv(env) },
    "/",
  );
  if (sudo === null) return { sudo: true };
  return {
    refused: `apt needs root, and this runtime runs as uid ${process.getuid?.()} without passwordless sudo for apt-get (${sudo})`,
  };
}

/**
 * Whether the system already has Debian package `spec` ("name" or "name=version", the grammar the
 * Worker checked) installed, at the pinned version when it names one. `dpkg-query` reads dpkg's
 * database and needs no root; any failure (not installed, no dpkg) counts as absent.
 */
async function aptPackagePresent(spec) {
  const [name, version] = spec.split("=", 2);
  const said = await new Promise((resolve) => {
    let output = "";
    let child;
    try {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax
      child = spawn("dpkg-query", ["-W", "-f=${Status}\t${Version}", name], {
        stdio: ["ignore", "pipe", "ignore"],
      });
    } catch {
      resolve(null);
      return;
    }
    child.stdout.on("data", (chunk) => {
      output += chunk.toString("utf8");
    });
    child.once("error", () => resolve(null));
    child.once("close", (code) => resolve(code === 0 ? output : null));
  });
  if (!said) return false;
  const [status, installed] = said.split("\t");
  return status === "install ok installed" && (version === undefined || installed === version);
}

async function readManifest(dir) {
  try {
    return JSON.parse(await readFile(join(dir, MANIFEST), "utf8"));
  } catch {
    return null;
  }
}

/** Whether `<packages dir>/active` is the set `key`. */
export async function isActive({ key, packagesDir }) {
  return (await readManifest(activeDir(packagesDir)))?.key === key;
}

/** Replaces whatever is at `path` with a symlink to `target`, in one rename. */
async function pointAt(path, target) {
  const next = `${path}.${process.pid}.${Date.now()}`;
  await symlink(target, next);
  await rename(next, path);
}

/**
 * Points `<packages dir>/active` at `entry`, and makes the active set's libraries findable from
 * HOME, which OpenClaw's exec passes on (unlike NODE_PATH and PYTHONPATH, see paths.mjs):
 * `~/.node_modules` is on Node's global module path, and a `.pth` file in Python's user site
 * adds the pip dir to `sys.path`. Both name `active/…`, so they follow every later switch.
 */
async function activate(entry, packagesDir, packages, env) {
  await mkdir(packagesDir, { recursive: true });
  await pointAt(activeDir(packagesDir), entry);
  if (!env.HOME) return;
  await mkdir(env.HOME, { recursive: true });
  if ((packages.npm ?? []).length > 0) {
    await pointAt(join(env.HOME, ".node_modules"), join(activeDir(packagesDir), LAYOUT.npm, "node_modules"));
  }
  if ((packages.pip ?? []).length > 0) {
    const site = await output(
      "python3",
      ["-c", "import site; print(site.getusersitepackages())"],
      installerEnv(env),
    );
    if (site) {
      await mkdir(site, { recursive: true });
      await writeFile(join(site, "clawplane-packages.pth"), `${join(activeDir(packagesDir), LAYOUT.pip)}\n`);
    }
  }
}

/** What a short command prints (trimmed), or null when it cannot run or fails. */
function output(command, args, env) {
  return new Promise((resolve) => {
    let text = "";
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "ignore"] });
    child.stdout.on("data", (chunk) => {
      text += chunk.toString("utf8");
    });
    child.once("error", () => resolve(null));
    child.once("close", (code) => resolve(code === 0 ? text.trim() || null : null));
  });
}

/**
 * Installs `packages` ({manager: [spec]}) as the set `key` and makes it the active one.
 * Resolves to `{result: "installed" | "cached" | "failed", steps, error}` (never rejects for an
 * installer's failure: `error` names the package and carries the installer's message).
 *
 * @param {{key: string, packages: Record<string, string[]>, packagesDir: string, cacheDir: string, env?: Record<string, string | undefined>}} options
 */
export async function installPackageSet({ key, packages, packagesDir, cacheDir, env = process.env }) {
  if (!KEY.test(String(key))) throw new Error("key must be a SHA-256 in hex");
  const steps = [];
  const step = async (manager, spec, root, work, apt) => {
    const started = Date.now();
    const failure = await run(
      (({ command, args, env: extra }) => ({ command, args, env: installerEnv(env, extra) }))(
        installCommand(manager, spec, root, work, apt),
      ),
      work,
    );
    steps.push({
      manager,
      package: spec,
      result: failure ? "failed" : "installed",
      duration_ms: Date.now() - started,
    });
    return failure && { result: "failed", steps, error: { manager, package: spec, message: failure } };
  };

  const apt = packages.apt ?? [];
  // A runtime that already has every apt package (a gateway restarted in the same container, or
  // one booted with its environment's packages) skips apt entirely: `apt-get update` alone costs
  // 10–15 s, and the packages are system-wide, so nothing else would change.
  // (Local runtimes refuse apt whatever the host has, so that an environment behaves the same on
  // every developer's machine.)
  const aptPresent =
    apt.length > 0 &&
    env.CLAWPLANE_PACKAGES_APT !== "off" &&
    (await Promise.all(apt.map(aptPackagePresent))).every(Boolean);
  if (aptPresent) {
    for (const spec of apt) steps.push({ manager: "apt", package: spec, result: "present", duration_ms: 0 });
  } else if (apt.length > 0) {
    const access = await aptAccess(env);
    if (access.refused) {
      return { result: "failed", steps, error: { manager: "apt", package: apt[0], message: access.refused } };
    }
    const update = await run(
      {
        command: access.sudo ? "sudo" : "apt-get",
        args: [...(access.sudo ? ["-n", "apt-get"] : []), "update", "-q"],
        env: installerEnv(env),
      },
      "/",
    );
    if (update)
      return {
        result: "failed",
        steps,
        error: { manager: "apt", package: apt[0], message: `apt-get update failed: ${update}` },
      };
    for (const spec of apt) {
      const failed = await step("apt", spec, "/", "/", access);
      if (failed) return failed;
    }
  }

  await mkdir(cacheDir, { recursive: true });
  const entry = join(cacheDir, key);
  const cached = (await readManifest(entry))?.key === key;
  if (!cached) {
    const staging = await mkdtemp(join(cacheDir, `${key}.partial-`));
    const work = join(staging, ".work");
    await mkdir(work, { recursive: true });
    for (const manager of MANAGERS.filter((m) => m !== "apt")) {
      for (const spec of packages[manager] ?? []) {
        const failed = await step(manager, spec, staging, work, undefined);
        if (failed) {
          await rm(staging, { recursive: true, force: true });
          return failed;
        }
      }
    }
    await rm(work, { recursive: true, force: true });
    await writeFile(join(staging, MANIFEST), `${JSON.stringify({ key, packages })}\n`);
    // Another runtime sharing the cache may have finished the same set first: keep theirs.
    await rename(staging, entry).catch(() => rm(staging, { recursive: true, force: true }));
  }
  await activate(entry, packagesDir, packages, env);
  return { result: cached ? "cached" : "installed", steps, error: null };
}
