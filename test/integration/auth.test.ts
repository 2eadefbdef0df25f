import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { API_KEY_CACHE_TTL_MS } from "../../src/config";
import { liveApiKey } from "../../src/db/api-key-cache";
import { createDb } from "../../src/db/client";
import { call, callJson, createKey, MINIMAL_AGENT } from "../helpers/api";
import { waitFor } from "../helpers/wait";

describe("authentication", () => {
  it("rejects a request without a key with 401 and the error envelope", async () => {
    const { status, body, res } = await callJson("/v1/agents", { key: null });
    expect(status).toBe(401);
    expect(body).toEqual({
      type: "error",
      error: {
        type: "authentication_error",
        message: expect.stringContaining("missing API key"),
        details: { error_code: "authentication_required" },
      },
      request_id: res.headers.get("request-id"),
    });
  });

  it("rejects an unknown key", async () => {
    const { status, body } = await callJson("/v1/agents", { key: "cpk_nope" });
    expect(status).toBe(401);
    expect(body.error.details.error_code).toBe("invalid_api_key");
  });

  it("accepts the admin key as Bearer and as x-api-key", async () => {
    expect((await call("/v1/agents")).status).toBe(200);
    const res = await call("/v1/agents", { key: null, headers: { "x-api-key": "test-admin-key" } });
    expect(res.status).toBe(200);
    const both = { authorization: "Bearer test-admin-key", "x-api-key": "test-admin-key" };
    expect((await call("/v1/agents", { key: null, headers: both })).status).toBe(200);
  });

  it("refuses malformed or ambiguous credentials even next to a valid one", async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ authorization: "Bearer ", "x-api-key": "test-admin-key" }, "malformed Authorization header"],
      [
        { authorization: "Basic dXNlcjpwYXNz", "x-api-key": "test-admin-key" },
        "malformed Authorization header",
      ],
      [{ authorization: "Bearer test-admin-key", "x-api-key": " " }, "malformed x-api-key header"],
      [{ authorization: "Bearer test-admin-key", "x-api-key": "cpk_other" }, "ambiguous credentials"],
      [{ authorization: "Basic dXNlcjpwYXNz" }, "malformed Authorization header"],
    ];
    for (const [headers, message] of cases) {
      const { status, body } = await callJson("/v1/agents", { key: null, headers });
      expect(status, JSON.stringify(headers)).toBe(401);
      expect(body.error).toMatchObject({
        type: "authentication_error",
        message: expect.stringContaining(message),
        details: { error_code: "authentication_required" },
      });
    }
  });
});

describe("API keys", () => {
  it("shows the secret once, then only its prefix", async () => {
    const created = await callJson("/v1/api_keys", { body: { name: "ci deploy" } });
    expect(created.status).toBe(201);
    const secret: string = created.body.key;
    expect(secret).toMatch(/^cpk_[0-9A-Za-z]{40}$/);
    expect(created.body).toMatchObject({ type: "api_key", name: "ci deploy", scopes: ["read", "write"] });
    expect(secret.startsWith(created.body.key_prefix)).toBe(true);

    const one = await call(`/v1/api_keys/${created.body.id}`);
    const list = await call("/v1/api_keys?limit=1000");
    for (const res of [one, list]) {
      expect(res.status).toBe(200);
      expect(await res.text()).not.toContain(secret);
    }
    // Only a hash is stored.
    const row = await env.DB.prepare("SELECT * FROM api_keys WHERE id = ?").bind(created.body.id).first();
    expect(JSON.stringify(row)).not.toContain(secret);
  });

  it("authenticates with a created key, by either header, and records its use", async () => {
    const key = await createKey();
    expect((await call("/v1/agents", { key: key.secret })).status).toBe(200);
    const viaHeader = await call("/v1/agents", { key: null, headers: { "x-api-key": key.secret } });
    expect(viaHeader.status).toBe(200);
    await waitFor(async () => (await callJson(`/v1/api_keys/${key.id}`)).body.last_used_at !== null);
  });

  it("enforces scopes: read-only keys cannot write, non-admin keys cannot manage keys", async () => {
    const reader = await createKey(["read"]);
    expect((await call("/v1/agents", { key: reader.secret })).status).toBe(200);
    const write = await callJson("/v1/agents", { key: reader.secret, body: MINIMAL_AGENT });
    expect(write.status).toBe(403);
    expect(write.body.error).toMatchObject({
      type: "permission_error",
      details: { error_code: "permission_denied" },
    });

    const writer = await createKey(["read", "write"]);
    expect((await call("/v1/api_keys", { key: writer.secret })).status).toBe(403);
    expect((await call("/v1/audit", { key: writer.secret })).status).toBe(403);
  });

  it("stops accepting a key the moment it is revoked", async () => {
    const key = await createKey();
    const revoked = await callJson(`/v1/api_keys/${key.id}/revoke`, { method: "POST" });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked_at).not.toBeNull();

    const after = await callJson("/v1/agents", { key: key.secret });
    expect(after.status).toBe(401);
    expect(after.body.error.details.error_code).toBe("invalid_api_key");

    const again = await callJson(`/v1/api_keys/${key.id}/revoke`, { method: "POST" });
    expect(again.status).toBe(400);
    expect(again.body.error.details.error_code).toBe("api_key_revoked");

    const live = await callJson("/v1/api_keys?limit=1000");
    expect(live.body.data.map((k: { id: string }) => k.id)).not.toContain(key.id);
    const all = await callJson("/v1/api_keys?limit=1000&include_revoked=true");
    expect(all.body.data.map((k: { id: string }) => k.id)).toContain(key.id);
  });

  it("stops accepting a key it has just served the moment it is revoked (no cached grace)", async () => {
    const key = await createKey();
    // Served twice: the second request is answered from the isolate's cache of live keys.
    expect((await call("/v1/agents", { key: key.secret })).status).toBe(200);
    expect((await call("/v1/agents", { key: key.secret })).status).toBe(200);
    expect((await callJson(`/v1/api_keys/${key.id}/revoke`, { method: "POST" })).status).toBe(200);
    const after = await callJson("/v1/agents", { key: key.secret });
    expect(after.status).toBe(401);
    expect(after.body.error.details.error_code).toBe("invalid_api_key");
  });

  it("a key revoked through another isolate is refused once the cache's TTL has passed", async () => {
    // Another isolate's revocation is a D1 write this isolate does not see: what it still
    // accepts is bounded by API_KEY_CACHE_TTL_MS (README "API keys").
    const key = await createKey();
    const db = createDb(env.DB);
    const now = Date.now();
    expect((await liveApiKey(db, key.secret, now))?.id).toBe(key.id);
    await env.DB.prepare("UPDATE api_keys SET revoked_at = ? WHERE id = ?").bind(now, key.id).run();
    expect((await liveApiKey(db, key.secret, now + API_KEY_CACHE_TTL_MS - 1))?.id).toBe(key.id);
    expect(await liveApiKey(db, key.secret, now + API_KEY_CACHE_TTL_MS)).toBeNull();
    // Refused ones are not remembered: it stays refused.
    expect(await liveApiKey(db, key.secret, now + API_KEY_CACHE_TTL_MS + 1)).toBeNull();
  });

  it("refuses a cached key from its expiry on, not a TTL later", async () => {
    const expiresAt = Date.now() + 60_000;
    const { body } = await callJson("/v1/api_keys", {
      body: { name: "expiring", expires_at: new Date(expiresAt).toISOString() },
    });
    const db = createDb(env.DB);
    expect((await liveApiKey(db, body.key, expiresAt - 1_000))?.id).toBe(body.id);
    expect((await liveApiKey(db, body.key, expiresAt - 1))?.id).toBe(body.id);
    expect(await liveApiKey(db, body.key, expiresAt)).toBeNull();
  });

  it("rejects an expired key", async () => {
    const key = await createKey();
    await env.DB.prepare("UPDATE api_keys SET expires_at = ? WHERE id = ?")
      .bind(Date.now() - 1, key.id)
      .run();
    expect((await call("/v1/agents", { key: key.secret })).status).toBe(401);
  });

  it("validates key creation", async () => {
    const bad = await callJson("/v1/api_keys", { body: { name: "", scopes: ["root"], extra: 1 } });
    expect(bad.status).toBe(400);
    const paths = bad.body.error.details.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(["name", "scopes.0"]));
    const past = await callJson("/v1/api_keys", { body: { name: "x", expires_at: "2001-01-01T00:00:00Z" } });
    expect(past.status).toBe(400);
    expect(past.body.error.details.errors[0].path).toBe("expires_at");
    expect((await callJson("/v1/api_keys/key_missing")).body.error.details.error_code).toBe(
      "api_key_not_found",
    );
  });
});
