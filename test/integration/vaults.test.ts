/**
 * Vaults over raw HTTP: status codes, error codes and field paths for bad input, the
 * per-vault credential limit, duplicates, archived vaults, immutable fields, scopes, and the
 * 503 a deployment without `VAULT_ENCRYPTION_KEYS` answers on vault routes only.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { ADMIN_KEY, BASE_URL, callJson, createKey, MINIMAL_AGENT } from "../helpers/api";

async function newVault(name = "v"): Promise<string> {
  const { status, body } = await callJson("/v1/vaults", { body: { display_name: name } });
  expect(status).toBe(200);
  return body.id;
}

const bearer = (url: string, token = "t0ken-value") => ({
  auth: { type: "static_bearer", mcp_server_url: url, token },
});

describe("vaults over HTTP", () => {
  it("validates display_name and metadata with field paths", async () => {
    const empty = await callJson("/v1/vaults", { body: { display_name: "" } });
    expect(empty.status).toBe(400);
    expect(empty.body.error.details.errors[0].path).toBe("display_name");
    const long = await callJson("/v1/vaults", { body: { display_name: "x".repeat(256) } });
    expect(long.status).toBe(400);
    const meta = await callJson("/v1/vaults", {
      body: { display_name: "a", metadata: { ["k".repeat(65)]: "v" } },
    });
    expect(meta.body.error.details.error_code).toBe("invalid_metadata");
    const unknown = await callJson("/v1/vaults", { body: { display_name: "a", nmae: 1 } });
    expect(unknown.body.error.details.errors[0].path).toBe("nmae");
    const missing = await callJson("/v1/vaults/vlt_missing");
    expect([missing.status, missing.body.error.details.error_code]).toEqual([404, "vault_not_found"]);
  });

  it("rejects malformed auth with field paths and never echoes the secret", async () => {
    const id = await newVault();
    const cases: Array<[unknown, string]> = [
      [{ type: "static_bearer", mcp_server_url: "not a url", token: "s3cr3t-A" }, "auth.mcp_server_url"],
      [{ type: "static_bearer", mcp_server_url: "https://x.test/mcp", token: "" }, "auth.token"],
      [{ type: "telepathy", token: "s3cr3t-A" }, "auth.type"],
      [
        {
          type: "environment_variable",
          secret_name: "1BAD",
          secret_value: "s3cr3t-A",
          networking: { type: "unrestricted" },
        },
        "auth.secret_name",
      ],
      [
        {
          type: "environment_variable",
          secret_name: "NODE_OPTIONS",
          secret_value: "s3cr3t-A",
          networking: { type: "unrestricted" },
        },
        "auth.secret_name",
      ],
      [
        {
          type: "environment_variable",
          secret_name: "OK",
          secret_value: "s3cr3t-A",
          networking: { type: "limited", allowed_hosts: ["https://a.test/path"] },
        },
        "auth.networking.allowed_hosts.0",
      ],
      [
        {
          type: "environment_variable",
          secret_name: "OK",
          secret_value: "s3cr3t-A",
          networking: { type: "limited", allowed_hosts: Array.from({ length: 17 }, (_, i) => `h${i}.test`) },
        },
        "auth.networking.allowed_hosts",
      ],
      [
        {
          type: "mcp_oauth",
          mcp_server_url: "https://x.test",
          access_token: "s3cr3t-A",
          expires_at: "2001-01-01T00:00:00Z",
        },
        "auth.expires_at",
      ],
      [
        { type: "static_bearer", mcp_server_url: "https://x.test", token: "s3cr3t-A", tokn: "s3cr3t-A" },
        "auth.tokn",
      ],
    ];
    for (const [auth, path] of cases) {
      const { status, body, res } = await callJson(`/v1/vaults/${id}/credentials`, { body: { auth } });
      expect(status, path).toBe(400);
      expect(body.error.details.errors.map((e: { path: string }) => e.path)).toContain(path);
      expect(JSON.stringify(body)).not.toContain("s3cr3t-A");
      expect(res.headers.get("x-should-retry")).toBe("false");
    }
  });

  it("enforces 20 live credentials per vault and 409 on a duplicate URL or secret name", async () => {
    const id = await newVault();
    for (let i = 0; i < 20; i++) {
      const { status } = await callJson(`/v1/vaults/${id}/credentials`, {
        body: bearer(`https://m${i}.test/mcp`),
      });
      expect(status).toBe(200);
    }
    const over = await callJson(`/v1/vaults/${id}/credentials`, { body: bearer("https://m20.test/mcp") });
    expect([over.status, over.body.error.details.error_code]).toEqual([
      400,
      "vault_credential_limit_exceeded",
    ]);

    const other = await newVault();
    const first = await callJson(`/v1/vaults/${other}/credentials`, { body: bearer("https://Dup.test/mcp") });
    const dup = await callJson(`/v1/vaults/${other}/credentials`, { body: bearer("https://dup.test/mcp/") });
    expect([dup.status, dup.body.error.details.error_code]).toEqual([409, "vault_credential_conflict"]);
    const envVar = {
      auth: {
        type: "environment_variable",
        secret_name: "TOKEN",
        secret_value: "x",
        networking: { type: "unrestricted" },
      },
    };
    expect((await callJson(`/v1/vaults/${other}/credentials`, { body: envVar })).status).toBe(200);
    expect((await callJson(`/v1/vaults/${other}/credentials`, { body: envVar })).status).toBe(409);
    // Archiving frees the URL for a new credential.
    await callJson(`/v1/vaults/${other}/credentials/${first.body.id}/archive`, { method: "POST" });
    expect(
      (await callJson(`/v1/vaults/${other}/credentials`, { body: bearer("https://dup.test/mcp") })).status,
    ).toBe(200);
  });

  it("keeps mcp_server_url and secret_name immutable and the type fixed", async () => {
    const id = await newVault();
    const cred = (await callJson(`/v1/vaults/${id}/credentials`, { body: bearer("https://a.test/mcp") }))
      .body;
    const path = `/v1/vaults/${id}/credentials/${cred.id}`;
    const url = await callJson(path, {
      body: { auth: { type: "static_bearer", mcp_server_url: "https://b.test" } },
    });
    expect([url.status, url.body.error.details.error_code]).toEqual([400, "credential_immutable_field"]);
    expect(url.body.error.details.errors[0].path).toBe("auth.mcp_server_url");
    const same = await callJson(path, {
      body: { auth: { type: "static_bearer", mcp_server_url: "https://a.test/mcp" } },
    });
    expect(same.status).toBe(200);
    const type = await callJson(path, {
      body: { auth: { type: "environment_variable", secret_value: "x" } },
    });
    expect([type.status, type.body.error.details.error_code]).toEqual([400, "credential_type_change"]);
    const wrongVault = await callJson(`/v1/vaults/${await newVault()}/credentials/${cred.id}`);
    expect(wrongVault.body.error.details.error_code).toBe("vault_credential_not_found");
    const noVault = await callJson(`/v1/vaults/vlt_nope/credentials`);
    expect(noVault.body.error.details.error_code).toBe("vault_not_found");
  });

  it("takes no new credentials or updates in an archived vault, and archives its credentials", async () => {
    const id = await newVault();
    const cred = (await callJson(`/v1/vaults/${id}/credentials`, { body: bearer("https://a.test/mcp") }))
      .body;
    const archived = await callJson(`/v1/vaults/${id}/archive`, { method: "POST" });
    expect(archived.body.archived_at).not.toBeNull();
    const create = await callJson(`/v1/vaults/${id}/credentials`, { body: bearer("https://b.test/mcp") });
    expect([create.status, create.body.error.details.error_code]).toEqual([400, "vault_archived"]);
    const update = await callJson(`/v1/vaults/${id}`, { body: { display_name: "x" } });
    expect(update.body.error.details.error_code).toBe("vault_archived");
    const c = await callJson(`/v1/vaults/${id}/credentials/${cred.id}`);
    expect(c.body.archived_at).not.toBeNull();
    const listed = await callJson(`/v1/vaults/${id}/credentials?include_archived=true`);
    expect(listed.body.data.map((x: { id: string }) => x.id)).toEqual([cred.id]);
  });

  it("pages vaults and credentials newest first, each row once", async () => {
    const vaults = [await newVault("p1"), await newVault("p2"), await newVault("p3")];
    const credentials: string[] = [];
    for (const n of [1, 2, 3]) {
      const { body } = await callJson(`/v1/vaults/${vaults[0]}/credentials`, {
        body: bearer(`https://page${n}.test/mcp`),
      });
      credentials.push(body.id);
    }
    type Row = { id: string; created_at: string };
    async function all(path: string): Promise<Row[]> {
      const rows: Row[] = [];
      let page: string | null = null;
      do {
        const query: string = page ? `&page=${encodeURIComponent(page)}` : "";
        const { status, body } = await callJson(`${path}?limit=2${query}`);
        expect(status).toBe(200);
        expect(body.data.length).toBeLessThanOrEqual(2);
        rows.push(...body.data);
        page = body.next_page;
      } while (page);
      // Each row once, newest first (ties by id, descending): no page skipped or repeated one.
      expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
      const keys = rows.map((r) => `${r.created_at} ${r.id}`);
      expect(keys).toEqual([...keys].sort().reverse());
      return rows;
    }
    const listedCredentials = (await all(`/v1/vaults/${vaults[0]}/credentials`)).map((r) => r.id);
    expect(listedCredentials.sort()).toEqual([...credentials].sort());
    const listedVaults = (await all("/v1/vaults")).map((r) => r.id);
    expect(listedVaults).toEqual(expect.arrayContaining(vaults));
  });

  it("requires write scope to change vaults and admin scope to rotate keys", async () => {
    const reader = await createKey(["read"], "vault reader");
    const denied = await callJson("/v1/vaults", { key: reader.secret, body: { display_name: "x" } });
    expect([denied.status, denied.body.error.details.error_code]).toEqual([403, "permission_denied"]);
    expect((await callJson("/v1/vaults", { key: reader.secret })).status).toBe(200);
    const writer = await createKey(["read", "write"], "vault writer");
    const rotate = await callJson("/v1/vaults/rotate", { key: writer.secret, method: "POST" });
    expect(rotate.status).toBe(403);
    expect((await callJson("/v1/vaults/rotate", { method: "POST" })).status).toBe(200);
  });

  it("answers 503 naming the secret on vault routes only when the keyring is missing or invalid", async () => {
    // The 503 is logged as an operator error; keep it out of the test output.
    const quiet = vi.spyOn(console, "error").mockImplementation(() => {});
    for (const keys of ["", "k1:dG9vLXNob3J0"]) {
      const broken = { ...env, VAULT_ENCRYPTION_KEYS: keys };
      const send = async (path: string) => {
        const ctx = createExecutionContext();
        const req = new Request(BASE_URL + path, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
        const res = await worker.fetch(req, broken, ctx);
        await waitOnExecutionContext(ctx);
        return res;
      };
      const res = await send("/v1/vaults");
      expect(res.status).toBe(503);
      const body = (await res.json()) as { error: { message: string; details: Record<string, string> } };
      expect(body.error.message).toContain("VAULT_ENCRYPTION_KEYS");
      expect(body.error.details.error_code).toBe("service_unavailable");
      expect(body.error.message).not.toContain("dG9vLXNob3J0");
      expect((await send("/v1/environments")).status).toBe(200);
    }
    expect(quiet.mock.calls.join("\n")).not.toContain("dG9vLXNob3J0");
    quiet.mockRestore();
    expect((await callJson("/v1/agents", { body: MINIMAL_AGENT })).status).toBe(200);
  });
});
