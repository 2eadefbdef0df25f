/**
 * `client.beta.vaults` and `client.beta.vaults.credentials` of the official `@anthropic-ai/sdk`
 * against the Worker, every method, and the write-only rule: no secret value appears in any
 * response body (success, list or error), in the audit rows, or in console output.
 */
import { env, exports } from "cloudflare:workers";
import Anthropic from "@anthropic-ai/sdk";
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import { ADMIN_KEY, BASE_URL } from "../helpers/api";

/** Every response body the SDK received during a test, as text. */
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

const consoleSpies: MockInstance[] = [];
beforeEach(() => {
  bodies.length = 0;
  for (const method of ["log", "warn", "error", "info", "debug"] as const) {
    consoleSpies.push(vi.spyOn(console, method));
  }
});
afterEach(() => {
  for (const spy of consoleSpies.splice(0)) spy.mockRestore();
});

/** Fails if any secret occurs in a response, an audit row or a console call of this test. */
async function expectNoLeak(secrets: string[]): Promise<void> {
  const audit = await env.DB.prepare("SELECT * FROM audit_log").all();
  const consoleText = consoleSpies.flatMap((s) => s.mock.calls.map((args) => JSON.stringify(args)));
  const haystacks = [...bodies, JSON.stringify(audit.results), ...consoleText];
  for (const secret of secrets) {
    for (const text of haystacks) expect(text.includes(secret), "secret leaked").toBe(false);
  }
  expect(bodies.length).toBeGreaterThan(0);
}

const secret = (label: string) => `${label}-${crypto.randomUUID()}`;

describe("@anthropic-ai/sdk beta.vaults", () => {
  it("creates, retrieves, updates, lists, archives and deletes vaults", async () => {
    const vault = await client.beta.vaults.create({ display_name: "Alice", metadata: { user: "u1" } });
    expect(vault).toMatchObject({ type: "vault", display_name: "Alice", metadata: { user: "u1" } });
    expect(vault.id).toMatch(/^vlt_[0-9A-Za-z]{24}$/);
    expect(vault.archived_at).toBeNull();

    expect((await client.beta.vaults.retrieve(vault.id)).display_name).toBe("Alice");
    const updated = await client.beta.vaults.update(vault.id, {
      display_name: "Alice B",
      metadata: { user: null, tier: "gold" },
    });
    expect(updated).toMatchObject({ display_name: "Alice B", metadata: { tier: "gold" } });

    const ids: string[] = [];
    for await (const v of client.beta.vaults.list({ limit: 1 })) ids.push(v.id);
    expect(ids).toContain(vault.id);

    const archived = await client.beta.vaults.archive(vault.id);
    expect(archived.archived_at).not.toBeNull();
    const live: string[] = [];
    for await (const v of client.beta.vaults.list()) live.push(v.id);
    expect(live).not.toContain(vault.id);
    const all: string[] = [];
    for await (const v of client.beta.vaults.list({ include_archived: true })) all.push(v.id);
    expect(all).toContain(vault.id);

    expect(await client.beta.vaults.delete(vault.id)).toMatchObject({ id: vault.id, type: "vault_deleted" });
    const gone = await client.beta.vaults.retrieve(vault.id).catch((e) => e);
    expect(gone).toBeInstanceOf(Anthropic.NotFoundError);
    expect(gone.errorCode).toBe("vault_not_found");
  });

  it("manages credentials of every auth type without ever returning a secret", async () => {
    const secrets = {
      token: secret("tok"),
      access: secret("acc"),
      refresh: secret("ref"),
      client: secret("cli"),
      value: secret("val"),
      newToken: secret("tok2"),
      newValue: secret("val2"),
    };
    const vault = await client.beta.vaults.create({ display_name: "Bob" });
    const bearer = await client.beta.vaults.credentials.create(vault.id, {
      display_name: "Linear",
      auth: { type: "static_bearer", mcp_server_url: "https://mcp.linear.app/mcp", token: secrets.token },
    });
    expect(bearer).toMatchObject({
      type: "vault_credential",
      vault_id: vault.id,
      display_name: "Linear",
      auth: { type: "static_bearer", mcp_server_url: "https://mcp.linear.app/mcp" },
      metadata: {},
      archived_at: null,
    });
    expect(bearer.id).toMatch(/^vcrd_/);
    expect(Object.keys(bearer.auth).sort()).toEqual(["mcp_server_url", "type"]);

    const oauth = await client.beta.vaults.credentials.create(vault.id, {
      auth: {
        type: "mcp_oauth",
        mcp_server_url: "https://mcp.slack.com/mcp",
        access_token: secrets.access,
        expires_at: "2999-01-01T00:00:00Z",
        refresh: {
          client_id: "client-1",
          refresh_token: secrets.refresh,
          token_endpoint: "https://slack.com/oauth/token",
          token_endpoint_auth: { type: "client_secret_basic", client_secret: secrets.client },
          scope: "read",
        },
      },
    });
    expect(oauth.auth).toEqual({
      type: "mcp_oauth",
      mcp_server_url: "https://mcp.slack.com/mcp",
      expires_at: "2999-01-01T00:00:00.000Z",
      refresh: {
        client_id: "client-1",
        token_endpoint: "https://slack.com/oauth/token",
        token_endpoint_auth: { type: "client_secret_basic" },
        scope: "read",
        resource: null,
      },
    });

    const envVar = await client.beta.vaults.credentials.create(vault.id, {
      auth: {
        type: "environment_variable",
        secret_name: "GITHUB_TOKEN",
        secret_value: secrets.value,
        networking: {
          type: "limited",
          allowed_hosts: ["api.github.com", "*.githubusercontent.com", "10.0.0.1"],
        },
      },
    });
    expect(envVar.auth).toEqual({
      type: "environment_variable",
      secret_name: "GITHUB_TOKEN",
      networking: {
        type: "limited",
        allowed_hosts: ["api.github.com", "*.githubusercontent.com", "10.0.0.1"],
      },
      injection_location: { header: true, body: false },
    });

    // Credential methods take the credential id first and the vault id in params.
    const fetched = await client.beta.vaults.credentials.retrieve(bearer.id, { vault_id: vault.id });
    expect(fetched.auth).toEqual(bearer.auth);
    const rotated = await client.beta.vaults.credentials.update(bearer.id, {
      vault_id: vault.id,
      auth: { type: "static_bearer", token: secrets.newToken },
      metadata: { env: "prod" },
    });
    expect(rotated.metadata).toEqual({ env: "prod" });
    const moved = await client.beta.vaults.credentials.update(envVar.id, {
      vault_id: vault.id,
      auth: {
        type: "environment_variable",
        secret_value: secrets.newValue,
        injection_location: { body: true },
      },
    });
    expect(moved.auth).toMatchObject({ injection_location: { header: true, body: true } });

    const wrongType = await client.beta.vaults.credentials
      .update(bearer.id, { vault_id: vault.id, auth: { type: "mcp_oauth", access_token: secrets.access } })
      .catch((e) => e);
    expect(wrongType).toBeInstanceOf(Anthropic.BadRequestError);
    expect(wrongType.errorCode).toBe("credential_type_change");

    const listed: string[] = [];
    for await (const c of client.beta.vaults.credentials.list(vault.id, { limit: 2 })) listed.push(c.id);
    expect(listed.sort()).toEqual([bearer.id, oauth.id, envVar.id].sort());

    const archived = await client.beta.vaults.credentials.archive(oauth.id, { vault_id: vault.id });
    expect(archived.archived_at).not.toBeNull();
    const deleted = await client.beta.vaults.credentials.delete(envVar.id, { vault_id: vault.id });
    expect(deleted).toEqual({ id: envVar.id, type: "vault_credential_deleted" });
    const missing = await client.beta.vaults.credentials
      .retrieve(envVar.id, { vault_id: vault.id })
      .catch((e) => e);
    expect(missing).toBeInstanceOf(Anthropic.NotFoundError);
    expect(missing.errorCode).toBe("vault_credential_not_found");

    // A duplicate MCP server URL is a 409 whose error body does not echo the secret either.
    const dup = await client.beta.vaults.credentials
      .create(vault.id, {
        auth: { type: "static_bearer", mcp_server_url: "https://mcp.linear.app/mcp/", token: secrets.token },
      })
      .catch((e) => e);
    expect(dup).toBeInstanceOf(Anthropic.ConflictError);
    expect(dup.errorCode).toBe("vault_credential_conflict");

    await expectNoLeak(Object.values(secrets));
  });
});
