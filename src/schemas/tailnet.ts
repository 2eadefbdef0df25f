/**
 * Wire shapes of the org's tailnet connection (`/v1/tailnet`): the Tailscale OAuth client the
 * tailnet connector's join keys are minted from (its secret write-only), and the connector's
 * state as it last reported it.
 */
import { z } from "@hono/zod-openapi";

/** Tailscale tags: `tag:` and a name of letters, digits and dashes. */
const TAG = /^tag:[a-z0-9][a-z0-9-]{0,62}$/;

export const TailnetConnectionPutSchema = z
  .strictObject({
    oauth_client_id: z
      .string()
      .trim()
      .min(1)
      .max(256)
      .openapi({ description: "The Tailscale OAuth client's id (scope `auth_keys`)" }),
    oauth_client_secret: z
      .string()
      .trim()
      .regex(/^tskey-client-[A-Za-z0-9-]{1,500}$/, "must be a Tailscale OAuth client secret (tskey-client-…)")
      .openapi({ description: "Write-only: sealed, never shown, opened only to mint join keys" }),
    tags: z
      .array(z.string().regex(TAG, "must be a Tailscale tag such as tag:clawplane-agent"))
      .min(1)
      .max(8)
      .default(["tag:clawplane-agent"])
      .openapi({ description: "Tags the connector's node carries; the OAuth client must own them" }),
    hostname: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "must be a DNS label (a-z, 0-9, -)")
      .default("clawplane")
      .openapi({
        description: "The connector's machine name: peers call http://<hostname>.<tailnet>.ts.net",
      }),
  })
  .openapi("TailnetConnectionPut");
export type TailnetConnectionPut = z.infer<typeof TailnetConnectionPutSchema>;

export const TailnetConnectorStatusSchema = z
  .object({
    state: z.enum(["not_booted", "booted", "failed"]),
    transport: z
      .string()
      .nullable()
      .openapi({ description: "`tailscaled`, or `loopback_double` off Cloudflare" }),
    dns_name: z.string().nullable().openapi({ description: "The connector's MagicDNS name on the tailnet" }),
    addresses: z.array(z.string()),
    booted_at: z.string().nullable(),
    error: z.string().nullable(),
  })
  .openapi("TailnetConnectorStatus");
export type TailnetConnectorStatus = z.infer<typeof TailnetConnectorStatusSchema>;

export const TailnetConnectionSchema = z
  .object({
    type: z.literal("tailnet_connection"),
    oauth_client_id: z.string(),
    oauth_client_secret: z.object({ set: z.literal(true) }),
    tags: z.array(z.string()),
    hostname: z.string(),
    connector: TailnetConnectorStatusSchema,
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("TailnetConnection");
