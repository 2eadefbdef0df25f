/**
 * Wire types of the Clawplane API, derived from the Worker's own zod schemas (`src/schemas/*`).
 *
 * Every import here is `import type`, so the SDK's JavaScript never loads zod or the Worker:
 * the schemas are the single source of truth for shapes, and a schema change that breaks the
 * SDK breaks `npm run typecheck` here instead of a user's request at run time.
 *
 * Request bodies use the schema's *input* type (what a caller may send: defaults optional);
 * responses use the *output* type (what the Worker returns). Query strings are written by hand
 * because their schemas coerce strings (`limit`, booleans, RFC 3339 → epoch ms), so neither
 * zod type describes what a caller passes; `KnownKeys` checks each against its schema's keys.
 */
import type { z } from "zod";
import type {
  AgentCreateSchema,
  AgentListQuerySchema,
  AgentSchema,
  AgentUpdateSchema,
} from "../../src/schemas/agents";
import type {
  ApiKeyCreatedSchema,
  ApiKeyCreateSchema,
  ApiKeyListQuerySchema,
  ApiKeySchema,
} from "../../src/schemas/api-keys";
import type { RuntimePoolStatusSchema } from "../../src/schemas/runtime-pool";
import type { AuditEventSchema, AuditQuerySchema } from "../../src/schemas/audit";
import type {
  BeamRunListQuerySchema,
  BeamUsageQuerySchema,
  BeamUsageSchema,
  BeamRunSchema,
  PlaneBeamsPutSchema,
  TeleportConnectionPutSchema,
  TeleportConnectionSchema,
} from "../../src/schemas/beams";
import type {
  ChannelCreateSchema,
  ChannelDeletedSchema,
  ChannelListQuerySchema,
  ChannelSchema,
} from "../../src/schemas/channels";
import type {
  EnvironmentCreateSchema,
  EnvironmentListQuerySchema,
  EnvironmentSchema,
  EnvironmentUpdateSchema,
} from "../../src/schemas/environments";
import type {
  PeerCreatedSchema,
  PeerCreateSchema,
  PeerCredentialIssuedSchema,
  PeerDeletedSchema,
  PeerInboundCredentialSchema,
  PeerSchema,
  PeerTestResultSchema,
  PeerMessageSchema,
} from "../../src/schemas/peers";
import type {
  TailnetConnectionPutSchema,
  TailnetConnectionSchema,
  TailnetConnectorStatusSchema,
} from "../../src/schemas/tailnet";
import type {
  LogItemSchema,
  LogsQuerySchema,
  MemberCreateSchema,
  MemberListQuerySchema,
  MemberRemovedSchema,
  MemberSchema,
  INSTANCE_TYPES as PLANE_INSTANCE_TYPES,
  PlaneAdminTokenSchema,
  PlaneCreateSchema,
  PlaneDeletedSchema,
  PlaneListQuerySchema,
  PlaneSchema,
  PlaneStatusQuerySchema,
  PlaneStatusSchema,
  PlaneTemplatePatchSchema,
  PlaneTemplateSchema,
  PlaneTokenSchema,
  PlaneUpdateSchema,
  RolloutSchema,
  UpgradeCreateSchema,
} from "../../src/schemas/planes";
import type {
  SessionThreadSchema,
  THREAD_STATUSES,
  ThreadListQuerySchema,
} from "../../src/schemas/session-threads";
import type {
  EventDeltaFrameSchema,
  EventListQuerySchema,
  EventStartFrameSchema,
  SendEventsSchema,
  SessionEventSchema,
  UserEventParamsSchema,
} from "../../src/schemas/session-events";
import type {
  SessionCreateSchema,
  SessionListQuerySchema,
  SessionSchema,
  SessionUpdateSchema,
} from "../../src/schemas/sessions";

export type { ErrorCode, FieldError } from "../../src/errors";

/** Compile-time check that a hand-written query type only uses keys its schema accepts. */
type KnownKeys<Params, Schema extends z.ZodType> =
  Exclude<keyof Params, keyof z.input<Schema>> extends never
    ? Params
    : { error: "unknown query key"; keys: Exclude<keyof Params, keyof z.input<Schema>> };

/** An RFC 3339 timestamp string, or a Date the SDK formats as one. */
export type Timestamp = string | Date;

/** Cursor and size shared by every list call. */
export interface PageParams {
  /** Page size, 1–1000 (server default 20; 1000 for session events). */
  limit?: number;
  /** The `next_page` cursor of a previous page. */
  page?: string;
}

export type Agent = z.infer<typeof AgentSchema>;
export type AgentCreateParams = z.input<typeof AgentCreateSchema>;
export type AgentUpdateParams = z.input<typeof AgentUpdateSchema>;
export type AgentListParams = KnownKeys<
  PageParams & { include_archived?: boolean; "created_at[gte]"?: string; "created_at[lte]"?: string },
  typeof AgentListQuerySchema
>;

export type Environment = z.infer<typeof EnvironmentSchema>;
export type EnvironmentCreateParams = z.input<typeof EnvironmentCreateSchema>;
export type EnvironmentUpdateParams = z.input<typeof EnvironmentUpdateSchema>;
export type EnvironmentListParams = KnownKeys<
  PageParams & { include_archived?: boolean },
  typeof EnvironmentListQuerySchema
>;
/** The answer of `DELETE /v1/environments/{id}`. */
export interface EnvironmentDeleted {
  id: string;
  type: "environment_deleted";
}

export type SessionStatus = Session["status"];
export type Session = z.infer<typeof SessionSchema>;
export type SessionCreateParams = z.input<typeof SessionCreateSchema>;
export type SessionUpdateParams = z.input<typeof SessionUpdateSchema>;
export type SessionListParams = KnownKeys<
  PageParams & {
    order?: "asc" | "desc";
    "statuses[]"?: SessionStatus | SessionStatus[];
    agent_id?: string;
    agent_version?: number;
    "created_at[gt]"?: Timestamp;
    "created_at[gte]"?: Timestamp;
    "created_at[lt]"?: Timestamp;
    "created_at[lte]"?: Timestamp;
    include_archived?: boolean;
  },
  typeof SessionListQuerySchema
>;
/** The answer of `DELETE /v1/sessions/{id}`. */
export interface SessionDeleted {
  id: string;
  type: "session_deleted";
}

/**
 * A stored session event (`user.message`, `agent.message`, `session.status_idle`, …): a union
 * on `type`, so `event.type === "agent.message"` narrows `event` to that event's fields.
 */
export type SessionEvent = z.infer<typeof SessionEventSchema>;
/** Every `type` a session event can have. */
export type SessionEventType = SessionEvent["type"];
/** The session event of type `T`, e.g. `SessionEventOf<"session.status_idle">`. */
export type SessionEventOf<T extends SessionEventType> = Extract<SessionEvent, { type: T }>;
/** Cold-start progress: a turn that has to start the session's runtime emits this first… */
export type RuntimeStartEvent = SessionEventOf<"span.runtime_start">;
/** …and this once the runtime is ready (`ready_ms` after the start), before its first model call. */
export type RuntimeReadyEvent = SessionEventOf<"span.runtime_ready">;
/** Whether a runtime start was served by a warm (pre-booted) runtime, or booted cold and why. */
export type RuntimeWarmPoolEvent = SessionEventOf<"span.runtime_warm_pool">;
/** The session's runtime exited on its own (crash, out-of-memory kill, restart), with its `exit_code`. */
export type RuntimeExitedEvent = SessionEventOf<"session.runtime_exited">;
/** The environment's packages are being installed in the session's runtime, before its first turn… */
export type PackagesInstallStartEvent = SessionEventOf<"span.packages_install_start">;
/** …and how long it took, per package, and the result (`failed` is followed by `session.error`). */
export type PackagesInstallEndEvent = SessionEventOf<"span.packages_install_end">;
export type UserEventParams = z.input<typeof UserEventParamsSchema>;
export type SendEventsParams = z.input<typeof SendEventsSchema>;
export type EventListParams = KnownKeys<
  PageParams & {
    order?: "asc" | "desc";
    "types[]"?: string | string[];
    "created_at[gt]"?: Timestamp;
    "created_at[gte]"?: Timestamp;
    "created_at[lt]"?: Timestamp;
    "created_at[lte]"?: Timestamp;
  },
  typeof EventListQuerySchema
>;

/**
 * A thread of a session: the primary thread (the session's own agent, `parent_thread_id` null)
 * or a sub-agent's child thread, with its agent snapshot, status, usage and stats.
 */
export type SessionThread = z.infer<typeof SessionThreadSchema>;
export type SessionThreadStatus = (typeof THREAD_STATUSES)[number];
export type ThreadListParams = KnownKeys<
  PageParams & { "statuses[]"?: SessionThreadStatus | SessionThreadStatus[] },
  typeof ThreadListQuerySchema
>;

/**
 * Stream-only previews of an event being generated (`?event_deltas[]=agent.message`). They have
 * no id and are never stored or replayed; the finished event follows with the same id as
 * `event_start.event.id`.
 */
export type EventStartFrame = z.infer<typeof EventStartFrameSchema>;
export type EventDeltaFrame = z.infer<typeof EventDeltaFrameSchema>;
/** What a session's event stream yields. */
export type StreamEvent = SessionEvent | EventStartFrame | EventDeltaFrame;

export type ApiKey = z.infer<typeof ApiKeySchema>;
/** The create answer: the key plus its secret, shown this once. */
export type ApiKeyCreated = z.infer<typeof ApiKeyCreatedSchema>;
export type ApiKeyCreateParams = z.input<typeof ApiKeyCreateSchema>;
export type ApiKeyListParams = KnownKeys<
  PageParams & { include_revoked?: boolean },
  typeof ApiKeyListQuerySchema
>;

export type Channel = z.infer<typeof ChannelSchema>;
export type ChannelCreateParams = z.input<typeof ChannelCreateSchema>;
export type ChannelDeleted = z.infer<typeof ChannelDeletedSchema>;
export type ChannelListParams = KnownKeys<PageParams, typeof ChannelListQuerySchema>;

export type AuditEvent = z.infer<typeof AuditEventSchema>;
export type AuditListParams = KnownKeys<
  PageParams & { since?: Timestamp; until?: Timestamp; action?: string; target?: string; actor?: string },
  typeof AuditQuerySchema
>;

// ---------------------------------------------------------------------------------------------
// Delegation to Teleport Beams (`/v1/teleport/connection`, `/v1/beam_runs`).

/** One delegation of a task to a beam: status, beam, timings, exit code, output (on retrieve). */
export type BeamRun = z.infer<typeof BeamRunSchema>;
export type BeamRunStatus = BeamRun["status"];
export type BeamRunListParams = KnownKeys<
  PageParams & { session_id?: string; member_id?: string; plane_id?: string; status?: BeamRunStatus },
  typeof BeamRunListQuerySchema
>;
/** Delegation cost of a session, plane member or plane: runs, their beams' wall time, the usage their CLIs reported. */
export type BeamUsage = z.infer<typeof BeamUsageSchema>;
export type BeamUsageParams = KnownKeys<
  { session_id?: string; member_id?: string; plane_id?: string },
  typeof BeamUsageQuerySchema
>;
/** The org's Teleport connection as reads return it (never its credential). */
export type TeleportConnection = z.infer<typeof TeleportConnectionSchema>;
export type TeleportConnectionPutParams = z.input<typeof TeleportConnectionPutSchema>;
export type PlaneBeamsPutParams = z.input<typeof PlaneBeamsPutSchema>;

// ---------------------------------------------------------------------------------------------
// Agents Plane (`/v1/planes`): a named fleet of isolated agents, one per team member.

/** Container sizes a plane's runtimes may use. */
export type PlaneInstanceType = (typeof PLANE_INSTANCE_TYPES)[number];
/** Agent fields every member's agent is made from: an agent create body without `name`. */
export type PlaneTemplate = z.input<typeof PlaneTemplateSchema>;
/** Agent fields changed on top of a template (a member's own overrides, or an upgrade). */
export type PlaneTemplatePatch = z.input<typeof PlaneTemplatePatchSchema>;

/** A plane as reads return it (`admin_token` appears only in the create answer). */
export type Plane = Omit<z.infer<typeof PlaneSchema>, "admin_token">;
/** The create answer: the plane plus its admin token (`cpa_…`), shown this once. */
export type PlaneCreated = Plane & { admin_token: string };
export type PlaneCreateParams = z.input<typeof PlaneCreateSchema>;
/** What an update may change; the template and runtime change through an upgrade. */
export type PlaneUpdateParams = z.input<typeof PlaneUpdateSchema>;
export type PlaneListParams = KnownKeys<PageParams, typeof PlaneListQuerySchema>;
export type PlaneDeleted = z.infer<typeof PlaneDeletedSchema>;

/** A member (`token` appears only in the add answer). */
export type PlaneMember = Omit<z.infer<typeof MemberSchema>, "token">;
/** The add answer: the member plus their token (`cpm_…`), shown this once. */
export type PlaneMemberCreated = PlaneMember & { token: string };
export type PlaneMemberAddParams = z.input<typeof MemberCreateSchema>;
export type PlaneMemberListParams = KnownKeys<
  PageParams & { include_removed?: boolean },
  typeof MemberListQuerySchema
>;
/** Removing a member: their sessions ended, credentials revoked, secrets deleted. */
export type PlaneMemberRemoved = z.infer<typeof MemberRemovedSchema>;
/** A newly issued token (`token` shown this once); rotating a member's revokes the old one. */
export type PlaneToken = z.infer<typeof PlaneTokenSchema>;
/** A plane admin token as listed: its prefix, never its secret. */
export type PlaneAdminToken = z.infer<typeof PlaneAdminTokenSchema>;

export type PlaneStatus = z.infer<typeof PlaneStatusSchema>;
/** The warm pool's status (`GET /v1/runtime_pool`, and `runtime_pool` of a plane's status). */
export type RuntimePoolStatus = z.infer<typeof RuntimePoolStatusSchema>;
/** One member's row of a plane's status. */
export type PlaneMemberStatus = PlaneStatus["members"][number];
/** A running (or the last) rollout's progress, as the status shows it. */
export type PlaneRolloutProgress = NonNullable<PlaneStatus["rollout"]>;
export type PlaneStatusParams = KnownKeys<{ member?: string }, typeof PlaneStatusQuerySchema>;

/** An item of a member's logs that is one event of one of their sessions, secret values redacted. */
export interface PlaneLogEvent {
  session_id: string;
  event: SessionEvent;
}
/** An item of a member's logs that is one line of a live session's gateway log, redacted. */
export type PlaneLogRuntimeLine = Extract<z.infer<typeof LogItemSchema>, { source: "runtime" }>;
/** An item of a member's logs: a session event or a runtime log line. */
export type PlaneLogEntry = PlaneLogEvent | PlaneLogRuntimeLine;
export type PlaneLogListParams = KnownKeys<PageParams, typeof LogsQuerySchema>;

export type PlaneRollout = z.infer<typeof RolloutSchema>;
export type PlaneRolloutStatus = PlaneRollout["status"];
export type PlaneUpgradeParams = z.input<typeof UpgradeCreateSchema>;
export type PlaneRolloutListParams = PageParams;

/** A thread's context was compacted; `session_thread_id` names a child's on the parent's stream. */
export type AgentThreadContextCompactedEvent = SessionEventOf<"agent.thread_context_compacted">;
/** The session refused a sub-agent spawn (allowlist, depth or concurrency cap). */
export type SessionThreadSpawnRefusedEvent = SessionEventOf<"session.thread_spawn_refused">;

// Tailnet peers (`/v1/peers`): remote agents reached over Tailscale by A2A.
/** The agent sent a tailnet peer a message (its `peer_send` tool). */
export type AgentPeerMessageEvent = SessionEventOf<"agent.peer_message">;
/** A tailnet peer's answer: in the same turn when the agent waited, later when it did not. */
export type AgentPeerReplyEvent = SessionEventOf<"agent.peer_reply">;
// Delegation to Teleport Beams: a `beam_agent` call's run, as the parent session's events show it.
/** The agent's `beam_agent` call became a beam run (queued or starting). */
export type AgentBeamRunStartedEvent = SessionEventOf<"agent.beam_run_started">;
/** What the delegated agent printed since the last output event (throttled). */
export type AgentBeamRunOutputEvent = SessionEventOf<"agent.beam_run_output">;
/** The run ended; its output is the call's tool result. */
export type AgentBeamRunEndedEvent = SessionEventOf<"agent.beam_run_ended">;
/** A tailnet peer sent this session's agent a message (the session is that peer's conversation). */
export type SessionPeerMessageReceivedEvent = SessionEventOf<"session.peer_message_received">;
/** The agent's answer to a peer's message, now the A2A task's result. */
export type SessionPeerReplySentEvent = SessionEventOf<"session.peer_reply_sent">;
export type Peer = z.infer<typeof PeerSchema>;
/** A new peer: `inbound_token` (inbound and both peers) is the token to give the peer, shown this once. */
export type PeerCreated = z.infer<typeof PeerCreatedSchema>;
export type PeerCreateParams = z.input<typeof PeerCreateSchema>;
export type PeerListParams = PageParams & { agent_id?: string };
export type PeerDeleted = z.infer<typeof PeerDeletedSchema>;
export type PeerTestResult = z.infer<typeof PeerTestResultSchema>;
/** One message between our agent and a peer, in the peer's traffic log. */
export type PeerMessage = z.infer<typeof PeerMessageSchema>;
/** The org's tailnet connection: its OAuth client (never the secret) and the connector's state. */
export type TailnetConnection = z.infer<typeof TailnetConnectionSchema>;
export type TailnetConnectionPutParams = z.input<typeof TailnetConnectionPutSchema>;
export type TailnetConnectorStatus = z.infer<typeof TailnetConnectorStatusSchema>;
export type PeerInboundCredential = z.infer<typeof PeerInboundCredentialSchema>;
/** An issued inbound credential: `token` is shown this once. */
export type PeerCredentialIssued = z.infer<typeof PeerCredentialIssuedSchema>;
