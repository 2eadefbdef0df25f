/**
 * Encryption at rest against the real D1: raw rows hold only ciphertext, tampering fails
 * closed, `loadCredentialSecrets` returns the secrets to internal callers, and key rotation
 * (`reencryptAll`, `POST /v1/vaults/rotate`) moves rows from an old key to the current one.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { keyringFromEnv, parseKeyring } from "../../src/lib/keyring";
import { VaultDecryptError } from "../../src/lib/sealed-secrets";
import { loadCredentialSecrets, reencryptAll } from "../../src/vaults/secrets";
import { callJson } from "../helpers/api";

/** A keyring entry with a fresh random 256-bit key. */
const randomEntry = (id: string) =>
  `${id}:${btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))}`;
const OLD_KEY = randomEntry("old");
const NEW_KEY = randomEntry("new");

async function vaultWithCredentials(secrets: { token: string; value: string }) {
  const vault = (await callJson("/v1/vaults", { body: { display_name: "enc" } })).body.id as string;
  const bearer = await callJson(`/v1/vaults/${vault}/credentials`, {
    body: { auth: { type: "static_bearer", mcp_server_url: "https://mcp.test/a", token: secrets.token } },
  });
  const envVar = await callJson(`/v1/vaults/${vault}/credentials`, {
    body: {
      auth: {
        type: "environment_variable",
        secret_name: "API_KEY",
        secret_value: secrets.value,
        networking: { type: "limited", allowed_hosts: ["api.test"] },
      },
    },
  });
  return { vault, bearer: bearer.body.id as string, envVar: envVar.body.id as string };
}

const rawRow = (id: string) =>
  env.DB.prepare("SELECT * FROM vault_credentials WHERE id = ?").bind(id).first<Record<string, unknown>>();

describe("vault encryption at rest", () => {
  it("stores only ciphertext and decrypts for internal callers", async () => {
    const secrets = { token: `tok-${crypto.randomUUID()}`, value: `val-${crypto.randomUUID()}` };
    const { vault, bearer, envVar } = await vaultWithCredentials(secrets);
    for (const id of [bearer, envVar]) {
      const row = await rawRow(id);
      const text = JSON.stringify(row);
      expect(text).not.toContain(secrets.token);
      expect(text).not.toContain(secrets.value);
      expect(row?.secret_ciphertext).toMatch(/^v1\.test1\.[\w-]{16}\.[\w-]+$/);
    }
    // Two seals of the same plaintext differ: a fresh IV per record.
    const a = await callJson(`/v1/vaults/${vault}/credentials/${bearer}`, {
      body: { auth: { type: "static_bearer", token: secrets.token } },
    });
    expect(a.status).toBe(200);
    const loaded = await loadCredentialSecrets(createDb(env.DB), await keyringFromEnv(env), [vault]);
    expect(loaded).toEqual([
      {
        credentialId: bearer,
        vaultId: vault,
        auth: { type: "static_bearer", mcp_server_url: "https://mcp.test/a", token: secrets.token },
      },
      {
        credentialId: envVar,
        vaultId: vault,
        auth: {
          type: "environment_variable",
          secret_name: "API_KEY",
          secret_value: secrets.value,
          networking: { type: "limited", allowed_hosts: ["api.test"] },
          injection_location: { header: true, body: false },
        },
      },
    ]);
  });

  it("fails closed on tampered ciphertext or a ciphertext moved to another row", async () => {
    const { vault, bearer, envVar } = await vaultWithCredentials({ token: "t-1", value: "v-1" });
    const db = createDb(env.DB);
    const keyring = await keyringFromEnv(env);
    const row = await rawRow(bearer);
    const envelope = String(row?.secret_ciphertext);
    // Swap a row's ciphertext for its neighbour's: the AAD binds it to its own id.
    await env.DB.prepare("UPDATE vault_credentials SET secret_ciphertext = ? WHERE id = ?")
      .bind(envelope, envVar)
      .run();
    await expect(loadCredentialSecrets(db, keyring, [vault])).rejects.toBeInstanceOf(VaultDecryptError);
    // Flip the first ciphertext character (the last may only carry base64 padding bits).
    const parts = envelope.split(".");
    const ct = parts[3] ?? "";
    const flipped = [...parts.slice(0, 3), `${ct.startsWith("A") ? "B" : "A"}${ct.slice(1)}`].join(".");
    await env.DB.prepare("UPDATE vault_credentials SET secret_ciphertext = ? WHERE id = ?")
      .bind(flipped, bearer)
      .run();
    await env.DB.prepare("DELETE FROM vault_credentials WHERE id = ?").bind(envVar).run();
    const err = await loadCredentialSecrets(db, keyring, [vault]).catch((e) => e);
    expect(err).toBeInstanceOf(VaultDecryptError);
    expect(String(err.message)).not.toContain("t-1");
  });

  it("rotates: old-key rows decrypt under a new current key, and re-encryption moves them", async () => {
    const db = createDb(env.DB);
    // Storage is isolated per test (vitest plugin): clearing the table only affects this test.
    await env.DB.prepare("DELETE FROM vault_credentials").run();
    // The old key is current here; the deployment's keys let it open the rows just written.
    const old = await parseKeyring(`${OLD_KEY},${env.VAULT_ENCRYPTION_KEYS}`);
    const secrets = { token: "rot-token", value: "rot-value" };
    const { vault, bearer } = await vaultWithCredentials(secrets);
    // Re-seal this vault's rows under the old key, as if written before the rotation.
    const moved = await reencryptAll(db, old);
    expect(moved).toMatchObject({ reencrypted: 2, failed: [], remaining: 0 });
    expect((await rawRow(bearer))?.key_id).toBe("old");

    const rotated = await parseKeyring(`${NEW_KEY},${OLD_KEY}`);
    const before = await loadCredentialSecrets(db, rotated, [vault]);
    expect(before.map((c) => c.auth)).toMatchObject([{ token: "rot-token" }, { secret_value: "rot-value" }]);

    const first = await reencryptAll(db, rotated, { batchRows: 1, maxRows: 1 });
    expect(first).toMatchObject({ reencrypted: 1, remaining: 1 });
    const rest = await reencryptAll(db, rotated, { batchRows: 1 });
    expect(rest).toMatchObject({ reencrypted: 1, failed: [], remaining: 0 });
    expect((await rawRow(bearer))?.key_id).toBe("new");
    // The old key can now be dropped.
    const newOnly = await parseKeyring(NEW_KEY);
    expect((await loadCredentialSecrets(db, newOnly, [vault])).map((c) => c.auth)).toEqual(
      before.map((c) => c.auth),
    );
    // A keyring without the row's key reports it as failed instead of overwriting it.
    const unrelated = await reencryptAll(db, await parseKeyring(OLD_KEY));
    expect(unrelated).toMatchObject({ reencrypted: 0, remaining: 2 });
    expect(unrelated.failed).toHaveLength(2);

    // The admin endpoint sweeps rows under the deployment's keyring (test1 current, test0 old).
    const test0 = await parseKeyring(env.VAULT_ENCRYPTION_KEYS.split(",").reverse().join(","));
    await env.DB.prepare("DELETE FROM vault_credentials").run();
    const fresh = await vaultWithCredentials(secrets);
    await reencryptAll(db, test0);
    expect((await rawRow(fresh.bearer))?.key_id).toBe("test0");
    const res = await callJson("/v1/vaults/rotate", { method: "POST" });
    expect(res.body).toEqual({
      type: "vault_key_rotation",
      current_key_id: "test1",
      reencrypted: 2,
      failed: [],
      remaining: 0,
    });
    expect((await rawRow(fresh.bearer))?.key_id).toBe("test1");
    expect(JSON.stringify(res.body)).not.toContain("rot-token");
  });
});
