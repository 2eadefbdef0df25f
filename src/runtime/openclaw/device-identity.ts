/**
 * Ed25519 device identity for OpenClaw's WebSocket control protocol.
 *
 * Non-loopback operator clients must prove a device identity on `connect`, or the gateway
 * grants them no scopes. A SessionDO generates one identity, persists it in DO storage
 * (it must survive eviction, since the gateway pairs this exact key once), and signs each
 * connect challenge with it. WebCrypto only, so the same code runs in workerd and Node 24.
 *
 * Wire facts (openclaw 2026.9.6): `device.id` = lowercase hex SHA-256 of the raw 32-byte
 * public key; `device.publicKey` = that raw key in base64url; `device.signature` =
 * base64url Ed25519 signature over the v3 payload built by {@link buildConnectPayloadV3}.
 */

const ED25519 = { name: "Ed25519" } as const;
/** Format version of {@link StoredDeviceIdentity}; bump if the stored shape changes. */
const STORED_IDENTITY_VERSION = 1;

/** JSON-serialisable form of a device identity, for DO storage. Contains the private key. */
export interface StoredDeviceIdentity {
  version: typeof STORED_IDENTITY_VERSION;
  deviceId: string;
  /** Raw 32-byte public key, base64url without padding. */
  publicKey: string;
  /** Private key as an OKP/Ed25519 JWK (`d` is the secret). */
  privateKeyJwk: JsonWebKey;
}

/** Inputs of the v3 connect signature; field names follow the connect request. */
export interface ConnectSignatureInput {
  clientId: string;
  clientMode: string;
  role: string;
  scopes: readonly string[];
  /** The challenge's `ts` (ms since epoch); also sent as `device.signedAt`. */
  signedAtMs: number;
  /** The shared gateway token sent in `auth.token` (empty string when none). */
  token?: string;
  /** The challenge's `nonce`; also sent as `device.nonce`. */
  nonce: string;
  platform?: string;
  deviceFamily?: string;
}

/** The `device` object of a `connect` request. */
export interface SignedDevice {
  id: string;
  publicKey: string;
  signature: string;
  signedAt: number;
  nonce: string;
}

/** A device key pair plus its derived id; create with {@link DeviceIdentity.generate} or `.import`. */
export class DeviceIdentity {
  private constructor(
    /** Hex SHA-256 of the raw public key; the gateway's device id. */
    readonly deviceId: string,
    /** Raw public key, base64url. */
    readonly publicKey: string,
    private readonly privateKey: CryptoKey,
    private readonly privateKeyJwk: JsonWebKey,
  ) {}

  /** Creates a fresh Ed25519 identity. */
  static async generate(): Promise<DeviceIdentity> {
    const pair = (await crypto.subtle.generateKey(ED25519, true, ["sign", "verify"])) as CryptoKeyPair;
    const rawPublic = new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer);
    const jwk = (await crypto.subtle.exportKey("jwk", pair.privateKey)) as JsonWebKey;
    return new DeviceIdentity(await deviceIdFor(rawPublic), base64UrlEncode(rawPublic), pair.privateKey, jwk);
  }

  /**
   * Restores an identity saved with {@link DeviceIdentity.export}. Rejects a record whose
   * device id or public key does not match its private key.
   */
  static async import(stored: StoredDeviceIdentity): Promise<DeviceIdentity> {
    if (stored.version !== STORED_IDENTITY_VERSION) {
      throw new Error(`unsupported device identity version ${String(stored.version)}`);
    }
    if (stored.privateKeyJwk.x !== stored.publicKey)
      throw new Error("device identity: public key does not match private key");
    const privateKey = await crypto.subtle.importKey("jwk", stored.privateKeyJwk, ED25519, true, ["sign"]);
    const deviceId = await deviceIdFor(base64UrlDecode(stored.publicKey));
    if (deviceId !== stored.deviceId) throw new Error("device identity: device id does not match public key");
    return new DeviceIdentity(deviceId, stored.publicKey, privateKey, stored.privateKeyJwk);
  }

  /** JSON-serialisable copy for DO storage. Treat it as a secret. */
  export(): StoredDeviceIdentity {
    return {
      version: STORED_IDENTITY_VERSION,
      deviceId: this.deviceId,
      publicKey: this.publicKey,
      privateKeyJwk: { ...this.privateKeyJwk },
    };
  }

  /** Signs UTF-8 `payload`; returns the base64url signature. */
  async sign(payload: string): Promise<string> {
    const signature = await crypto.subtle.sign(ED25519, this.privateKey, new TextEncoder().encode(payload));
    return base64UrlEncode(new Uint8Array(signature));
  }

  /** Builds the signed `device` object for a `connect` request answering a challenge. */
  async signConnect(input: ConnectSignatureInput): Promise<SignedDevice> {
    const payload = buildConnectPayloadV3({ ...input, deviceId: this.deviceId });
    return {
      id: this.deviceId,
      publicKey: this.publicKey,
      signature: await this.sign(payload),
      signedAt: input.signedAtMs,
      nonce: input.nonce,
    };
  }
}

/**
 * The exact UTF-8 string a v3 device signature covers:
 * `v3|deviceId|clientId|clientMode|role|scope1,scope2|signedAtMs|token|nonce|platform|deviceFamily`.
 * Platform and device family are trimmed and ASCII-lowercased (empty when absent), as the
 * gateway normalises them before verifying.
 */
export function buildConnectPayloadV3(input: ConnectSignatureInput & { deviceId: string }): string {
  return [
    "v3",
    input.deviceId,
    input.clientId,
    input.clientMode,
    input.role,
    input.scopes.join(","),
    String(input.signedAtMs),
    input.token ?? "",
    input.nonce,
    normaliseMetadata(input.platform),
    normaliseMetadata(input.deviceFamily),
  ].join("|");
}

/** Verifies a base64url Ed25519 signature against a raw base64url public key (tests, audits). */
export async function verifyDeviceSignature(
  publicKey: string,
  payload: string,
  signature: string,
): Promise<boolean> {
  const key = await crypto.subtle.importKey("raw", base64UrlDecode(publicKey), ED25519, false, ["verify"]);
  return crypto.subtle.verify(ED25519, key, base64UrlDecode(signature), new TextEncoder().encode(payload));
}

/** Hex SHA-256 of the raw public key bytes. */
export async function deviceIdFor(rawPublicKey: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", rawPublicKey));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function normaliseMetadata(value: string | undefined): string {
  // ASCII-only lowercase on purpose: the gateway lowercases A-Z only, not Unicode letters.
  return (value ?? "").trim().replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

/** base64url without padding. */
export function base64UrlEncode(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Decodes base64url (padding optional). */
export function base64UrlDecode(text: string): Uint8Array {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}
