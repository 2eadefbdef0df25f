/** The vault keyring parser and the AES-GCM envelope: round trips, AAD binding, failure modes. */
import { describe, expect, it } from "vitest";
import { KeyringConfigError, keyringFromEnv, parseKeyring } from "../../src/lib/keyring";
import {
  credentialAad,
  envelopeKeyId,
  IV_BYTES,
  open,
  seal,
  VaultDecryptError,
} from "../../src/lib/sealed-secrets";

const key = () => btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));

describe("vault keyring", () => {
  it("uses the first entry to encrypt and knows every entry", async () => {
    const ring = await parseKeyring(` a:${key()} , b:${key()} `);
    expect(ring.currentId).toBe("a");
    expect([...ring.keys.keys()]).toEqual(["a", "b"]);
  });

  it.each([
    ["", "missing or empty"],
    [`nocolon${key()}`, "key_id:base64key"],
    [`a:${key()},a:${key()}`, "appears twice"],
    ["a:!!notbase64!!", "not valid base64"],
    [`a:${btoa("short")}`, "must be 32 bytes"],
  ])("rejects %j without echoing key material", async (raw, message) => {
    const err = await parseKeyring(raw).catch((e) => e);
    expect(err).toBeInstanceOf(KeyringConfigError);
    expect(err.message).toContain(message);
    expect(err.message).toContain("VAULT_ENCRYPTION_KEYS");
    const material = raw.split(":")[1];
    if (material && material.length > 8) expect(err.message).not.toContain(material);
  });

  it("reports a bad keyring as a 503 service_unavailable", async () => {
    const err = await keyringFromEnv({ VAULT_ENCRYPTION_KEYS: undefined }).catch((e) => e);
    expect([err.status, err.code]).toEqual([503, "service_unavailable"]);
  });
});

describe("vault envelope", () => {
  it("round-trips with a fresh IV each time and names its key", async () => {
    const ring = await parseKeyring(`k1:${key()}`);
    const aad = credentialAad("vlt_a", "vcrd_a");
    const one = await seal(ring, aad, "s3cret");
    const two = await seal(ring, aad, "s3cret");
    expect(one.envelope).not.toBe(two.envelope);
    expect(one.envelope).not.toContain("s3cret");
    expect(envelopeKeyId(one.envelope)).toBe("k1");
    const iv = one.envelope.split(".")[2] ?? "";
    expect(atob(iv.replaceAll("-", "+").replaceAll("_", "/")).length).toBe(IV_BYTES);
    expect(await open(ring, aad, one.envelope)).toBe("s3cret");
  });

  it("fails closed on another row's AAD, tampering, an unknown key or garbage", async () => {
    const ring = await parseKeyring(`k1:${key()}`);
    const aad = credentialAad("vlt_a", "vcrd_a");
    const { envelope } = await seal(ring, aad, "s3cret");
    const [v, kid, iv, ct = ""] = envelope.split(".");
    // Flip the first character: the last one may only carry base64 padding bits.
    const flipped = `${ct.startsWith("A") ? "B" : "A"}${ct.slice(1)}`;
    const attempts: Array<() => Promise<string>> = [
      () => open(ring, credentialAad("vlt_a", "vcrd_b"), envelope),
      () => open(ring, aad, [v, kid, iv, flipped].join(".")),
      async () => open(await parseKeyring(`k2:${key()}`), aad, envelope),
      async () => open(await parseKeyring(`k1:${key()}`), aad, envelope),
      () => open(ring, aad, "not-an-envelope"),
    ];
    for (const attempt of attempts) await expect(attempt()).rejects.toBeInstanceOf(VaultDecryptError);
  });
});
