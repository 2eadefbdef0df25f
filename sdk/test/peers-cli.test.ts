/**
 * `clawplane peers …` in-process against the real Worker (workerd, D1): add with the token from
 * a file (never shown again), the inbound token printed once, ls / show / test / rm, and usage
 * errors before anything is sent. (No tailnet here: `test` reports the peer unreachable, exit 1.)
 */
import { describe, expect, it } from "vitest";
import { cliOn } from "./fake-api";
import { ADMIN_KEY, BASE_URL, client, workerFetch } from "./helpers";

const TOKEN = "team-box-token-never-shown";
const cli = () =>
  cliOn({ fetch: workerFetch, baseURL: BASE_URL, apiKey: ADMIN_KEY, files: { "/tmp/tok": `${TOKEN}\n` } });

describe("clawplane peers", () => {
  it("adds, lists, shows, tests and removes a peer without ever printing its token", async () => {
    const agent = await client().agents.create({ name: "Coordinator", model: "claude-sonnet-4-6" });
    const name = `team-box-${crypto.randomUUID().slice(0, 6)}`;
    const c = cli();
    const added = await c.run(
      "peers",
      "add",
      name,
      "--address",
      "team-box.tail1234.ts.net",
      "--agent",
      agent.id,
      "--direction",
      "both",
      "--rate-limit",
      "12",
      "--token-file",
      "/tmp/tok",
    );
    expect(added).toMatchObject({ code: 0, err: "" });
    const id = added.out.match(/^id: +(peer_\S+)$/m)?.[1] as string;
    expect(added.out).toMatch(/^outbound token: +stored \(write-only\)$/m);
    expect(added.out).toMatch(/^cpp_[0-9A-Za-z]{43}$/m);
    expect((await client().peers.retrieve(id)).rate_limit_per_minute).toBe(12);

    const listed = await cli().run("peers", "ls", "--agent", agent.id);
    expect(listed.out).toContain(`${name}  team-box.tail1234.ts.net:18789  a2a       both`);
    const shown = await cli().run("peers", "show", id);
    const tested = await cli().run("peers", "test", id);
    expect(tested.code).toBe(1);
    expect(tested.out).toMatch(/^reachable: +no$/m);
    for (const r of [added, listed, shown, tested]) expect(r.out + r.err).not.toContain(TOKEN);

    const removed = await cli().run("peers", "rm", id);
    expect(removed.out).toBe(`deleted ${id}\n`);
  });

  it("refuses bad usage before sending, and shows the server's field errors", async () => {
    const twoSources = await cli().run(
      "peers",
      "add",
      "x",
      "--address",
      "a",
      "--agent",
      "agent_x",
      "--token-file",
      "/tmp/tok",
      "--token-env",
      "T",
    );
    expect(twoSources.code).toBe(2);
    const badDirection = await cli().run(
      "peers",
      "add",
      "x",
      "--address",
      "a",
      "--agent",
      "agent_x",
      "--direction",
      "sideways",
    );
    expect(badDirection.code).toBe(2);
    const noToken = await cli().run("peers", "add", "x", "--address", "8.8.8.8", "--agent", "agent_x");
    expect(noToken.code).toBe(1);
    expect(noToken.err).toContain("address");
    expect(noToken.err).toContain("outbound_token");
  });
});
