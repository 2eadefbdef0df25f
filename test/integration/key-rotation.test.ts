/**
 * `POST /v1/vaults/rotate` moves every secret sealed under the vault keyring onto its current
 * key, not only vault credentials: chat channels' platform secrets, Teleport bot credentials
 * and the tailnet's Tailscale OAuth client too (tailnet peers' tokens: peers.test.ts). Rows are first re-sealed under the
 * deployment's older key (test0), as if written before the rotation.
 */
import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import { reencryptTeleportCredentials } from "../../src/beams/teleport-connection";
import { createDb } from "../../src/db/client";
import { parseKeyring } from "../../src/lib/keyring";
import { envelopeKeyId } from "../../src/lib/sealed-secrets";
import { openTailnetClient, putTailnetConnection } from "../../src/peers/tailnet-client";
import { openChannelSecrets, reencryptChannelSecrets } from "../../src/vaults/channel-secrets";
import { callJson } from "../helpers/api";
import { connectTeleport } from "../helpers/teleport";
import { channelAgent, whatsappAccount } from "../helpers/channels";

const WA = inject("whatsappApiUrl");

describe("key rotation", () => {
  it("re-seals channel secrets and the Teleport credential under the current key", async () => {
    const db = createDb(env.DB);
    const { phoneNumberId, token } = await whatsappAccount(WA);
    const { agentId, environmentId } = await channelAgent();
    const channel = await callJson("/v1/channels", {
      body: {
        platform: "whatsapp",
        agent_id: agentId,
        environment_id: environmentId,
        phone_number_id: phoneNumberId,
        access_token: token,
        app_secret: "rotation-app-secret",
        verify_token: "rotation-verify",
        allowed_users: ["16505551234"],
      },
    });
    expect(channel.status).toBe(201);
    const joinToken = `join-${crypto.randomUUID()}`;
    const put = await connectTeleport(joinToken);
    expect(put.status).toBe(200);

    const channelRow = () =>
      env.DB.prepare("SELECT key_id, secret_ciphertext FROM channels WHERE id = ?")
        .bind(channel.body.id)
        .first<{ key_id: string; secret_ciphertext: string }>();
    const teleportKey = async () =>
      envelopeKeyId(
        (
          await env.DB.prepare(
            "SELECT sealed_credential FROM teleport_connections WHERE scope = 'org'",
          ).first<{
            sealed_credential: string;
          }>()
        )?.sealed_credential ?? "",
      );

    // As written before the rotation: under test0, which the deployment still holds.
    const test0 = await parseKeyring(env.VAULT_ENCRYPTION_KEYS.split(",").reverse().join(","));
    await reencryptChannelSecrets(db, test0, 1000);
    await reencryptTeleportCredentials(db, test0);
    expect((await channelRow())?.key_id).toBe("test0");
    expect(await teleportKey()).toBe("test0");

    const rotated = await callJson("/v1/vaults/rotate", { method: "POST" });
    expect(rotated.status).toBe(200);
    expect(rotated.body).toMatchObject({ current_key_id: "test1", failed: [], remaining: 0 });
    expect(rotated.body.reencrypted).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(rotated.body)).not.toContain(joinToken);
    const row = await channelRow();
    expect(row?.key_id).toBe("test1");
    expect(await teleportKey()).toBe("test1");
    // The old key can go: the channel's secrets open under the current key alone.
    const currentOnly = await parseKeyring(env.VAULT_ENCRYPTION_KEYS.split(",")[0] ?? "");
    expect(currentOnly.currentId).toBe("test1");
    const secrets = await openChannelSecrets(currentOnly, channel.body.id, row?.secret_ciphertext ?? "");
    expect(secrets).toMatchObject({ token, appSecret: "rotation-app-secret" });
  });

  it("re-seals the tailnet's OAuth client secret under the current key", async () => {
    const db = createDb(env.DB);
    const clientSecret = `tskey-client-${crypto.randomUUID()}`;
    // As written before the rotation: sealed under test0, which the deployment still holds.
    const test0 = await parseKeyring(env.VAULT_ENCRYPTION_KEYS.split(",").reverse().join(","));
    await putTailnetConnection(
      db,
      test0,
      {
        oauth_client_id: "k-rotation",
        oauth_client_secret: clientSecret,
        tags: ["tag:clawplane"],
        hostname: "cp-rotation",
      },
      Date.now(),
    );
    const keyOf = async () =>
      (
        await env.DB.prepare("SELECT secret_key_id FROM tailnet_connections WHERE scope = 'org'").first<{
          secret_key_id: string;
        }>()
      )?.secret_key_id;
    expect(await keyOf()).toBe("test0");

    const rotated = await callJson("/v1/vaults/rotate", { method: "POST" });
    expect(rotated.status).toBe(200);
    expect(rotated.body).toMatchObject({ current_key_id: "test1", failed: [], remaining: 0 });
    expect(JSON.stringify(rotated.body)).not.toContain(clientSecret);
    expect(await keyOf()).toBe("test1");
    // The old key can go: the client secret opens under the current key alone.
    const currentOnly = await parseKeyring(env.VAULT_ENCRYPTION_KEYS.split(",")[0] ?? "");
    expect((await openTailnetClient(db, currentOnly))?.client).toEqual({
      clientId: "k-rotation",
      clientSecret,
    });
  });
});
