/**
 * Runs in Node, not workerd: workerd's in-memory file system ignores file modes, and the point
 * here is that `clawplane login` leaves a config file only its owner can read.
 */
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { configPath, fileConfigStore } from "../../src/cli/config";
import type { CliIo } from "../../src/cli/io";
import { run } from "../../src/cli/program";

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "clawplane-sdk-"));
  dirs.push(dir);
  return dir;
}

describe("CLI config file", () => {
  it("lives under XDG_CONFIG_HOME, else ~/.config", () => {
    expect(configPath({ XDG_CONFIG_HOME: "/x" })).toBe("/x/clawplane/config.json");
    expect(configPath({ HOME: "/home/u" })).toBe("/home/u/.config/clawplane/config.json");
  });

  it("is written by `login` with mode 0600 in a 0700 directory, and read back", async () => {
    const env = { XDG_CONFIG_HOME: await tempDir() };
    const store = fileConfigStore(env);
    expect(await store.read()).toBeUndefined();
    let out = "";
    const io: CliIo = {
      stdout: {
        write: (s) => {
          out += s;
        },
        isTTY: false,
      },
      stderr: { write: () => undefined, isTTY: false },
      env,
      config: store,
      prompt: async () => "",
    };
    const code = await run(
      ["login", "--base-url", "http://example.test", "--api-key", "cpk_x", "--no-verify"],
      io,
    );
    expect(code).toBe(0);
    expect(out).toContain(store.path);
    expect(JSON.parse(await readFile(store.path, "utf8"))).toEqual({
      baseURL: "http://example.test",
      apiKey: "cpk_x",
    });
    expect((await stat(store.path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(env.XDG_CONFIG_HOME, "clawplane"))).mode & 0o777).toBe(0o700);
    expect(await store.read()).toEqual({ baseURL: "http://example.test", apiKey: "cpk_x" });
  });

  it("keeps 0600 when overwriting a file that was more open", async () => {
    const env = { XDG_CONFIG_HOME: await tempDir() };
    const store = fileConfigStore(env);
    await store.write({ baseURL: "a", apiKey: "1" });
    const { chmod } = await import("node:fs/promises");
    await chmod(store.path, 0o644);
    await store.write({ baseURL: "b", apiKey: "2" });
    expect((await stat(store.path)).mode & 0o777).toBe(0o600);
  });
});
