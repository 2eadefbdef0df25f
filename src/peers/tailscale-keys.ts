/**
 * Minting the tailnet connector's join key, once per connector boot, from a Tailscale OAuth
 * client (its secret kept sealed like every credential; never in a container).
 *
 * Wire (Tailscale docs kb/1215 and the Go client `client/tailscale/keys.go`):
 *   POST {api}/api/v2/oauth/token  form client_id, client_secret, grant_type=client_credentials
 *        → {access_token, expires_in (3600), token_type:"Bearer"}
 *   POST {api}/api/v2/tailnet/-/keys  Bearer access token,
 *        {capabilities:{devices:{create:{reusable:false, ephemeral:true, preauthorized:true, tags}}},
 *         expirySeconds, description} → {id, key:"tskey-auth-…", created, expires, capabilities}
 * The key is single-use (not reusable), ephemeral (the node disappears once offline: a sleeping
 * connector leaves nothing behind), pre-authorised (no admin approval) and tagged, so the
 * tailnet policy's grants on the tag decide what the connector reaches.
 */

export const TAILSCALE_API = "https://api.tailscale.com";
/** The tag connector nodes carry; the OAuth client must own it (tailnet policy `tagOwners`). */
export const CONNECTOR_TAG = "tag:clawplane-agent";
/** A join key lives long enough to boot a connector, no longer. */
export const JOIN_KEY_EXPIRY_SECONDS = 600;

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
}

export interface JoinKey {
  id: string;
  /** `tskey-auth-…`: handed to the connector's tailscaled once, never stored. */
  key: string;
  expires: string;
}

export class TailscaleApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = "TailscaleApiError";
  }
}

async function failure(res: Response, what: string): Promise<TailscaleApiError> {
  const body = (await res.json().catch(() => ({}))) as { message?: unknown };
  const detail = typeof body.message === "string" ? `: ${body.message.slice(0, 300)}` : "";
  return new TailscaleApiError(`Tailscale ${what} failed (HTTP ${res.status})${detail}`, res.status);
}

/** Mints one ephemeral, pre-authorised, tagged, single-use join key. */
export async function mintJoinKey(
  client: OAuthClient,
  options: { api?: string; tags?: string[]; description?: string; fetcher?: typeof fetch } = {},
): Promise<JoinKey> {
  const api = options.api ?? TAILSCALE_API;
  const doFetch = options.fetcher ?? fetch;
  const tokenRes = await doFetch(`${api}/api/v2/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      client_id: client.clientId,
      client_secret: client.clientSecret,
      grant_type: "client_credentials",
    }),
  });
  if (!tokenRes.ok) throw await failure(tokenRes, "OAuth token exchange");
  const { access_token: accessToken } = (await tokenRes.json()) as { access_token?: string };
  if (!accessToken) throw new TailscaleApiError("Tailscale OAuth answer carries no access_token", 502);

  const keyRes = await doFetch(`${api}/api/v2/tailnet/-/keys`, {
    method: "POST",
    headers: { authorization: `Bearer ${accessToken}`, "content-type": "application/json" },
    body: JSON.stringify({
      capabilities: {
        devices: {
          create: {
            reusable: false,
            ephemeral: true,
            preauthorized: true,
            tags: options.tags ?? [CONNECTOR_TAG],
          },
        },
      },
      expirySeconds: JOIN_KEY_EXPIRY_SECONDS,
      description: options.description ?? "clawplane tailnet connector",
    }),
  });
  if (!keyRes.ok) throw await failure(keyRes, "auth key creation");
  const key = (await keyRes.json()) as Partial<JoinKey>;
  if (typeof key.key !== "string" || typeof key.id !== "string") {
    throw new TailscaleApiError("Tailscale key answer carries no key", 502);
  }
  return { id: key.id, key: key.key, expires: String(key.expires ?? "") };
}
