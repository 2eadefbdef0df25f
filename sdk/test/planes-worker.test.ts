/**
 * The `planes` CLI and `client.planes` against the real Worker (workerd, D1, Durable Objects):
 * the README walkthrough end to end — create a plane, add a member, the member uses their
 * token, status, logs, upgrade and rollback, remove the member — so the SDK's types and the
 * CLI's rendering are checked against what the server really returns.
 */
import { describe, expect, it } from "vitest";
import { Clawplane, collect, NotFoundError, PermissionDeniedError } from "../src/index";
import { cliOn } from "./fake-api";
import { ADMIN_KEY, BASE_URL, client, message, workerFetch } from "./helpers";

/** A plane name no other test uses. */
const uniqueName = (prefix: string) => `${prefix}-${crypto.randomUUID().slice(0, 8)}`;

describe("planes against the Worker", () => {
  it("walks the README: create, add-agent, member token, status, logs, upgrade, rollback, remove", async () => {
    const cli = cliOn({
      fetch: workerFetch,
      baseURL: BASE_URL,
      apiKey: ADMIN_KEY,
      files: {
        "tpl.json": JSON.stringify({ tools: [{ type: "agent_toolset_20260401" }] }),
        "briefer.json": JSON.stringify({ system: "Be briefer." }),
        "net.json": JSON.stringify({ networking: { type: "limited", allowed_hosts: ["api.github.com"] } }),
      },
    });
    const name = uniqueName("acme");

    const created = await cli.run(
      "--json",
      "planes",
      "create",
      "--name",
      name,
      "--model",
      "claude-sonnet-4-6",
      "--system",
      "Be brief.",
      "--template",
      "tpl.json",
      "--budget",
      "50",
      "--environment",
      "net.json",
    );
    expect(created).toMatchObject({ code: 0, err: "" });
    const plane = JSON.parse(created.out);
    expect(plane).toMatchObject({ type: "plane", name, monthly_budget_usd: 50, template_version: 1 });
    expect(plane.admin_token).toMatch(/^cpa_/);
    expect(plane.template.model.id).toBe("claude-sonnet-4-6");

    // Another admin token works beside the first.
    const minted = await cli.run("planes", "admin-token", "--plane", name);
    const second = /\n {2}(cpa_\S+)\n/.exec(`\n${minted.out}`)?.[1];
    expect(second).toMatch(/^cpa_/);
    expect(second).not.toBe(plane.admin_token);
    const viaSecond = new Clawplane({ baseURL: BASE_URL, apiKey: second!, fetch: workerFetch });
    expect((await viaSecond.planes.list()).data.map((p) => p.id)).toEqual([plane.id]);

    const listed = await cli.run("planes", "ls", "--limit", "1000");
    expect(listed.out).toMatch(new RegExp(`^${name}\\s+${plane.id}\\s+claude-sonnet-4-6\\s+`, "m"));

    // add-agent as the plane admin: the token printed once works as an ordinary key.
    const planeAdmin = cliOn({
      fetch: workerFetch,
      baseURL: BASE_URL,
      apiKey: plane.admin_token,
      files: { "briefer.json": JSON.stringify({ system: "Be briefer." }) },
    });
    const added = await planeAdmin.run(
      "planes",
      "add-agent",
      "--plane",
      name,
      "--name",
      "alice",
      "--owner",
      "alice@acme.com",
    );
    expect(added).toMatchObject({ code: 0, err: "" });
    const token = /\n {2}(cpm_\S+)\n/.exec(added.out)?.[1];
    expect(token).toBeDefined();
    const agentId = /^agent: +(\S+)$/m.exec(added.out)?.[1];
    const environmentId = /^environment: +(\S+)$/m.exec(added.out)?.[1];
    expect(added.out).toContain(
      `curl -s ${BASE_URL}/v1/chat/completions -H "authorization: Bearer ${token}"`,
    );

    const member = new Clawplane({ baseURL: BASE_URL, apiKey: token!, fetch: workerFetch, maxRetries: 0 });
    const own = await member.agents.retrieve(agentId!);
    expect(own.system).toBe("Be brief.");
    expect(own.tools.length).toBeGreaterThan(0);
    const env = await member.environments.retrieve(environmentId!);
    expect(env.config).toMatchObject({ networking: { type: "limited", allowed_hosts: ["api.github.com"] } });
    const session = await member.sessions.create({ agent: agentId!, environment_id: environmentId! });
    await member.sessions.events.send(session.id, message("hello from alice"));
    // A member cannot manage the plane.
    const denied = await member.planes.list().catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(PermissionDeniedError);

    const status = await planeAdmin.run("planes", "status", "--plane", name);
    expect(status.code).toBe(0);
    expect(status.out).toMatch(
      new RegExp(`^plane ${name} \\(${plane.id}\\): runtime \\S+, template v1$`, "m"),
    );
    expect(status.out).toMatch(/^alice\s+alice@acme\.com\s+\S+\s+\d+\/1\s+\S+\s+/m);
    expect(status.out).toContain("totals: 1 member, sessions");
    const statusJson = JSON.parse((await planeAdmin.run("--json", "planes", "status", "--plane", name)).out);
    expect(statusJson.members.map((m: { name: string }) => m.name)).toEqual(["alice"]);

    // The plane admin reads alice's logs: her message is there.
    const logs = await planeAdmin.run("planes", "logs", "--plane", name, "--name", "alice");
    expect(logs.code).toBe(0);
    expect(logs.out).toMatch(new RegExp(`${session.id}  user\\.message\\s+hello from alice`));

    // Only runtimes this deployment ships are accepted; the refusal names them.
    const before = await client().planes.retrieve(name);
    const unknown = await planeAdmin.run("planes", "upgrade", "--plane", name, "--runtime", "0.0.1");
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain("(invalid_request, 400)");
    expect(unknown.err).toMatch(new RegExp(`available: .*${before.runtime_version.replaceAll(".", "\\.")}`));
    // Upgrade the template, then roll it back.
    const upgraded = await planeAdmin.run(
      "--json",
      "planes",
      "upgrade",
      "--plane",
      name,
      "--template",
      "briefer.json",
    );
    expect(upgraded.code, upgraded.err).toBe(0);
    const rollout = JSON.parse(upgraded.out);
    expect(rollout).toMatchObject({
      type: "plane_rollout",
      from: { template_version: 1, runtime_version: before.runtime_version },
      to: { template_version: 2, runtime_version: before.runtime_version },
    });
    expect((await member.agents.retrieve(agentId!)).system).toBe("Be briefer.");
    const rolledBack = await planeAdmin.run("planes", "upgrade", "--plane", name, "--rollback", rollout.id);
    expect(rolledBack.code, rolledBack.err).toBe(0);
    expect(rolledBack.out).toMatch(/^status: +rolled_back$/m);
    expect((await member.agents.retrieve(agentId!)).system).toBe("Be brief.");
    const rollouts = await collect(await client().planes.upgrades.list(name));
    expect(rollouts.map((r) => r.id)).toContain(rollout.id);

    // Remove alice: her token stops working, the plane can then be deleted.
    const removed = await planeAdmin.run(
      "planes",
      "remove-agent",
      "--plane",
      name,
      "--name",
      "alice",
      "--yes",
    );
    expect(removed.code, removed.err).toBe(0);
    expect(removed.out).toMatch(
      /^removed alice \(pmem_\S+\): \d+ sessions? ended, token revoked, secrets deleted\n$/,
    );
    const revoked = await member.agents.retrieve(agentId!).catch((e: unknown) => e);
    expect(revoked).toMatchObject({ status: 401 });
    const deleted = await cli.run("planes", "rm", "--plane", name, "--yes");
    expect(deleted).toEqual({ code: 0, out: `deleted ${name} (${plane.id})\n`, err: "" });
    expect(
      await client()
        .planes.retrieve(name)
        .catch((e: unknown) => e),
    ).toBeInstanceOf(NotFoundError);
  });

  it("follows a member's logs live with `planes logs --follow` until Ctrl-C", async () => {
    const admin = client();
    const name = uniqueName("follow");
    await admin.planes.create({ name, template: { model: "claude-sonnet-4-6" } });
    const added = await admin.planes.members.add(name, { name: "bob", owner: "bob@acme.com" });
    const bob = new Clawplane({ baseURL: BASE_URL, apiKey: added.token, fetch: workerFetch, maxRetries: 0 });
    const session = await bob.sessions.create({
      agent: added.agent_id,
      environment_id: added.environment_id,
    });

    const ctrlC = new AbortController();
    const cli = cliOn({
      fetch: workerFetch,
      baseURL: BASE_URL,
      apiKey: ADMIN_KEY,
      signal: ctrlC.signal,
      onStdout: (out) => {
        if (out.includes('"type":"session.status_idle"')) ctrlC.abort();
      },
    });
    const following = cli.run("--json", "planes", "logs", "--plane", name, "--name", "bob", "--follow");
    // The follow is live: keep bob talking until his events show up in it (the follower
    // subscribes to his session just after the stream opens).
    let sent = 0;
    let done = false;
    void following.then(() => {
      done = true;
    });
    while (!done) {
      await bob.sessions.events.send(session.id, message(`ping ${sent++}`));
      await Promise.race([following, new Promise((r) => setTimeout(r, 250))]);
    }
    const res = await following;
    expect(res.code).toBe(130);
    const items = res.out
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as { session_id: string; event: { type: string } });
    expect(items.every((i) => i.session_id === session.id)).toBe(true);
    expect(items.at(-1)!.event.type).toBe("session.status_idle");
    await admin.planes.members.remove(name, "bob");
  });

  it("reports the server's refusals with exit 1", async () => {
    const cli = cliOn({ fetch: workerFetch, baseURL: BASE_URL, apiKey: ADMIN_KEY });
    const bad = await cli.run("planes", "create", "--name", "Not A Slug", "--model", "m");
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/\n {2}name: /);
    const missing = await cli.run("planes", "status", "--plane", uniqueName("missing"));
    expect(missing).toMatchObject({ code: 1, err: expect.stringContaining("(plane_not_found, 404)") });
  });
});
