/**
 * Wire schemas for delegation to Teleport Beams: the Teleport connection (org-wide and per
 * plane), beam runs as the API, SDK and CLI show them, and the call the runtime's `beam_agent`
 * plugin makes. Secrets (the bot's join token or identity) are write-only: the response form has
 * no field for them, only whether one is set.
 */
import { z } from "@hono/zod-openapi";
import { BEAM_AGENT_CLIS } from "./agent-tools";
import { LimitQuery, PageQuery } from "./common";

/** Longest join token or identity file accepted (an identity file with its certs is a few KiB). */
export const MAX_TELEPORT_CREDENTIAL_CHARS = 65_536;
/** Longest task handed to a delegated agent. */
export const MAX_BEAM_TASK_CHARS = 32_768;

/** `host:port` of a Teleport proxy, e.g. `example.teleport.sh:443` (no scheme, no path). */
const ProxyAddress = z
  .string()
  .max(253 + 6)
  .regex(
    /^(?=.{1,253}:)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*:\d{1,5}$/,
    "must be host:port of the Teleport proxy, e.g. example.teleport.sh:443",
  );

/** The Machine ID bot credential: a join token (tbot joins and renews) or an identity file. */
export const TeleportCredentialParamsSchema = z
  .discriminatedUnion("type", [
    z.strictObject({
      type: z.literal("join_token"),
      token: z.string().min(1).max(MAX_TELEPORT_CREDENTIAL_CHARS),
    }),
    z.strictObject({
      type: z.literal("identity"),
      identity: z.string().min(1).max(MAX_TELEPORT_CREDENTIAL_CHARS),
    }),
  ])
  .openapi("TeleportCredentialParams");

/** `PUT` of the org's connection: everything needed to reach the cluster as the bot. */
export const TeleportConnectionPutSchema = z
  .strictObject({
    proxy_address: ProxyAddress,
    bot_name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, "must be a Teleport bot name (a-z, 0-9, _ . -)"),
    credential: TeleportCredentialParamsSchema,
    delegation_allowed: z.boolean().optional(),
  })
  .openapi("TeleportConnectionPut");

/** `PUT` of a plane's setting: allow or forbid delegation for its members. */
export const PlaneBeamsPutSchema = z
  .strictObject({ delegation_allowed: z.boolean() })
  .openapi("PlaneBeamsPut");

/** A connection as returned: never the credential, only its kind. */
export const TeleportConnectionSchema = z
  .object({
    type: z.literal("teleport_connection"),
    scope: z.string().openapi({ description: '"org", or the plane id a plane setting belongs to' }),
    proxy_address: z.string().nullable(),
    bot_name: z.string().nullable(),
    credential: z.object({ type: z.enum(["join_token", "identity"]) }).nullable(),
    delegation_allowed: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("TeleportConnection");
export type TeleportConnectionWire = z.infer<typeof TeleportConnectionSchema>;

export const BEAM_RUN_STATUSES = [
  "queued",
  "starting",
  "running",
  "succeeded",
  "failed",
  "timed_out",
  "cancelled",
] as const;
export type BeamRunStatus = (typeof BEAM_RUN_STATUSES)[number];
/** A run in one of these will not change again. */
export const BEAM_RUN_FINAL: ReadonlySet<BeamRunStatus> = new Set([
  "succeeded",
  "failed",
  "timed_out",
  "cancelled",
]);

/**
 * Model usage a delegated agent CLI reported in its own output (Claude Code's result message,
 * Codex's `turn.completed` events; src/beams/cli-output.ts). `cost_usd` only when the CLI reports
 * one (Claude Code); a custom CLI reports none.
 */
export const BeamCliUsageSchema = z
  .object({
    input_tokens: z.number().int(),
    output_tokens: z.number().int(),
    cache_read_input_tokens: z.number().int(),
    cache_creation_input_tokens: z.number().int(),
    cost_usd: z.number().nullable(),
  })
  .openapi("BeamCliUsage");
export type BeamCliUsageWire = z.infer<typeof BeamCliUsageSchema>;

/** One delegation as the API shows it. */
export const BeamRunSchema = z
  .object({
    id: z.string(),
    type: z.literal("beam_run"),
    status: z.enum(BEAM_RUN_STATUSES),
    /** 1-based place in the connector's queue while `queued`; null otherwise. */
    queue_position: z.number().int().nullable(),
    session_id: z.string(),
    tool_call_id: z.string(),
    agent: z.object({ id: z.string(), version: z.number().int() }),
    plane_id: z.string().nullable(),
    member_id: z.string().nullable(),
    bot_identity: z.string().nullable(),
    task: z.string(),
    agent_cli: z.enum(BEAM_AGENT_CLIS),
    command: z.array(z.string()),
    timeout_seconds: z.number().int(),
    publish: z.boolean(),
    beam: z.object({ id: z.string().nullable(), uuid: z.string().nullable(), url: z.string().nullable() }),
    exit_code: z.number().int().nullable(),
    error: z.string().nullable(),
    output: z
      .object({ text: z.string(), bytes: z.number().int(), truncated: z.boolean() })
      .nullable()
      .openapi({ description: "Only on retrieve; bounded at 10 MB, `truncated` marks a cut" }),
    created_at: z.string(),
    started_at: z.string().nullable(),
    exec_started_at: z.string().nullable(),
    ended_at: z.string().nullable(),
    wall_ms: z.number().int().nullable(),
    usage: BeamCliUsageSchema.nullable().openapi({
      description: "What the agent CLI reported using; null when it reported nothing",
    }),
  })
  .openapi("BeamRun");
export type BeamRunWire = z.infer<typeof BeamRunSchema>;

/** Whose runs: a session's, a plane member's, a plane's (any combination; none: the org's). */
const RunOwnerQuery = {
  session_id: z.string().min(1).max(128).optional(),
  member_id: z.string().min(1).max(128).optional(),
  plane_id: z.string().min(1).max(128).optional(),
};

export const BeamRunListQuerySchema = z.object({
  limit: LimitQuery,
  page: PageQuery,
  ...RunOwnerQuery,
  status: z.enum(BEAM_RUN_STATUSES).optional(),
});

export const BeamUsageQuerySchema = z.object(RunOwnerQuery);

/**
 * What delegation cost, as recorded per run: beam wall time (creation to end; a beam bills by
 * its life) over the runs that got a beam, and the model usage the agent CLIs reported (billed
 * to the beam's own LLM account, not through Clawplane's LLM proxy).
 */
export const BeamUsageSchema = z
  .object({
    type: z.literal("beam_usage"),
    session_id: z.string().nullable(),
    member_id: z.string().nullable(),
    plane_id: z.string().nullable(),
    runs: z.number().int().openapi({ description: "Runs recorded (every status)" }),
    ended_runs: z
      .number()
      .int()
      .openapi({ description: "Runs that ended (succeeded, failed, timed_out, cancelled)" }),
    wall_ms: z.number().int().openapi({ description: "Total wall time of the runs' beams (ms)" }),
    reported_runs: z.number().int().openapi({
      description: "Runs whose agent CLI reported its usage (the token and cost sums cover only these)",
    }),
    input_tokens: z.number().int(),
    output_tokens: z.number().int(),
    cache_read_input_tokens: z.number().int(),
    cache_creation_input_tokens: z.number().int(),
    cost_usd: z.number().openapi({
      description: "Sum of the cost the CLIs reported (Claude Code reports one; Codex does not)",
    }),
  })
  .openapi("BeamUsage");
export type BeamUsageWire = z.infer<typeof BeamUsageSchema>;

/** What the `beam_agent` tool sends (the model's arguments, plus OpenClaw's tool call id). */
export const BeamCallSchema = z
  .strictObject({
    tool_call_id: z.string().min(1).max(256),
    task: z.string().min(1).max(MAX_BEAM_TASK_CHARS),
    agent: z.enum(BEAM_AGENT_CLIS).optional(),
    timeout: z.number().int().min(1).optional(),
    publish: z.boolean().optional(),
  })
  .openapi("BeamCall");
export type BeamCall = z.infer<typeof BeamCallSchema>;
