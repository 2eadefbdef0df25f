/**
 * The tailnet connector's join key, minted from a Tailscale OAuth client against the Tailscale
 * API double (test/support/tailscale-api.mjs): single-use, ephemeral, pre-authorised, tagged,
 * short-lived; a wrong client or a tag the client does not own fails with Tailscale's answer.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CONNECTOR_TAG, mintJoinKey, TailscaleApiError } from "../../src/peers/tailscale-keys";
import { TAILSCALE_CLIENT } from "../helpers/tailnet";

const api = env.TAILSCALE_API_DOUBLE_URL;
const client = { clientId: TAILSCALE_CLIENT.id, clientSecret: TAILSCALE_CLIENT.secret };

describe("minting the connector's join key", () => {
  it("asks for one ephemeral, pre-authorised, tagged, single-use key that expires in 10 minutes", async () => {
    let asked: any;
    const key = await mintJoinKey(client, {
      api,
      fetcher: async (input, init) => {
        if (String(input).endsWith("/keys")) asked = JSON.parse(String(init?.body));
        return fetch(input, init);
      },
    });
    expect(key.key).toMatch(/^tskey-auth-/);
    expect(asked).toMatchObject({
      capabilities: {
        devices: { create: { reusable: false, ephemeral: true, preauthorized: true, tags: [CONNECTOR_TAG] } },
      },
      expirySeconds: 600,
    });
    const ttl = Date.parse(key.expires) - Date.now();
    expect(ttl).toBeGreaterThan(500_000);
    expect(ttl).toBeLessThanOrEqual(600_000);
  });

  it("fails with Tailscale's answer for a wrong client or a tag the client does not own", async () => {
    await expect(mintJoinKey({ ...client, clientSecret: "wrong" }, { api })).rejects.toMatchObject({
      status: 401,
    });
    const err = await mintJoinKey(client, { api, tags: ["tag:prod"] }).catch((e) => e);
    expect(err).toBeInstanceOf(TailscaleApiError);
    expect(err.message).toContain("requested tags [tag:prod] are invalid or not permitted");
  });
});
