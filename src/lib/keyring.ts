/**
 * The vault encryption keyring, read from the `VAULT_ENCRYPTION_KEYS` Worker secret.
 *
 * Format: comma-separated `key_id:base64key` entries, each key 32 random bytes (AES-256). The
 * first entry is the current key and encrypts every new or re-written secret; every entry can
 * decrypt, looked up by the key id stored beside each ciphertext. Rotation is therefore: put a
 * new key first, keep the old ones after it, re-encrypt (`reencryptAll`), then drop the old.
 *
 * A missing or malformed keyring is an operator problem: vault routes answer 503 naming the
 * secret, and nothing else in the Worker is affected. Error messages never echo key material.
 */
import { ApiError } from "../errors";

/** Name of the Worker secret holding the keyring. */
export const KEYRING_SECRET = "VAULT_ENCRYPTION_KEYS";
/** AES-256: every key is exactly this many bytes. */
export const KEY_BYTES = 32;
/** Key ids are short and URL-safe because they are stored in every ciphertext envelope. */
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/** Imported AES-GCM keys by id; `currentId` is the one that encrypts. */
export interface Keyring {
  readonly currentId: string;
  readonly keys: ReadonlyMap<string, CryptoKey>;
}

/** A keyring that cannot be used, with a message safe to show callers (no key bytes). */
export class KeyringConfigError extends Error {
  constructor(problem: string) {
    super(`vault encryption is not configured: ${problem} (set the ${KEYRING_SECRET} secret)`);
    this.name = "KeyringConfigError";
  }
}

function decodeKey(id: string, b64: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
  } catch {
    throw new KeyringConfigError(`key '${id}' is not valid base64`);
  }
  if (bytes.length !== KEY_BYTES) {
    throw new KeyringConfigError(`key '${id}' must be ${KEY_BYTES} bytes, not ${bytes.length}`);
  }
  return bytes;
}

/**
 * Parses and imports a keyring string. Throws `KeyringConfigError` when it is empty, an entry
 * is malformed, a key id repeats, or a key is not 32 bytes of base64.
 */
export async function parseKeyring(raw: string | undefined): Promise<Keyring> {
  const entries = (raw ?? "")
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e.length > 0);
  if (entries.length === 0) throw new KeyringConfigError(`${KEYRING_SECRET} is missing or empty`);
  const keys = new Map<string, CryptoKey>();
  for (const entry of entries) {
    const colon = entry.indexOf(":");
    const id = colon === -1 ? "" : entry.slice(0, colon);
    if (!KEY_ID.test(id)) {
      throw new KeyringConfigError("each entry must look like key_id:base64key (key ids: A-Z a-z 0-9 _ -)");
    }
    if (keys.has(id)) throw new KeyringConfigError(`key id '${id}' appears twice`);
    const bytes = decodeKey(id, entry.slice(colon + 1).trim());
    // Not extractable: once imported, the key bytes cannot be read back out of WebCrypto.
    keys.set(id, await crypto.subtle.importKey("raw", bytes, "AES-GCM", false, ["encrypt", "decrypt"]));
  }
  const [currentId] = keys.keys();
  if (currentId === undefined) throw new KeyringConfigError(`${KEYRING_SECRET} is missing or empty`);
  return { currentId, keys };
}

// One import per isolate and secret value: importKey is cheap but not free, and the secret
// only changes on deploy (which starts new isolates anyway).
let cached: { raw: string; keyring: Promise<Keyring> } | undefined;

/**
 * The keyring from the Worker's env, cached per isolate. Throws a 503 `service_unavailable`
 * `ApiError` naming the secret when it is missing or invalid.
 */
export async function keyringFromEnv(env: { VAULT_ENCRYPTION_KEYS?: string }): Promise<Keyring> {
  const raw = env.VAULT_ENCRYPTION_KEYS ?? "";
  if (cached?.raw !== raw) cached = { raw, keyring: parseKeyring(raw) };
  try {
    return await cached.keyring;
  } catch (err) {
    cached = undefined;
    if (err instanceof KeyringConfigError) {
      throw new ApiError("service_unavailable", err.message, { details: { missing_secret: KEYRING_SECRET } });
    }
    throw err;
  }
}
