/**
 * Binding vaults to sessions with the official `@anthropic-ai/sdk` (`client.beta.sessions.create
 * ({vault_ids})`), and the bad input around it: unknown, archived and repeated vaults,
 * and malformed environment networking policies — each answered with the error envelope and the
 * field path, and no secret in any response.
 */
import { exports } from "cloudflare:workers";
import Anthropic from "@anthropic-ai/sdk";
import { beforeEach, describe, expect, it } from "vitest";
import { ADMIN_KEY, BASE_URL, MINIMAL_AGENT } from "../helpers/api";

const bodies: string[] = [];
const client = new Anthropic({
  apiKey: ADMIN_KEY,
  baseURL: BASE_URL,
  maxRetries: 0,
  fetch: async (input, init) => {
    const res = await exports.default.fetch(new Request(input as RequestInfo, init as RequestInit));
    bodies.push(await res.clone().text());
    return res;
  },
});
beforeEach(() => {
  bodies.length = 0;
});

async function fixture() {
  const agent = await client.beta.agents.create({ ...MINIMAL_AGENT });
  const environment = await client.beta.environments.create({ name: `vaults-${crypto.randomUUID()}` });
  return { agent, environment };
}

async function vaultWithBearer(token: string) {
  const vault = await client.beta.vaults.create({ display_name: "MCP tokens" });
  await client.beta.vaults.credentials.create(vault.id, {
    auth: { type: "static_bearer", mcp_server_url: "https://mcp.example.com/mcp", token },
  });
  return vault;
}

/** The SDK error a call rejects with. */
async function failure(call: Promise<unknown>): Promise<InstanceType<typeof Anthropic.APIError>> {
  const err = await call.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Anthropic.APIError);
  return err as InstanceType<typeof Anthropic.APIError>;
}
const errorPaths = (err: InstanceType<typeof Anthropic.APIError>) =>
  ((err.error as any)?.error?.details?.errors ?? []).map((e: { path: string }) => e.path);

describe("sessions bind vaults", () => {
  it("binds vaults in the order given; the session shows them, the secrets stay out of every response", async () => {
    const token = `tok-${crypto.randomUUID()}`;
    const { agent, environment } = await fixture();
    const first = await vaultWithBearer(token);
    const second = await client.beta.vaults.create({ display_name: "empty" });
    const session = await client.beta.sessions.create({
      agent: agent.id,
      environment_id: environment.id,
      vault_ids: [second.id, first.id],
    });
    expect(session.vault_ids).toEqual([second.id, first.id]);
    expect((await client.beta.sessions.retrieve(session.id)).vault_ids).toEqual([second.id, first.id]);
    const listed: string[][] = [];
    for await (const s of client.beta.sessions.list({ agent_id: agent.id })) listed.push(s.vault_ids);
    expect(listed).toEqual([[second.id, first.id]]);
    const plain = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    expect(plain.vault_ids).toEqual([]);
    for (const body of bodies) expect(body.includes(token)).toBe(false);
  });

  it("refuses unknown, archived and repeated vaults with the field path", async () => {
    const { agent, environment } = await fixture();
    const live = await client.beta.vaults.create({ display_name: "live" });
    const create = (vault_ids: string[]) =>
      client.beta.sessions.create({ agent: agent.id, environment_id: environment.id, vault_ids });

    const unknown = await failure(create([live.id, "vlt_doesnotexist000000000000"]));
    expect(unknown).toBeInstanceOf(Anthropic.NotFoundError);
    expect(unknown.errorCode).toBe("vault_not_found");
    expect(errorPaths(unknown)).toEqual(["vault_ids.1"]);

    const archived = await client.beta.vaults.create({ display_name: "old" });
    await client.beta.vaults.archive(archived.id);
    const refused = await failure(create([archived.id]));
    expect(refused).toBeInstanceOf(Anthropic.BadRequestError);
    expect(refused.errorCode).toBe("vault_archived");
    expect(errorPaths(refused)).toEqual(["vault_ids.0"]);

    const twice = await failure(create([live.id, live.id]));
    expect(twice).toBeInstanceOf(Anthropic.BadRequestError);
    expect(errorPaths(twice)).toEqual(["vault_ids.1"]);

    const malformed = await failure(create([""]));
    expect(malformed).toBeInstanceOf(Anthropic.BadRequestError);
    expect(errorPaths(malformed)).toEqual(["vault_ids.0"]);
  });

  it("binds a vault holding environment_variable credentials, without echoing the secret", async () => {
    const secret = `val-${crypto.randomUUID()}`;
    const { agent, environment } = await fixture();
    const vault = await client.beta.vaults.create({ display_name: "env secrets" });
    await client.beta.vaults.credentials.create(vault.id, {
      auth: {
        type: "environment_variable",
        secret_name: "GITHUB_TOKEN",
        secret_value: secret,
        networking: { type: "limited", allowed_hosts: ["api.github.com"] },
      },
    });
    const ok = await client.beta.vaults.create({ display_name: "fine" });
    const bound = await client.beta.sessions.create({
      agent: agent.id,
      environment_id: environment.id,
      vault_ids: [ok.id, vault.id],
    });
    expect(bound.vault_ids).toEqual([ok.id, vault.id]);
    const read = await client.beta.sessions.retrieve(bound.id);
    expect(read.vault_ids).toEqual([ok.id, vault.id]);
    for (const body of bodies) expect(body.includes(secret)).toBe(false);
  });
});

describe("environment networking policies", () => {
  it("stores a limited policy as sent", async () => {
    const environment = await client.beta.environments.create({
      name: `limited-${crypto.randomUUID()}`,
      config: {
        type: "cloud",
        networking: {
          type: "limited",
          allowed_hosts: ["api.github.com", "*.githubusercontent.com", "10.0.0.1"],
          allow_mcp_servers: true,
        },
      },
    });
    expect(environment.config).toMatchObject({
      type: "cloud",
      networking: {
        type: "limited",
        allowed_hosts: ["api.github.com", "*.githubusercontent.com", "10.0.0.1"],
        allow_mcp_servers: true,
        allow_package_managers: false,
      },
    });
  });

  it.each([
    [{ type: "limited", allowed_hosts: ["not a host!"] }, "config.networking.allowed_hosts.0"],
    [
      { type: "limited", allowed_hosts: ["ok.example", "https://example.com/path"] },
      "config.networking.allowed_hosts.1",
    ],
    [{ type: "limited", allowed_hosts: ["*"] }, "config.networking.allowed_hosts.0"],
    [{ type: "limited", allowed_hosts: "example.com" }, "config.networking.allowed_hosts"],
    [{ type: "limited", allow_mcp_servers: "yes" }, "config.networking.allow_mcp_servers"],
    [{ type: "firewalled" }, "config.networking.type"],
  ])("refuses malformed networking %j at %s", async (networking, path) => {
    const err = await failure(
      client.beta.environments.create({
        name: `bad-${crypto.randomUUID()}`,
        config: { type: "cloud", networking: networking as never },
      }),
    );
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect(errorPaths(err)).toContain(path);
  });
});
