/**
 * Device identity: WebCrypto Ed25519 keys, the gateway's device id derivation, the exact v3
 * signature payload, and export/import for DO storage.
 */
import { describe, expect, it } from "vitest";
import {
  base64UrlDecode,
  buildConnectPayloadV3,
  DeviceIdentity,
  verifyDeviceSignature,
} from "../../src/runtime/openclaw/device-identity";

const input = {
  clientId: "gateway-client",
  clientMode: "backend",
  role: "operator",
  scopes: ["operator.read", "operator.write"],
  signedAtMs: 1_795_347_660_433,
  token: "tok",
  nonce: "75a176d3-048d-46fd-9883-f66b2ee7603f",
  platform: " Linux ",
  deviceFamily: "Server",
};

// RFC 8032 §7.1 test 1: Ed25519 is deterministic, so the signature of "" is a known answer.
// The device id is sha256 of the raw public key d75a9801…511a (computed independently).
const RFC8032_TEST1 = {
  version: 1 as const,
  deviceId: "21fe31dfa154a261626bf854046fd2271b7bed4b6abe45aa58877ef47f9721b9",
  publicKey: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
  privateKeyJwk: {
    kty: "OKP",
    crv: "Ed25519",
    x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
    d: "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
  },
};
const RFC8032_TEST1_EMPTY_SIGNATURE =
  "5VZDAMNgrHKQhuLMgG6CioSHfx645dl02HPgZSJJAVVfuIIVkKM7rMYeOXAc-bRr0lv18FlbviRlUUFDjnoQCw";

describe("DeviceIdentity", () => {
  it("matches the RFC 8032 known answer and the gateway's device id derivation", async () => {
    const identity = await DeviceIdentity.import(RFC8032_TEST1);
    expect(identity.deviceId).toBe(RFC8032_TEST1.deviceId);
    expect(await identity.sign("")).toBe(RFC8032_TEST1_EMPTY_SIGNATURE);
  });

  it("generates a raw 32-byte public key with a 64-hex device id", async () => {
    const identity = await DeviceIdentity.generate();
    expect(base64UrlDecode(identity.publicKey)).toHaveLength(32);
    expect(identity.publicKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(identity.deviceId).toMatch(/^[0-9a-f]{64}$/);
  });

  it("builds the v3 payload with normalised platform and device family", () => {
    expect(buildConnectPayloadV3({ ...input, deviceId: "dev" })).toBe(
      "v3|dev|gateway-client|backend|operator|operator.read,operator.write|1795347660433|tok|75a176d3-048d-46fd-9883-f66b2ee7603f|linux|server",
    );
    expect(
      buildConnectPayloadV3({ ...input, deviceId: "dev", token: undefined, deviceFamily: undefined }),
    ).toMatch(/\|1795347660433\|\|75a176d3-048d-46fd-9883-f66b2ee7603f\|linux\|$/);
  });

  it("signs the connect payload verifiably with the public key", async () => {
    const identity = await DeviceIdentity.generate();
    const device = await identity.signConnect(input);
    expect(device).toMatchObject({
      id: identity.deviceId,
      publicKey: identity.publicKey,
      signedAt: input.signedAtMs,
      nonce: input.nonce,
    });
    const payload = buildConnectPayloadV3({ ...input, deviceId: identity.deviceId });
    expect(await verifyDeviceSignature(identity.publicKey, payload, device.signature)).toBe(true);
    expect(
      await verifyDeviceSignature(identity.publicKey, payload.replace("|tok|", "|tok2|"), device.signature),
    ).toBe(false);
  });

  it("round-trips through JSON for DO storage and keeps signing with the same key", async () => {
    const original = await DeviceIdentity.generate();
    const stored = JSON.parse(JSON.stringify(original.export()));
    const restored = await DeviceIdentity.import(stored);
    expect(restored.deviceId).toBe(original.deviceId);
    const signature = await restored.sign("hello");
    expect(await verifyDeviceSignature(original.publicKey, "hello", signature)).toBe(true);
  });

  it("rejects a stored identity whose id or public key does not match the private key", async () => {
    const a = (await DeviceIdentity.generate()).export();
    const b = (await DeviceIdentity.generate()).export();
    await expect(DeviceIdentity.import({ ...a, deviceId: b.deviceId })).rejects.toThrow(/device id/);
    await expect(DeviceIdentity.import({ ...a, publicKey: b.publicKey })).rejects.toThrow(/public key/);
  });
});
