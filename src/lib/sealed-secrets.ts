/**
 * Sealing and opening credential secrets with AES-256-GCM.
 *
 * Envelope (what D1 stores): `v1.<key_id>.<iv>.<ciphertext+tag>`, base64url parts. Each seal
 * uses a fresh random 96-bit IV (GCM's standard nonce size; random IVs stay safe far beyond the
 * number of writes a vault sees). The additional authenticated data binds the ciphertext to its
 * row (`vault_id/credential_id`), so a ciphertext copied onto another row fails to open instead
 * of handing one credential's secret to another. Any failure to open is fatal (fail closed).
 */
import type { Keyring } from "./keyring";

/** Envelope format version, first part of every stored ciphertext. */
const ENVELOPE_VERSION = "v1";
/** GCM nonce length in bytes (96 bits). */
export const IV_BYTES = 12;
/** GCM authentication tag length in bits. */
const TAG_BITS = 128;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Thrown when a ciphertext cannot be opened. Its message never contains secret material. */
export class VaultDecryptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "VaultDecryptError";
  }
}

function toB64url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromB64url(text: string): Uint8Array {
  const b64 = text.replaceAll("-", "+").replaceAll("_", "/");
  return Uint8Array.from(atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4)), (ch) => ch.charCodeAt(0));
}

/** The additional data a credential's ciphertext is bound to. */
export function credentialAad(vaultId: string, credentialId: string): string {
  return `clawplane.vault_credential.${ENVELOPE_VERSION}:${vaultId}/${credentialId}`;
}

/** The key id an envelope names, or undefined when it is not one of ours. */
export function envelopeKeyId(envelope: string): string | undefined {
  const parts = envelope.split(".");
  return parts.length === 4 && parts[0] === ENVELOPE_VERSION ? parts[1] : undefined;
}

/** Encrypts `plaintext` under the keyring's current key, bound to `aad`. */
export async function seal(
  keyring: Keyring,
  aad: string,
  plaintext: string,
): Promise<{ envelope: string; keyId: string }> {
  const keyId = keyring.currentId;
  const key = keyring.keys.get(keyId);
  if (!key) throw new Error("keyring has no current key"); // parseKeyring guarantees one
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const ct = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: encoder.encode(aad), tagLength: TAG_BITS },
    key,
    encoder.encode(plaintext),
  );
  const envelope = [ENVELOPE_VERSION, keyId, toB64url(iv), toB64url(new Uint8Array(ct))].join(".");
  return { envelope, keyId };
}

/**
 * Decrypts an envelope sealed for `aad`. Throws `VaultDecryptError` when the envelope is
 * malformed, names a key the keyring lacks, or fails authentication (tampered, wrong row).
 */
export async function open(keyring: Keyring, aad: string, envelope: string): Promise<string> {
  const parts = envelope.split(".");
  if (parts.length !== 4 || parts[0] !== ENVELOPE_VERSION) {
    throw new VaultDecryptError("unrecognised ciphertext envelope");
  }
  const [, keyId = "", ivText = "", ctText = ""] = parts;
  const key = keyring.keys.get(keyId);
  if (!key) throw new VaultDecryptError(`ciphertext uses key '${keyId}', which is not in the keyring`);
  try {
    const iv = fromB64url(ivText);
    if (iv.length !== IV_BYTES) throw new VaultDecryptError("bad IV length");
    const pt = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv, additionalData: encoder.encode(aad), tagLength: TAG_BITS },
      key,
      fromB64url(ctText),
    );
    return decoder.decode(pt);
  } catch {
    // WebCrypto's OperationError says nothing useful; ours names the key, never the data.
    throw new VaultDecryptError(`ciphertext failed authentication under key '${keyId}'`);
  }
}

/** One sealed secret a key rotation sweep moves onto the current key. */
export interface SealedRow {
  id: string;
  aad: string;
  envelope: string;
}

/**
 * Re-seals each row's secret under the keyring's current key (the secret itself unchanged).
 * `store` swaps the new envelope in, compare-and-swap on the old one, and says whether it did
 * (false: a concurrent write re-sealed the row already). Rows that do not open are reported in
 * `failed` and left as they are, never overwritten.
 */
export async function resealRows(
  keyring: Keyring,
  rows: readonly SealedRow[],
  store: (row: SealedRow, sealed: { envelope: string; keyId: string }) => Promise<boolean>,
): Promise<{ reencrypted: number; failed: string[] }> {
  const result = { reencrypted: 0, failed: [] as string[] };
  for (const row of rows) {
    try {
      const secret = await open(keyring, row.aad, row.envelope);
      if (await store(row, await seal(keyring, row.aad, secret))) result.reencrypted++;
    } catch (err) {
      if (!(err instanceof VaultDecryptError)) throw err;
      result.failed.push(row.id);
    }
  }
  return result;
}
