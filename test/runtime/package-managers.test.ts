/**
 * Each package manager's success path through the real installer (install.mjs, what the packages
 * plugin runs inside the gateway) and the real tool, against the registry doubles in
 * test/support/package-registries.mjs (PyPI's simple index, cargo's sparse index; only npm and
 * Debian are reachable from here). A manager whose tool is not on this machine is skipped here
 * and proven in the real image instead (test/e2e/packages.e2e.test.ts runs all four there).
 * npm's success path against the real registry is test/runtime/environment-packages.test.ts.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installPackageSet } from "../../container/plugins/clawplane-packages/install.mjs";
import {
  NAME,
  type PackageRegistries,
  registryEnv,
  startPackageRegistries,
} from "../support/package-registries.mjs";

let registries: PackageRegistries;
let dir: string;
let env: NodeJS.ProcessEnv;

const has = (command: string) => spawnSync("sh", ["-c", `command -v ${command}`]).status === 0;

/** A key per test: each install below is a cold one unless it reuses a key on purpose. */
const key = (n: number) => n.toString(16).padStart(64, "0");

beforeAll(async () => {
  registries = await startPackageRegistries();
  dir = await mkdtemp(join(tmpdir(), "clawplane-package-managers-"));
  env = {
    ...process.env,
    // The runtime's HOME, fresh: where install.mjs links libraries (Python's user site).
    HOME: join(dir, "home"),
    // Toolchain managers on this machine find their toolchains through HOME unless told.
    ...(existsSync(join(homedir(), ".rustup")) ? { RUSTUP_HOME: join(homedir(), ".rustup") } : {}),
    ...(existsSync(join(homedir(), ".pyenv")) ? { PYENV_ROOT: join(homedir(), ".pyenv") } : {}),
    ...(await registryEnv(registries.origin, dir)),
  };
});

afterAll(async () => {
  await registries?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function install(n: number, packages: Record<string, string[]>) {
  return installPackageSet({
    key: key(n),
    packages,
    packagesDir: join(dir, "runtime"),
    cacheDir: join(dir, "cache"),
    env,
  });
}

/** What a command prints, run the way the agent's bash would: the runtime's PATH and HOME. */
function run(command: string, args: string[] = []): string {
  const active = join(dir, "runtime", "active");
  const path = [join(active, "pip", "bin"), join(active, "cargo", "bin"), env.PATH].join(":");
  return execFileSync(command, args, {
    env: { ...env, PATH: path } as NodeJS.ProcessEnv,
    encoding: "utf8",
  }).trim();
}

const asked = (prefix: string) =>
  registries.requests.filter((r) => r.path.startsWith(prefix)).map((r) => r.path);

describe("package managers against their registries' doubles", { timeout: 240_000 }, () => {
  it.skipIf(!has("python3"))(
    "pip installs the pinned version from a PyPI simple index; its command runs and the agent's python imports it",
    async () => {
      const outcome = await install(1, { pip: [`${NAME}==1.0.0`] });
      expect(outcome).toMatchObject({
        result: "installed",
        steps: [{ manager: "pip", package: `${NAME}==1.0.0`, result: "installed" }],
        error: null,
      });
      // The pin, not the newest (1.1.0), which the index also lists.
      expect(run("pip-hello")).toBe("pip-hello 1.0.0");
      expect(run("python3", ["-c", "import clawplane_hello; print(clawplane_hello.VERSION)"])).toBe("1.0.0");
      expect(asked("/pypi/")).toEqual(
        expect.arrayContaining([
          `/pypi/simple/${NAME}/`,
          "/pypi/files/clawplane_hello-1.0.0-py3-none-any.whl",
        ]),
      );
      expect(asked("/pypi/files/clawplane_hello-1.1.0")).toEqual([]);
    },
  );

  it.skipIf(!has("python3"))(
    "a pip version that does not exist fails naming the package with pip's own message; nothing is cached",
    async () => {
      const before = await readdir(join(dir, "cache")).catch(() => []);
      const outcome = await install(2, { pip: [`${NAME}==9.9.9`] });
      expect(outcome).toMatchObject({
        result: "failed",
        error: { manager: "pip", package: `${NAME}==9.9.9` },
      });
      expect(outcome.error?.message).toContain("No matching distribution found");
      expect(await readdir(join(dir, "cache"))).toEqual(before);
    },
  );

  it.skipIf(!has("cargo"))(
    "cargo installs the pinned crate from a sparse registry and builds its binary; the same set again is cached",
    async () => {
      const cold = await install(3, { cargo: [`${NAME}@1.0.0`] });
      expect(cold).toMatchObject({
        result: "installed",
        steps: [{ manager: "cargo", package: `${NAME}@1.0.0`, result: "installed" }],
        error: null,
      });
      expect(run("cargo-hello")).toBe("cargo-hello 1.0.0");
      expect(asked("/cargo/")).toEqual(
        expect.arrayContaining([
          "/cargo/config.json",
          `/cargo/cl/aw/${NAME}`,
          `/cargo/api/v1/crates/${NAME}/1.0.0/download`,
        ]),
      );

      const requests = registries.requests.length;
      const cached = await install(3, { cargo: [`${NAME}@1.0.0`] });
      expect(cached).toMatchObject({ result: "cached", steps: [], error: null });
      expect(registries.requests.length).toBe(requests);
      expect(run("cargo-hello")).toBe("cargo-hello 1.0.0");
    },
  );

  it.skipIf(!has("dpkg-query"))(
    "apt packages the system already has, at their pins, are reported present and apt never runs; a missing pin runs apt",
    async () => {
      // apt-get and sudo stand-ins that record being run and fail: apt must not be reached when
      // dpkg's database already has every package.
      const stubs = join(dir, "apt-stubs");
      const ran = join(dir, "apt-ran");
      await mkdir(stubs, { recursive: true });
      for (const name of ["apt-get", "sudo"]) {
        await writeFile(join(stubs, name), `#!/bin/sh\necho "$0 $*" >> ${ran}\nexit 1\n`, { mode: 0o755 });
      }
      const aptEnv = { ...env, PATH: `${stubs}:${env.PATH}` };
      // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax
      const version = execFileSync("dpkg-query", ["-W", "-f=${Version}", "dpkg"], { encoding: "utf8" });
      const apt = (n: number, specs: string[]) =>
        installPackageSet({
          key: key(n),
          packages: { apt: specs },
          packagesDir: join(dir, "runtime"),
          cacheDir: join(dir, "cache"),
          env: aptEnv,
        });

      const present = await apt(20, ["dpkg", `coreutils`, `dpkg=${version}`]);
      expect(present).toMatchObject({
        error: null,
        steps: [
          { manager: "apt", package: "dpkg", result: "present", duration_ms: 0 },
          { manager: "apt", package: "coreutils", result: "present", duration_ms: 0 },
          { manager: "apt", package: `dpkg=${version}`, result: "present", duration_ms: 0 },
        ],
      });
      expect(existsSync(ran)).toBe(false);

      // Another version than the system's is not present: apt runs (here: the failing stand-in).
      const other = await apt(21, ["dpkg", `dpkg=${version}.not-this`]);
      expect(other).toMatchObject({ result: "failed", error: { manager: "apt", package: "dpkg" } });
      expect(existsSync(ran)).toBe(true);
    },
  );
});
