/**
 * Wire shapes of tailnet peers (`/v1/peers`): remote agents our agents talk to over Tailscale
 * (src/peers/). The token we present to a peer is write-only (accepted on create, never shown);
 * a credential we issue to a peer is shown once, when issued.
 */
import { z } from "@hono/zod-openapi";
import { isHostname, isIPv4 } from "./hostnames";

/**
 * Peer names as OpenClaw's `channels.a2a.peers.<name>` spells them (openclaw 2026.9.6), so one
 * name can identify a gateway on both sides.
 */
export const PEER_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** Tailscale's CGNAT range, 100.64.0.0/10: the addresses tailnet nodes get. */
export function isTailnetIPv4(value: string): boolean {
  if (!isIPv4(value)) return false;
  const [a, b] = value.split(".").map(Number) as [number, number];
  return a === 100 && b >= 64 && b <= 127;
}

/**
 * A MagicDNS name: `<machine>.<tailnet>.ts.net`, or a machine's short name (one label), which
 * MagicDNS resolves inside the tailnet.
 */
export function isMagicDnsName(value: string): boolean {
  const name = value.toLowerCase();
  if (!isHostname(name)) return false;
  return !name.includes(".") || (name.endsWith(".ts.net") && name.split(".").length >= 4);
}

export const PeerProtocolSchema = z.enum(["a2a", "openclaw_tools_invoke"]).openapi({
  description:
    "`a2a`: A2A 1.0 JSON-RPC (`SendMessage`) at `/a2a/v1`, OpenClaw's `channels.a2a`. " +
    "`openclaw_tools_invoke`: `POST /tools/invoke` with `sessions_send`, for gateways without A2A (outbound only).",
});
export const PeerDirectionSchema = z.enum(["outbound", "inbound", "both"]);

const TOKEN_MAX_CHARS = 4096;

export const PeerCreateSchema = z
  .object({
    name: z
      .string()
      .regex(
        PEER_NAME,
        "lowercase letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64",
      ),
    address: z
      .string()
      .trim()
      .max(253)
      .refine(
        (v) => isTailnetIPv4(v) || isMagicDnsName(v),
        "must be a MagicDNS name (machine.tailnet.ts.net or a machine name) or a tailnet IPv4 address in 100.64.0.0/10",
      ),
    port: z.number().int().min(1).max(65_535).default(18_789),
    path: z
      .string()
      .regex(
        /^\/[A-Za-z0-9._~/-]{1,255}$/,
        "an absolute URL path such as /a2a/v1 or /a2a/agents/agent_…/v1 (letters, digits, . _ ~ / -)",
      )
      .refine((v) => !v.includes("//") && !v.split("/").includes(".."), "no empty or '..' segments")
      .optional()
      .openapi({
        description:
          "The peer's A2A JSON-RPC path. Default `/a2a/v1` (OpenClaw); another Clawplane serves each agent at `/a2a/agents/<agent_id>/v1`.",
      }),
    protocol: PeerProtocolSchema.default("a2a"),
    direction: PeerDirectionSchema.default("outbound"),
    agent_ids: z
      .array(z.string().min(1).max(128))
      .min(1)
      .max(100)
      .transform((ids) => [...new Set(ids)]),
    rate_limit_per_minute: z.number().int().min(1).max(600).default(30),
    outbound_token: z
      .string()
      .min(1)
      .max(TOKEN_MAX_CHARS)
      .regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces")
      .optional()
      .openapi({ description: "The bearer token the peer expects from us. Write-only: never returned." }),
  })
  .strict()
  .superRefine((v, ctx) => {
    const outbound = v.direction !== "inbound";
    if (outbound && !v.outbound_token) {
      ctx.addIssue({
        code: "custom",
        path: ["outbound_token"],
        message: "required when direction is outbound or both",
      });
    }
    if (!outbound && v.outbound_token) {
      ctx.addIssue({
        code: "custom",
        path: ["outbound_token"],
        message: "an inbound-only peer is never called",
      });
    }
    if (v.protocol === "openclaw_tools_invoke" && v.direction !== "outbound") {
      ctx.addIssue({
        code: "custom",
        path: ["direction"],
        message: "openclaw_tools_invoke peers are outbound only",
      });
    }
  })
  .openapi("PeerCreate");
export type PeerCreate = z.infer<typeof PeerCreateSchema>;

export const PeerInboundCredentialSchema = z
  .object({
    id: z.string(),
    type: z.literal("peer_inbound_credential"),
    token_prefix: z.string(),
    created_at: z.string(),
    last_used_at: z.string().nullable(),
    revoked_at: z.string().nullable(),
  })
  .openapi("PeerInboundCredential");
export type PeerInboundCredential = z.infer<typeof PeerInboundCredentialSchema>;

export const PeerSchema = z
  .object({
    id: z.string(),
    type: z.literal("peer"),
    name: z.string(),
    address: z.string(),
    port: z.number().int(),
    path: z.string().openapi({ description: "The peer's A2A JSON-RPC path" }),
    protocol: PeerProtocolSchema,
    direction: PeerDirectionSchema,
    agent_ids: z.array(z.string()),
    rate_limit_per_minute: z.number().int(),
    plane_id: z.string().nullable(),
    member_id: z.string().nullable(),
    has_outbound_token: z
      .boolean()
      .openapi({ description: "Whether a token to present is stored (it is never shown)" }),
    inbound_credentials: z.array(PeerInboundCredentialSchema),
    created_by: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Peer");
export type Peer = z.infer<typeof PeerSchema>;

export const PeerCreatedSchema = PeerSchema.extend({
  inbound_token: z
    .string()
    .nullable()
    .openapi({ description: "For inbound peers: the bearer token the peer presents to us. Shown once." }),
}).openapi("PeerCreated");

export const PeerCredentialIssuedSchema = PeerInboundCredentialSchema.extend({
  token: z.string().openapi({ description: "The bearer token the peer presents to us. Shown once." }),
}).openapi("PeerCredentialIssued");

export const PeerDeletedSchema = z
  .object({ id: z.string(), type: z.literal("peer_deleted") })
  .openapi("PeerDeleted");

export const PeerTestResultSchema = z
  .object({
    type: z.literal("peer_test"),
    peer_id: z.string(),
    reachable: z.boolean(),
    latency_ms: z.number().nullable(),
    status: z.number().int().nullable().openapi({ description: "HTTP status of the card request" }),
    agent_card: z.record(z.string(), z.unknown()).nullable(),
    error: z.string().nullable(),
  })
  .openapi("PeerTestResult");
export type PeerTestResult = z.infer<typeof PeerTestResultSchema>;

/** One message between our agent and a peer, as the traffic log shows it (never its text or a token). */
export const PeerMessageSchema = z
  .object({
    type: z.literal("peer_message"),
    id: z.string(),
    at: z.string(),
    direction: z.enum(["in", "out"]),
    peer_id: z.string(),
    agent_id: z.string().nullable(),
    session_id: z.string().nullable(),
    bytes_in: z.number().int().openapi({ description: "UTF-8 bytes of the message" }),
    bytes_out: z.number().int().openapi({ description: "UTF-8 bytes of the answer" }),
    outcome: z.enum(["success", "failure"]),
    state: z
      .string()
      .openapi({ description: "The A2A task state, or `refused`, `unreachable`, `rate_limited`" }),
    via: z.string().openapi({ description: "`tailnet_connector`, `loopback_double` or `public_https`" }),
    duration_ms: z.number().int().nullable(),
  })
  .openapi("PeerMessage");
