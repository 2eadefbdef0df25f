/** Credential auth rules: splitting secrets from public fields, updates, and rejoining. */
import { describe, expect, it } from "vitest";
import { applyAuthUpdate, joinAuth, matchKeyOf, splitCreateAuth } from "../../src/vaults/credential-auth";
import { apiError } from "./support";

const NOW = Date.parse("2026-01-01T00:00:00Z");
const oauth = () =>
  splitCreateAuth(
    {
      type: "mcp_oauth",
      mcp_server_url: "https://mcp.test/x",
      access_token: "acc",
      expires_at: "2027-01-01T00:00:00+00:00",
      refresh: {
        client_id: "c",
        refresh_token: "ref",
        token_endpoint: "https://auth.test/token",
        token_endpoint_auth: { type: "client_secret_post", client_secret: "cs" },
        scope: "read",
      },
    },
    NOW,
  );

describe("credential auth", () => {
  it("keeps every secret out of the public half", () => {
    const split = oauth();
    expect(JSON.stringify(split.auth)).not.toMatch(/acc|ref"|cs/);
    expect(split.secrets).toEqual({
      type: "mcp_oauth",
      access_token: "acc",
      refresh_token: "ref",
      client_secret: "cs",
    });
    expect(split.auth).toMatchObject({ expires_at: "2027-01-01T00:00:00.000Z" });
  });

  it("merges an oauth update: new token, cleared scope, kept client secret method", () => {
    const next = applyAuthUpdate(
      oauth(),
      {
        type: "mcp_oauth",
        access_token: "acc2",
        refresh: { scope: "", token_endpoint_auth: { type: "client_secret_basic", client_secret: "cs2" } },
      },
      NOW,
    );
    expect(next.secrets).toEqual({
      type: "mcp_oauth",
      access_token: "acc2",
      refresh_token: "ref",
      client_secret: "cs2",
    });
    expect(next.auth).toMatchObject({
      expires_at: "2027-01-01T00:00:00.000Z",
      refresh: { scope: null, token_endpoint_auth: { type: "client_secret_post" } },
    });
    expect(joinAuth(next)).toMatchObject({
      access_token: "acc2",
      refresh: {
        refresh_token: "ref",
        token_endpoint_auth: { type: "client_secret_post", client_secret: "cs2" },
      },
    });
  });

  it("rejects type changes, immutable fields, past expiries and empty injection", () => {
    const bearer = splitCreateAuth(
      { type: "static_bearer", mcp_server_url: "https://a.test", token: "t" },
      NOW,
    );
    expect(apiError(() => applyAuthUpdate(bearer, { type: "mcp_oauth" }, NOW)).code).toBe(
      "credential_type_change",
    );
    expect(
      apiError(() =>
        applyAuthUpdate(bearer, { type: "static_bearer", mcp_server_url: "https://b.test" }, NOW),
      ).code,
    ).toBe("credential_immutable_field");
    expect(
      apiError(() => applyAuthUpdate(oauth(), { type: "mcp_oauth", expires_at: "2020-01-01T00:00:00Z" }, NOW))
        .fields,
    ).toEqual([{ path: "auth.expires_at", message: "must be in the future" }]);
    const envVar = splitCreateAuth(
      {
        type: "environment_variable",
        secret_name: "K",
        secret_value: "v",
        networking: { type: "unrestricted" },
      },
      NOW,
    );
    const noInjection = { type: "environment_variable" as const, injection_location: { header: false } };
    expect(apiError(() => applyAuthUpdate(envVar, noInjection, NOW)).fields?.[0]?.path).toBe(
      "auth.injection_location",
    );
    expect(
      apiError(() => applyAuthUpdate(envVar, { type: "environment_variable", secret_name: "J" }, NOW)).code,
    ).toBe("credential_immutable_field");
  });

  it("matches duplicates by normalised URL or secret name", () => {
    expect(matchKeyOf({ type: "static_bearer", mcp_server_url: "https://MCP.test/x/" })).toBe(
      matchKeyOf({ type: "static_bearer", mcp_server_url: "https://mcp.test/x" }),
    );
    expect(
      matchKeyOf({
        type: "environment_variable",
        secret_name: "K",
        networking: { type: "unrestricted" },
        injection_location: { header: true, body: false },
      }),
    ).toBe("env:K");
  });
});
