/**
 * `clawplane environments …` and the `default` environment of `sessions create`, run in-process
 * against the real Worker (workerd, D1): what each command creates as the server stores it,
 * tables and `--json`, usage errors (exit 2) before anything is sent, the server's errors (exit 1).
 */
import { describe, expect, it } from "vitest";
import type { Clawplane, Environment } from "../src/index";
import { collect } from "../src/index";
import { cliOn } from "./fake-api";
import { ADMIN_KEY, BASE_URL, client, workerFetch } from "./helpers";

const uniqueName = (prefix: string) => `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
const cli = (files?: Record<string, string>) =>
  cliOn({ fetch: workerFetch, baseURL: BASE_URL, apiKey: ADMIN_KEY, files });

/** Live environments named `name`, as the server lists them. */
async function liveNamed(c: Clawplane, name: string): Promise<Environment[]> {
  return (await collect(await c.environments.list({ limit: 1000 }))).filter((e) => e.name === name);
}

describe("clawplane environments", () => {
  it("creates from flags: limited networking with allowed hosts and packages, shown and listed", async () => {
    const c = cli();
    const name = uniqueName("build");
    const created = await c.run(
      "environments",
      "create",
      "--name",
      name,
      "--description",
      "CI builds",
      "--networking",
      "limited",
      "--allowed-host",
      "api.github.com",
      "--allowed-host",
      "*.pypi.org",
      "--allow-package-managers",
      "--package",
      "pip:requests",
      "--package",
      "npm:@scope/tool@1.2",
      "--package",
      "pip:rich",
      "--sleep-after",
      "1800",
      "--workspace-max-mb",
      "250",
    );
    expect(created).toMatchObject({ code: 0, err: "" });
    const id = created.out.match(/^id: +(env_\S+)$/m)?.[1];
    expect(id).toBeDefined();
    expect(created.out).toMatch(/^networking: +limited: api\.github\.com, \*\.pypi\.org, package managers$/m);
    expect(created.out).toMatch(/^packages: +npm:@scope\/tool@1\.2 pip:requests pip:rich$/m);
    expect(created.out).toMatch(/^sleep after: +1800 s idle$/m);
    expect(created.out).toMatch(/^workspace cap: +250 MB$/m);

    const stored = await client().environments.retrieve(id!);
    expect(stored).toMatchObject({
      name,
      description: "CI builds",
      config: {
        type: "cloud",
        networking: {
          type: "limited",
          allowed_hosts: ["api.github.com", "*.pypi.org"],
          allow_mcp_servers: false,
          allow_package_managers: true,
        },
        packages: { pip: ["requests", "rich"], npm: ["@scope/tool@1.2"], apt: [] },
        sleep_after_seconds: 1800,
        workspace_max_mb: 250,
      },
    });

    const shown = await c.run("--json", "environments", "show", id!);
    expect(JSON.parse(shown.out)).toEqual(stored);

    const listed = await c.run("environments", "ls", "--limit", "1000");
    const [header, ...rows] = listed.out.trimEnd().split("\n");
    expect(header).toMatch(/^ID\s+NAME\s+NETWORKING\s+CREATED\s+ARCHIVED$/);
    expect(rows.find((r) => r.startsWith(id!))).toMatch(
      new RegExp(
        `^${id}\\s+${name}\\s+limited: api\\.github\\.com, \\*\\.pypi\\.org, package managers\\s+\\S+\\s+-$`,
      ),
    );
    const json = JSON.parse((await c.run("environments", "ls", "--json", "--limit", "1")).out);
    expect(json).toHaveLength(1);
  });

  it("creates with unrestricted networking by default, or from a --config file", async () => {
    const config = { type: "cloud", networking: { type: "limited", allowed_hosts: ["example.com"] } };
    const c = cli({ "net.json": JSON.stringify(config) });
    const plain = JSON.parse(
      (await c.run("--json", "environments", "create", "--name", uniqueName("plain"))).out,
    );
    expect(plain.config).toMatchObject({ type: "cloud", networking: { type: "unrestricted" } });

    const fromFile = await c.run(
      "environments",
      "create",
      "--name",
      uniqueName("file"),
      "--config",
      "net.json",
    );
    expect(fromFile).toMatchObject({ code: 0, err: "" });
    expect(fromFile.out).toMatch(/^networking: +limited: example\.com$/m);
  });

  it("refuses bad flags before sending (exit 2) and reports the server's errors (exit 1)", async () => {
    const c = cli({ "net.json": "{}" });
    const usage = [
      ["--networking", "open"],
      ["--allowed-host", "example.com"],
      ["--networking", "unrestricted", "--allow-mcp-servers"],
      ["--package", "requests"],
      ["--package", "brew:wget"],
      ["--config", "net.json", "--networking", "limited"],
      ["--config", "missing.json"],
    ];
    for (const flags of usage) {
      const name = uniqueName("refused");
      const res = await c.run("environments", "create", "--name", name, ...flags);
      expect(res.code, flags.join(" ")).toBe(2);
      expect(res.err, flags.join(" ")).toMatch(/error: /);
      expect(await liveNamed(client(), name)).toEqual([]);
    }
    expect((await c.run("environments", "create", "--name", "x", "--allowed-host", "a")).err).toContain(
      "--allowed-host needs --networking limited",
    );

    const badHost = await c.run(
      "environments",
      "create",
      "--name",
      uniqueName("bad-host"),
      "--networking",
      "limited",
      "--allowed-host",
      "not a host",
    );
    expect(badHost.code).toBe(1);
    expect(badHost.err).toMatch(/invalid_request_error|invalid_request/);
    expect(badHost.err).toMatch(/\n {2}config\.networking\.allowed_hosts\.0: /);

    const name = uniqueName("twice");
    expect((await c.run("environments", "create", "--name", name)).code).toBe(0);
    const again = await c.run("environments", "create", "--name", name);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/already exists \(name_conflict, 409\)/);
  });

  it("archives (hidden from ls unless --include-archived) and removes", async () => {
    const c = cli();
    const env = JSON.parse(
      (await c.run("--json", "environments", "create", "--name", uniqueName("old"))).out,
    );
    const archived = await c.run("environments", "archive", env.id);
    expect(archived).toMatchObject({ code: 0, out: `archived ${env.id}\n` });
    expect((await c.run("environments", "ls", "--limit", "1000")).out).not.toContain(env.id);
    const all = await c.run("environments", "ls", "--limit", "1000", "--include-archived");
    expect(all.out).toMatch(new RegExp(`^${env.id}\\s.*\\d{4}-\\d\\d-\\d\\dT\\S+$`, "m"));
    const shown = await c.run("environments", "show", env.id);
    expect(shown.out).toMatch(/^archived: +\d{4}-/m);

    const removed = await c.run("--json", "environments", "rm", env.id);
    expect(JSON.parse(removed.out)).toEqual({ id: env.id, type: "environment_deleted" });
    const gone = await c.run("environments", "show", env.id);
    expect(gone.code).toBe(1);
    expect(gone.err).toMatch(/\(environment_not_found, 404\)/);
  });
});

describe("clawplane sessions create without --environment", () => {
  it("creates the 'default' environment once (saying so on stderr), then reuses it, also under a race", async () => {
    const sdk = client();
    // Start from no live `default`, whatever ran before in this file's database.
    for (const e of await liveNamed(sdk, "default")) await sdk.environments.archive(e.id);
    const agent = await sdk.agents.create({ name: "Default env", model: "claude-sonnet-4-6" });

    // Two first sessions at once: one creates `default`, the other finds it; neither duplicates it.
    const [a, b] = await Promise.all([
      cli().run("--json", "sessions", "create", "--agent", agent.id),
      cli().run("--json", "sessions", "create", "--agent", agent.id),
    ]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const [environment, ...duplicates] = await liveNamed(sdk, "default");
    expect(duplicates).toEqual([]);
    expect(environment?.config).toMatchObject({ type: "cloud", networking: { type: "unrestricted" } });
    expect(JSON.parse(a.out).environment_id).toBe(environment!.id);
    expect(JSON.parse(b.out).environment_id).toBe(environment!.id);
    const notices = [a.err, b.err].filter((err) => err !== "");
    expect(notices).toEqual([
      `Created environment 'default' (${environment!.id}, unrestricted networking) for sessions without --environment\n`,
    ]);

    const later = await cli().run("sessions", "create", "--agent", agent.id);
    expect(later).toMatchObject({ code: 0, err: "" });
    expect(later.out).toMatch(new RegExp(`^environment: +${environment!.id}$`, "m"));
    expect(await liveNamed(sdk, "default")).toHaveLength(1);

    // An explicit --environment is used as given and leaves `default` alone.
    const other = await sdk.environments.create({ name: uniqueName("chosen") });
    const chosen = await cli().run(
      "--json",
      "sessions",
      "create",
      "--agent",
      agent.id,
      "--environment",
      other.id,
    );
    expect(JSON.parse(chosen.out).environment_id).toBe(other.id);
  });
});
