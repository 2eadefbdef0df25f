/**
 * Environment packages in the REAL agent image (container/Dockerfile), as its uid 1000: the
 * packages plugin's installer (install.mjs) installs one package per manager with the image's
 * own toolchains, and what it installed runs from the PATH the entrypoint sets (paths.mjs).
 *
 * - apt: a small Debian package from Debian itself, through the image's sudoers rule (`sudo -n
 *   apt-get`), which must refuse everything but `apt-get update` / `install <one name>`.
 * - pip, gem, go, cargo: against the registry doubles (test/support/package-registries.mjs; the
 *   real registries are not reachable from here), on the docker bridge, which the container
 *   reaches directly. Each tool is pointed at them by its own documented setting, passed as env
 *   to this test's `docker run` only (registryEnv): nothing in the image or the Worker sets it.
 * - each set once cold, then again from the cache; the durations are printed (README figures).
 *
 * The session path around the installer (events, session.error, install after claim) is the
 * same for every manager and is proven with real gateways in test/runtime/environment-packages.
 * Run with `npm run test:e2e` (scripts/e2e.sh provides Docker).
 */
import { execFile } from "node:child_process";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  GO_MODULE,
  NAME,
  type PackageRegistries,
  registryEnv,
  startPackageRegistries,
  writeGemSources,
} from "../support/package-registries.mjs";
import { bridgeHostAddress, dockerBin, dockerUsable } from "./support/containers.mjs";

const run = promisify(execFile);
const REPO = join(import.meta.dirname, "..", "..");
/** A small Debian package with a command to run (jq: ~70 kB plus libjq/libonig). */
const APT_PACKAGE = "jq";

let image: string;
let registries: PackageRegistries;
let dir: string;
let env: Record<string, string>;

async function docker(args: string[], timeoutMs = 60_000): Promise<{ stdout: string; stderr: string }> {
  return run(dockerBin(), args, { timeout: timeoutMs, maxBuffer: 64 << 20, encoding: "utf8" });
}

/** Runs `script` (sh) in a fresh container of the image as its own user, with `extraEnv`. */
async function inImage(script: string, extraEnv: Record<string, string> = {}, timeoutMs = 600_000) {
  const envArgs = Object.entries(extraEnv).flatMap(([name, value]) => ["-e", `${name}=${value}`]);
  const { stdout } = await docker(
    ["run", "--rm", "-v", `${dir}:${dir}`, ...envArgs, "--entrypoint", "sh", image, "-c", script],
    timeoutMs,
  );
  return stdout.trim();
}

/**
 * Installs `packages` with the image's installer twice (cold, then cached: the same key in one
 * container, as a second session on the same disk), then runs `check` with the runtime's PATH.
 */
async function installInImage(packages: Record<string, string[]>, check: string) {
  const script = `
set -e
export CLAWPLANE_PACKAGES_DIR=/data/packages CLAWPLANE_PACKAGES_CACHE_DIR=/data/packages-cache
eval "$(node "$CLAWPLANE_PLUGINS_DIR/clawplane-packages/paths.mjs")"
node --input-type=module -e '
  const { installPackageSet } = await import(process.env.CLAWPLANE_PLUGINS_DIR + "/clawplane-packages/install.mjs");
  const options = {
    key: "e".repeat(64),
    packages: JSON.parse(process.env.SET),
    packagesDir: process.env.CLAWPLANE_PACKAGES_DIR,
    cacheDir: process.env.CLAWPLANE_PACKAGES_CACHE_DIR,
  };
  let started = Date.now();
  const cold = await installPackageSet(options);
  const coldMs = Date.now() - started;
  started = Date.now();
  const cached = cold.error ? null : await installPackageSet(options);
  console.log(JSON.stringify({ cold, coldMs, cached, cachedMs: Date.now() - started }));
'
${check}
`;
  const out = await inImage(script, { SET: JSON.stringify(packages), ...env });
  const [report, ...checked] = out.split("\n");
  return { ...JSON.parse(report!), output: checked.join("\n") };
}

beforeAll(async () => {
  if (!dockerUsable()) throw new Error("Docker is not usable: run via scripts/e2e.sh, which sets it up");
  const started = Date.now();
  image = (await docker(["build", "-q", join(REPO, "container")], 30 * 60_000)).stdout.trim();
  const { stdout: size } = await docker(["image", "inspect", "--format", "{{.Size}}", image]);
  console.log(
    `agent image ${image.slice(7, 19)}: ${(Number(size) / 1e6).toFixed(0)} MB, built in ${Date.now() - started} ms`,
  );

  dir = await mkdtemp(join(tmpdir(), "clawplane-packages-e2e-"));
  // The image's uid 1000 writes here (the gem sources, cargo's registry cache).
  await chmod(dir, 0o777);
  // The gem source's index is Ruby Marshal data: RubyGems in the image writes it.
  const script = await writeGemSources(dir);
  await inImage(`sh ${script}`);
  registries = await startPackageRegistries({ host: bridgeHostAddress(), gemDir: dir });
  env = await registryEnv(registries.origin, dir);
  await chmod(join(dir, "cargo-home"), 0o777);
}, 40 * 60_000);

afterAll(async () => {
  await registries?.close();
  // Files the container wrote are uid 1000's: removed through a container that may.
  if (dir && image) await inImage(`rm -rf ${dir}/*`).catch(() => {});
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("environment packages in the agent image", { timeout: 15 * 60_000 }, () => {
  const durations: Record<string, { cold: number; cached: number }> = {};
  afterAll(() => console.log(`install durations (ms) in the image: ${JSON.stringify(durations)}`));

  it("apt installs a Debian package through sudo as uid 1000; the command runs", async () => {
    const result = await installInImage({ apt: [APT_PACKAGE] }, `id -u; echo '{"a":41}' | jq '.a + 1'`);
    expect(result.cold).toMatchObject({
      result: "installed",
      steps: [{ manager: "apt", package: APT_PACKAGE, result: "installed" }],
      error: null,
    });
    expect(result.output).toBe("1000\n42");
    // apt is system-wide, outside the cache: a repeat (an otherwise cached set) finds the package
    // in dpkg's database and does not run apt at all.
    expect(result.cached).toMatchObject({
      result: "cached",
      steps: [{ manager: "apt", package: APT_PACKAGE, result: "present", duration_ms: 0 }],
      error: null,
    });
    durations.apt = { cold: result.coldMs, cached: result.cachedMs };
  });

  it("sudo lets uid 1000 run apt-get update and install of one package name, and nothing else", async () => {
    const attempts = {
      shell: "sudo -n sh -c id",
      id: "sudo -n id -u",
      aptOption: `sudo -n apt-get install -y -q --no-install-recommends -o Dpkg::Pre-Invoke::=id ${APT_PACKAGE}`,
      aptLocalDeb: "sudo -n apt-get install -y -q --no-install-recommends ./evil.deb",
      aptRemove: `sudo -n apt-get remove -y ${APT_PACKAGE}`,
      aptTwo: `sudo -n apt-get install -y -q --no-install-recommends ${APT_PACKAGE} curl`,
      dpkg: "sudo -n dpkg -i /tmp/x.deb",
    };
    const script = Object.entries(attempts)
      .map(
        ([name, command]) =>
          `if ${command} >/dev/null 2>&1; then echo "${name}:allowed"; else echo "${name}:refused"; fi`,
      )
      .join("\n");
    const out = await inImage(`${script}\nsudo -n apt-get update -q >/dev/null && echo update:allowed`);
    expect(out.split("\n")).toEqual([
      ...Object.keys(attempts).map((name) => `${name}:refused`),
      "update:allowed",
    ]);
  });

  it("pip installs the pinned wheel from a PyPI simple index; its command and the module work", async () => {
    const spec = `${NAME}==1.0.0`;
    const result = await installInImage(
      { pip: [spec] },
      `pip-hello; python3 -c "import clawplane_hello; print(clawplane_hello.VERSION)"`,
    );
    expect(result.cold).toMatchObject({
      result: "installed",
      steps: [{ manager: "pip", package: spec }],
      error: null,
    });
    expect(result.cached).toMatchObject({ result: "cached", steps: [], error: null });
    expect(result.output).toBe("pip-hello 1.0.0\n1.0.0");
    durations.pip = { cold: result.coldMs, cached: result.cachedMs };
  });

  it("gem installs the pinned gem from a RubyGems source; its command runs", async () => {
    const spec = `${NAME}:1.0.0`;
    const result = await installInImage({ gem: [spec] }, "gem-hello");
    expect(result.cold).toMatchObject({
      result: "installed",
      steps: [{ manager: "gem", package: spec }],
      error: null,
    });
    expect(result.cached).toMatchObject({ result: "cached", steps: [], error: null });
    expect(result.output).toBe("gem-hello 1.0.0");
    expect(registries.requests.map((r) => r.path)).toContain(`/gems/gems/${NAME}-1.0.0.gem`);
    durations.gem = { cold: result.coldMs, cached: result.cachedMs };
  });

  it("go installs the pinned module from a GOPROXY and builds its command", async () => {
    const spec = `${GO_MODULE}@v1.0.0`;
    const result = await installInImage({ go: [spec] }, "go-hello");
    expect(result.cold).toMatchObject({
      result: "installed",
      steps: [{ manager: "go", package: spec }],
      error: null,
    });
    expect(result.cached).toMatchObject({ result: "cached", steps: [], error: null });
    expect(result.output).toBe("go-hello 1.0.0");
    expect(registries.requests.map((r) => r.path)).toContain(`/go/${GO_MODULE}/@v/v1.0.0.zip`);
    durations.go = { cold: result.coldMs, cached: result.cachedMs };
  });

  it("cargo installs the pinned crate from a sparse registry and builds its command", async () => {
    const spec = `${NAME}@1.0.0`;
    const result = await installInImage({ cargo: [spec] }, "cargo-hello");
    expect(result.cold).toMatchObject({
      result: "installed",
      steps: [{ manager: "cargo", package: spec }],
      error: null,
    });
    expect(result.cached).toMatchObject({ result: "cached", steps: [], error: null });
    expect(result.output).toBe("cargo-hello 1.0.0");
    expect(registries.requests.map((r) => r.path)).toContain(`/cargo/api/v1/crates/${NAME}/1.0.0/download`);
    durations.cargo = { cold: result.coldMs, cached: result.cachedMs };
  });
});
