/**
 * Idempotency records at rest: replayed bodies (which can be one-time secrets: API keys, plane
 * and member tokens) are stored only as AES-GCM ciphertext under the vault keyring, replay
 * across a key rotation, and a record that can no longer be opened is refused (422), never
 * run again and never a 500. Raw rows are read straight from D1.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { createDb } from "../../src/db/client";
import { purgeExpiredKeys } from "../../src/db/idempotency";
import worker from "../../src/index";
import { ADMIN_KEY, BASE_URL, callJson } from "../helpers/api";
import { unique } from "../helpers/planes";

/** A keyring entry with a fresh random 256-bit key. */
const randomEntry = (id: string) =>
  `${id}:${btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))}`;

/** An envelope as src/lib/sealed-secrets.ts writes it, under key `keyId`. */
const envelopeUnder = (keyId: string) => new RegExp(`^v1\\.${keyId}\\.[\\w-]{16}\\.[\\w-]+$`);

const rawRow = (key: string) =>
  env.DB.prepare("SELECT * FROM idempotency_keys WHERE key = ?").bind(key).first<Record<string, unknown>>();

/** POSTs through the Worker with the given keyring in place of the test one. */
async function postWithKeyring(keys: string, path: string, body: unknown, idempotencyKey: string) {
  const ctx = createExecutionContext();
  const req = new Request(BASE_URL + path, {
    method: "POST",
    headers: {
      authorization: `Bearer ${ADMIN_KEY}`,
      "content-type": "application/json",
      "idempotency-key": idempotencyKey,
    },
    body: JSON.stringify(body),
  });
  const res = await worker.fetch(req, { ...env, VAULT_ENCRYPTION_KEYS: keys }, ctx);
  await waitOnExecutionContext(ctx);
  return { status: res.status, text: await res.text(), replayed: res.headers.get("idempotent-replayed") };
}

async function apiKeysNamed(name: string): Promise<number> {
  const { body } = await callJson("/v1/api_keys?limit=100");
  return body.data.filter((k: { name: string }) => k.name === name).length;
}

/** Asserts the stored row holds ciphertext only: none of the body's values appear in it. */
async function expectSealed(key: string, plaintextValues: string[]) {
  const row = await rawRow(key);
  expect(row?.state).toBe("complete");
  expect(row?.key_id).toBe("test1"); // the test keyring's current key
  expect(row?.body).toMatch(envelopeUnder("test1"));
  const stored = JSON.stringify(row);
  for (const value of plaintextValues) expect(stored).not.toContain(value);
}

describe("idempotency records at rest", () => {
  it("stores an API key create sealed, and replays the same secret", async () => {
    const headers = { "idempotency-key": "sealed-api-key" };
    const name = unique("idem-secret-key");
    const first = await callJson("/v1/api_keys", { body: { name, scopes: ["read"] }, headers });
    expect(first.status).toBe(201);
    expect(first.body.key).toMatch(/\S{20,}/);
    const retry = await callJson("/v1/api_keys", { body: { name, scopes: ["read"] }, headers });
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.res.headers.get("idempotent-replayed")).toBe("true");
    expect(await apiKeysNamed(name)).toBe(1);

    await expectSealed("sealed-api-key", [first.body.key, first.body.id, name]);
  });

  it("stores plane create and member add sealed (admin and member tokens), and replays them", async () => {
    const planeName = unique("idem-plane");
    const planeBody = { name: planeName, template: { model: "claude-sonnet-4-6" } };
    const plane = await callJson("/v1/planes", {
      body: planeBody,
      headers: { "idempotency-key": "sealed-plane" },
    });
    expect(plane.status).toBe(201);
    await expectSealed("sealed-plane", [plane.body.admin_token, plane.body.id, planeName]);

    const memberBody = { name: "idem-ada", owner: "ada@acme.test" };
    const headers = { "idempotency-key": "sealed-member" };
    const first = await callJson(`/v1/planes/${plane.body.id}/members`, { body: memberBody, headers });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body.token).toBeTruthy();
    const retry = await callJson(`/v1/planes/${plane.body.id}/members`, { body: memberBody, headers });
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.res.headers.get("idempotent-replayed")).toBe("true");
    const members = await callJson(`/v1/planes/${plane.body.id}/members`);
    expect(members.body.data.map((m: { id: string }) => m.id)).toEqual([first.body.id]);

    await expectSealed("sealed-member", [
      first.body.token,
      first.body.id,
      first.body.agent_id,
      "idem-ada",
      "ada@acme.test",
    ]);
  });

  it("replays across a key rotation, and refuses (without running again) once the key is removed", async () => {
    const OLD = randomEntry("old");
    const NEW = randomEntry("new");
    const name = unique("idem-rotation");
    const body = { name, scopes: ["read"] };

    const first = await postWithKeyring(OLD, "/v1/api_keys", body, "rotate-me");
    expect(first.status).toBe(201);
    expect((await rawRow("rotate-me"))?.key_id).toBe("old");

    // Rotated: the new key seals, the old one still opens what it sealed.
    const replay = await postWithKeyring(`${NEW},${OLD}`, "/v1/api_keys", body, "rotate-me");
    expect([replay.status, replay.replayed]).toEqual([201, "true"]);
    expect(replay.text).toBe(first.text);
    const later = await postWithKeyring(
      `${NEW},${OLD}`,
      "/v1/api_keys",
      { ...body, name: `${name}-2` },
      "after",
    );
    expect(later.status).toBe(201);
    expect((await rawRow("after"))?.body).toMatch(envelopeUnder("new"));

    // The old key removed: its record cannot be opened. 422, no second API key, no 500.
    const quiet = vi.spyOn(console, "error").mockImplementation(() => {});
    const gone = await postWithKeyring(NEW, "/v1/api_keys", body, "rotate-me");
    quiet.mockRestore();
    expect(gone.status).toBe(422);
    const error = JSON.parse(gone.text).error;
    expect(error.details.error_code).toBe("idempotency_replay_unavailable");
    expect(error.message).toContain("new key");
    expect(gone.text).not.toContain(JSON.parse(first.text).key);
    expect(await apiKeysNamed(name)).toBe(1);
    // Records under the remaining key still replay.
    const still = await postWithKeyring(NEW, "/v1/api_keys", { ...body, name: `${name}-2` }, "after");
    expect([still.status, still.text]).toEqual([201, later.text]);
  });

  it("refuses a record whose ciphertext was moved from another record or tampered with", async () => {
    const name = unique("idem-moved");
    const a = await callJson("/v1/api_keys", {
      body: { name: `${name}-a`, scopes: ["read"] },
      headers: { "idempotency-key": "moved-a" },
    });
    const bBody = { name: `${name}-b`, scopes: ["read"] };
    await callJson("/v1/api_keys", { body: bBody, headers: { "idempotency-key": "moved-b" } });
    // The ciphertext is bound to its caller and key: copied onto `moved-b`, it does not open.
    await env.DB.prepare("UPDATE idempotency_keys SET body = ? WHERE key = 'moved-b'")
      .bind(String((await rawRow("moved-a"))?.body))
      .run();
    const moved = await callJson("/v1/api_keys", { body: bBody, headers: { "idempotency-key": "moved-b" } });
    expect([moved.status, moved.body.error.details.error_code]).toEqual([
      422,
      "idempotency_replay_unavailable",
    ]);
    expect(JSON.stringify(moved.body)).not.toContain(a.body.key);
    expect(await apiKeysNamed(`${name}-b`)).toBe(1);
  });

  it("empties pre-encryption plaintext rows (migration 0005, daily purge) and refuses their replay", async () => {
    const first = await callJson("/v1/agents", {
      body: { name: "idem-legacy", model: "claude-sonnet-4-6" },
      headers: { "idempotency-key": "legacy" },
    });
    const { fingerprint } = (await rawRow("legacy")) as { fingerprint: string };
    // Rows as a Worker from before encryption wrote them: plaintext body, no key id.
    const now = Date.now();
    const insert = env.DB.prepare(
      "INSERT INTO idempotency_keys (principal_id, key, fingerprint, state, status, headers, body, created_at, expires_at) VALUES ('admin', ?, ?, 'complete', 201, '{}', ?, ?, ?)",
    );
    const plaintext = '{"key":"sk-plaintext-secret"}';
    // Written before the migration ran: its own data statement, as shipped, empties it.
    await insert.bind("legacy-migrated", fingerprint, plaintext, now, now + 86_400_000).run();
    const migration = env.TEST_MIGRATIONS.find((m) => m.name.startsWith("0005_"));
    const scrub = migration?.queries.filter((q) => q.includes("UPDATE `idempotency_keys`")) ?? [];
    expect(scrub).toHaveLength(1);
    for (const q of scrub) await env.DB.prepare(q).run();
    expect((await rawRow("legacy-migrated"))?.body).toBeNull();

    // Written by an old Worker still live after the migration (a deploy rolling out): the
    // daily purge empties it.
    await insert.bind("legacy-purged", fingerprint, plaintext, now, now + 86_400_000).run();
    await purgeExpiredKeys(createDb(env.DB), now);
    const purged = await rawRow("legacy-purged");
    expect(purged?.state).toBe("complete"); // kept, so its retry is refused rather than run
    expect(purged?.body).toBeNull();
    expect((await rawRow("legacy"))?.body).toMatch(envelopeUnder("test1")); // sealed rows untouched

    for (const key of ["legacy-migrated", "legacy-purged"]) {
      const replay = await callJson("/v1/agents", {
        body: { name: "idem-legacy", model: "claude-sonnet-4-6" },
        headers: { "idempotency-key": key },
      });
      expect([replay.status, replay.body.error.details.error_code]).toEqual([
        422,
        "idempotency_replay_unavailable",
      ]);
    }
    const agents = await callJson("/v1/agents?limit=100");
    expect(agents.body.data.filter((x: { id: string }) => x.id === first.body.id)).toHaveLength(1);
    expect(agents.body.data.filter((x: { name: string }) => x.name === "idem-legacy")).toHaveLength(1);
  });

  it("refuses an Idempotency-Key POST with 503 before it runs when the keyring is missing", async () => {
    const quiet = vi.spyOn(console, "error").mockImplementation(() => {});
    const name = unique("idem-no-keyring");
    const refused = await postWithKeyring("", "/v1/api_keys", { name, scopes: ["read"] }, "no-keyring");
    quiet.mockRestore();
    expect(refused.status).toBe(503);
    const error = JSON.parse(refused.text).error;
    expect(error.details.error_code).toBe("service_unavailable");
    expect(error.message).toContain("VAULT_ENCRYPTION_KEYS");
    expect(await apiKeysNamed(name)).toBe(0);
    expect(await rawRow("no-keyring")).toBeNull();
  });
});
