/**
 * The placeholder → secret swap of the egress edge on its own: host scoping (the egress
 * policy's matching rules, wildcards included), binary bodies kept byte for byte, and a
 * substituted request that never follows a redirect elsewhere.
 */
import { describe, expect, it } from "vitest";
import {
  type EgressSecrets,
  secretAllowedFor,
  substituteSecrets,
} from "../../src/egress/secret-substitution";

const P = "cpsec_0123456789abcdefghijklmnopqrstuvwxyzABCD";
const secrets: EgressSecrets = {
  [P]: {
    value: "s3cret-value",
    networking: { type: "limited", allowed_hosts: ["*.example.com", "10.0.0.1"] },
    injection: { header: true, body: true },
  },
};

describe("secretAllowedFor", () => {
  it("follows the egress policy's host rules", () => {
    const limited = secrets[P]?.networking ?? { type: "unrestricted" };
    expect(secretAllowedFor(limited, "api.example.com")).toBe(true);
    expect(secretAllowedFor(limited, "API.Example.COM.")).toBe(true);
    expect(secretAllowedFor(limited, "example.com")).toBe(false);
    expect(secretAllowedFor(limited, "example.com.evil.net")).toBe(false);
    expect(secretAllowedFor(limited, "10.0.0.1")).toBe(true);
    expect(secretAllowedFor({ type: "unrestricted" }, "anything.test")).toBe(true);
  });
});

describe("substituteSecrets", () => {
  it("swaps header values and body bytes for an allowed host, keeps other bytes, and stops redirects", async () => {
    const binary = new Uint8Array([0xff, 0x00, ...new TextEncoder().encode(`x${P}y`), 0xfe]);
    const done = await substituteSecrets(
      new Request("https://api.example.com/upload", {
        method: "PUT",
        headers: { "x-key": `k=${P};${P}` },
        body: binary,
      }),
      secrets,
    );
    expect(done).toMatchObject({ headers: 1, body: 1 });
    expect(done.request.headers.get("x-key")).toBe("k=s3cret-value;s3cret-value");
    expect(done.request.redirect).toBe("manual");
    const out = new Uint8Array(await done.request.arrayBuffer());
    expect([...out]).toEqual([0xff, 0x00, ...new TextEncoder().encode("xs3cret-value" + "y"), 0xfe]);
  });

  it("keeps a value that is not printable ASCII out of headers, but not out of bodies", async () => {
    const unicode: EgressSecrets = {
      [P]: { ...(secrets[P] as EgressSecrets[string]), value: "välue\r\nx: y" },
    };
    const done = await substituteSecrets(
      new Request("https://api.example.com/", { method: "POST", headers: { "x-key": P }, body: P }),
      unicode,
    );
    expect(done).toMatchObject({ headers: 0, body: 1 });
    expect(done.request.headers.get("x-key")).toBe(P);
    expect(await done.request.text()).toBe("välue\r\nx: y");
  });

  it("leaves a request to another host untouched", async () => {
    const request = new Request("https://example.com/", { headers: { authorization: `Bearer ${P}` } });
    const done = await substituteSecrets(request, secrets);
    expect(done.request).toBe(request);
    expect(done.request.headers.get("authorization")).toBe(`Bearer ${P}`);
  });
});
