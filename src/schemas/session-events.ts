/**
 * The session event catalog (`client.beta.sessions.events`): every event a client may send, and
 * every event a session stores and streams, each once, as zod schemas. The Worker validates
 * input with them, types what it emits with them (`SessionEventBody`: a session cannot emit an
 * event that is not here), documents them in /openapi.json, and the SDK derives its types from
 * them.
 *
 * The CMA events Clawplane emits (shapes as in the CMA contract), the echoes of the user events
 * it accepts, and its own spans: `span.runtime_start` / `span.runtime_ready` (a runtime start) and
 * `span.packages_install_start` / `span.packages_install_end` (the environment's packages). Text blocks are
 * checked strictly; other block types (image, document, search_result) are accepted by shape
 * and passed to the agent as their text where they have one.
 */
import { z } from "@hono/zod-openapi";
import { MAX_EVENTS_PER_SEND, MAX_PAGE_LIMIT } from "../config";
import { decimalIntQuery, PageQuery, TimestampQuery } from "./common";
import { PACKAGE_MANAGERS } from "./environments";
import { BEAM_AGENT_CLIS } from "./agent-tools";
import { BeamCliUsageSchema } from "./beams";
import { MetadataSchema } from "./metadata";

const TextBlockSchema = z.strictObject({ type: z.literal("text"), text: z.string() });
const OtherBlockSchema = z.looseObject({ type: z.enum(["image", "document", "search_result", "redacted"]) });
export const ContentBlockSchema = z.union([TextBlockSchema, OtherBlockSchema]);

// ---- what a client sends ----------------------------------------------------------------------

const userMessageFields = {
  content: z.array(ContentBlockSchema).min(1, "a message needs at least one content block"),
};
const userInterruptFields = { session_thread_id: z.string().min(1).optional() };
const toolConfirmationFields = {
  tool_use_id: z.string().min(1),
  result: z.enum(["allow", "deny"]),
  deny_message: z.string().optional(),
};
const customToolResultFields = {
  custom_tool_use_id: z.string().min(1),
  content: z.array(ContentBlockSchema).optional(),
  is_error: z.boolean().optional(),
};

export const UserMessageParamsSchema = z.strictObject({
  type: z.literal("user.message"),
  ...userMessageFields,
});

export const UserEventParamsSchema = z.discriminatedUnion("type", [
  UserMessageParamsSchema,
  z.strictObject({ type: z.literal("user.interrupt"), ...userInterruptFields }),
  z.strictObject({
    type: z.literal("user.tool_confirmation"),
    ...toolConfirmationFields,
    session_thread_id: z.string().optional(),
  }),
  z.strictObject({
    type: z.literal("user.custom_tool_result"),
    ...customToolResultFields,
    session_thread_id: z.string().optional(),
  }),
]);
/** A user event as the session accepts it (validated). */
export type UserEventInput = z.infer<typeof UserEventParamsSchema>;

export const SendEventsSchema = z
  .strictObject({ events: z.array(UserEventParamsSchema).min(1).max(MAX_EVENTS_PER_SEND) })
  .openapi("SendEvents");
export type SendEvents = z.infer<typeof SendEventsSchema>;

// ---- what a session stores and streams --------------------------------------------------------

/**
 * One stored event: `{id, type, ...fields, processed_at}`. `processed_at` is RFC 3339; an echoed
 * user event may have none yet (a queued `user.message` is `null` until its turn picks it up).
 */
function storedEvent<T extends string, F extends z.ZodRawShape>(
  type: T,
  name: string,
  fields: F,
  options: { queued?: boolean; description?: string } = {},
) {
  return z
    .object({
      id: z.string(),
      type: z.literal(type),
      ...fields,
      processed_at: options.queued ? z.string().nullable() : z.string(),
    })
    .openapi(name, options.description ? { description: options.description } : {});
}

const TextContentSchema = z.array(z.object({ type: z.literal("text"), text: z.string() }));

/** The agent's permission for a tool call, as the session evaluated it. */
export const EvaluatedPermissionSchema = z.enum(["allow", "ask", "deny"]);
export type EvaluatedPermission = z.infer<typeof EvaluatedPermissionSchema>;

const ModelUsageSchema = z.object({
  input_tokens: z.number(),
  output_tokens: z.number(),
  cache_creation_input_tokens: z.number(),
  cache_read_input_tokens: z.number(),
});

/** A session's cumulative usage (on the session object and in `session.usage`). */
export const SessionUsageSchema = z
  .object({
    input_tokens: z.number(),
    output_tokens: z.number(),
    cache_read_input_tokens: z.number(),
    cache_creation: z.object({
      ephemeral_5m_input_tokens: z.number(),
      ephemeral_1h_input_tokens: z.number(),
    }),
    active_seconds: z.number(),
    list_cost: z.object({
      amount: z.string().openapi({ description: "Integer string in minor units (cents)" }),
      currency: z.literal("USD"),
    }),
  })
  .openapi("SessionUsage");

/** Why a session went idle. */
export const StopReasonSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("end_turn") }),
  /**
   * Tool calls wait for the user: `agent.tool_use` / `agent.mcp_tool_use` ids for a
   * `user.tool_confirmation`, `agent.custom_tool_use` ids for a `user.custom_tool_result`.
   */
  z.object({ type: z.literal("requires_action"), event_ids: z.array(z.string()) }),
  z.object({ type: z.literal("retries_exhausted") }),
  z.object({ type: z.literal("budget_reached") }),
]);

/** `session.error`'s `error`: what failed and whether the session retries. */
export const SessionErrorSchema = z.object({
  type: z.enum(["unknown_error", "model_request_failed_error", "billing_error"]),
  message: z.string(),
  retry_status: z.object({ type: z.enum(["retrying", "exhausted", "terminal"]) }),
  /**
   * Clawplane: `quota_exceeded` on a quota stop (`billing_error`); `workspace_too_large` when the
   * workspace is over its environment's `workspace_max_mb` and was not saved;
   * `workspace_unavailable` when it could not be saved or restored (storage or runtime failure).
   */
  error_code: z.enum(["quota_exceeded", "workspace_too_large", "workspace_unavailable"]).optional(),
  /** Clawplane: the quota the session reached. */
  limit: z.enum(["max_cost_usd", "max_tokens", "max_wall_time_seconds"]).optional(),
});
export type SessionError = z.infer<typeof SessionErrorSchema>;

/** What every `session.thread_*` event names: the thread, and the agent it runs. */
const threadFields = { session_thread_id: z.string(), agent_name: z.string() };

export const SessionEventSchema = z
  .discriminatedUnion("type", [
    // Echoes of the user's events.
    storedEvent("user.message", "UserMessageEvent", userMessageFields, { queued: true }),
    storedEvent("user.interrupt", "UserInterruptEvent", userInterruptFields, { queued: true }),
    storedEvent("user.tool_confirmation", "UserToolConfirmationEvent", toolConfirmationFields, {
      queued: true,
    }),
    storedEvent("user.custom_tool_result", "UserCustomToolResultEvent", customToolResultFields, {
      queued: true,
    }),
    // The session's lifecycle.
    storedEvent("session.status_running", "SessionStatusRunningEvent", {}),
    storedEvent("session.status_idle", "SessionStatusIdleEvent", {
      stop_reason: StopReasonSchema,
      stop_details: z.null(),
    }),
    storedEvent("session.status_rescheduled", "SessionStatusRescheduledEvent", {}),
    storedEvent("session.status_terminated", "SessionStatusTerminatedEvent", {}),
    storedEvent("session.error", "SessionErrorEvent", { error: SessionErrorSchema }),
    storedEvent("session.usage", "SessionUsageEvent", { usage: SessionUsageSchema }),
    storedEvent(
      "session.updated",
      "SessionUpdatedEvent",
      { title: z.string().nullable().optional(), metadata: MetadataSchema.optional() },
      { description: "The fields an update changed, and only those." },
    ),
    storedEvent("session.deleted", "SessionDeletedEvent", {}, { description: "The last event of a stream." }),
    /*
     * Clawplane: the session's runtime process exited without the session stopping it (a crash,
     * an out-of-memory kill, a platform restart). Noticed when the process exits, not only when
     * its connection drops; a turn it was running is rescheduled, and the next turn starts a
     * fresh runtime with the conversation and the workspace restored.
     */
    storedEvent(
      "session.runtime_exited",
      "SessionRuntimeExitedEvent",
      {
        /** The exit code; 128 + the signal's number when it was killed by one (137: SIGKILL). Null when unknown. */
        exit_code: z.number().int().nullable(),
        /** The signal that killed it, where the runtime reports one. */
        signal: z.string().nullable(),
        message: z.string(),
      },
      {
        description:
          "Clawplane: the session's runtime exited on its own (crash, out-of-memory kill, platform restart), with its exit code; the next turn starts a fresh one.",
      },
    ),
    // A turn's work.
    storedEvent("span.model_request_start", "ModelRequestStartEvent", {}),
    storedEvent("span.model_request_end", "ModelRequestEndEvent", {
      model_request_start_id: z.string(),
      is_error: z.boolean(),
      model_usage: ModelUsageSchema,
    }),
    storedEvent(
      "agent.thinking",
      "AgentThinkingEvent",
      {},
      { description: "The model is reasoning (a progress signal, no content)." },
    ),
    storedEvent("agent.message", "AgentMessageEvent", { content: TextContentSchema }),
    storedEvent("agent.tool_use", "AgentToolUseEvent", {
      name: z.string(),
      input: z.record(z.string(), z.unknown()),
      evaluated_permission: EvaluatedPermissionSchema,
      /** Set on a sub-agent's call cross-posted to the primary stream to ask the user (as CMA). */
      session_thread_id: z.string().optional(),
    }),
    storedEvent("agent.tool_result", "AgentToolResultEvent", {
      tool_use_id: z.string(),
      content: TextContentSchema,
      is_error: z.boolean(),
    }),
    storedEvent("agent.mcp_tool_use", "AgentMcpToolUseEvent", {
      mcp_server_name: z.string(),
      name: z.string(),
      input: z.record(z.string(), z.unknown()),
      evaluated_permission: EvaluatedPermissionSchema,
      /** Set on a sub-agent's call cross-posted to the primary stream to ask the user (as CMA). */
      session_thread_id: z.string().optional(),
    }),
    storedEvent("agent.mcp_tool_result", "AgentMcpToolResultEvent", {
      mcp_tool_use_id: z.string(),
      content: TextContentSchema,
      is_error: z.boolean(),
    }),
    storedEvent(
      "agent.custom_tool_use",
      "AgentCustomToolUseEvent",
      { name: z.string(), input: z.record(z.string(), z.unknown()) },
      {
        description:
          "The agent called one of its custom tools: the client runs it and answers with `user.custom_tool_result`.",
      },
    ),
    // Multi-agent threads (src/session/thread-book.ts). The parent's stream carries each child
    // thread's lifecycle and the messages the threads exchange; a child's own work is in its
    // thread's stream (`/threads/{id}/stream`), where its turns report `session.status_*`.
    storedEvent("session.thread_created", "SessionThreadCreatedEvent", {
      ...threadFields,
      workflow_run_id: z.null(),
    }),
    storedEvent("session.thread_status_running", "SessionThreadStatusRunningEvent", threadFields),
    storedEvent("session.thread_status_idle", "SessionThreadStatusIdleEvent", {
      ...threadFields,
      stop_reason: StopReasonSchema,
      stop_details: z.null(),
    }),
    storedEvent("session.thread_status_rescheduled", "SessionThreadStatusRescheduledEvent", threadFields),
    storedEvent("session.thread_status_terminated", "SessionThreadStatusTerminatedEvent", threadFields),
    storedEvent("agent.thread_message_sent", "AgentThreadMessageSentEvent", {
      to_session_thread_id: z.string(),
      to_agent_name: z.string().nullable().optional(),
      content: TextContentSchema,
    }),
    storedEvent("agent.thread_message_received", "AgentThreadMessageReceivedEvent", {
      from_session_thread_id: z.string(),
      from_agent_name: z.string().nullable().optional(),
      content: TextContentSchema,
    }),
    /*
     * OpenClaw compacted (summarised) a thread's context: automatically mid-turn when it ran near
     * the model's context window, or on an explicit compact of its OpenClaw session. In the
     * thread's own log; a child's also in the parent's stream, with `session_thread_id`.
     */
    storedEvent(
      "agent.thread_context_compacted",
      "AgentThreadContextCompactedEvent",
      {
        /** Set when a child thread's context was compacted (the event as the parent's stream carries it). */
        session_thread_id: z.string().optional(),
      },
      {
        description:
          "The thread's context was compacted (OpenClaw summarised its earlier conversation to fit the model's context window).",
      },
    ),
    storedEvent(
      "session.thread_spawn_refused",
      "SessionThreadSpawnRefusedEvent",
      {
        /** The `agent.tool_use` event of the refused `spawn_agent` call. */
        tool_use_id: z.string(),
        /** The agent the model asked for (an id, or `self`). */
        requested_agent: z.string(),
        reason: z.string(),
      },
      {
        description:
          "Clawplane's own: the session refused a `spawn_agent` call (not on the allowlist, a depth or concurrency cap); the model gets the reason as the tool's error.",
      },
    ),
    storedEvent(
      "session.thread_timed_out",
      "SessionThreadTimedOutEvent",
      {
        ...threadFields,
        /** The spawning agent's `multiagent.subagents.timeout_seconds`. */
        timeout_seconds: z.number().int(),
      },
      {
        description:
          "Clawplane's own: a child thread ran past its `timeout_seconds`; its run was stopped and it is terminated. The parent's call gets a tool error saying so.",
      },
    ),
    /*
     * Tailnet peers (Clawplane's own, README "Tailnet peers"): the agent's `peer_send` reached
     * the peer (`agent.peer_message`), and the peer's answer (`agent.peer_reply`) — in the same
     * turn when the agent waited for it, later (the turn may be over) when it did not.
     */
    storedEvent(
      "agent.peer_message",
      "AgentPeerMessageEvent",
      {
        peer_id: z.string(),
        peer_name: z.string(),
        context_id: z.string(),
        content: TextContentSchema,
        wait: z.boolean(),
      },
      { description: "The agent sent a message to a tailnet peer (its `peer_send` tool)." },
    ),
    storedEvent(
      "agent.peer_reply",
      "AgentPeerReplyEvent",
      {
        peer_message_id: z.string(),
        peer_id: z.string(),
        peer_name: z.string(),
        /** The A2A task state the peer reported (`TASK_STATE_COMPLETED`, ...), or `unreachable`/`refused`. */
        state: z.string(),
        content: TextContentSchema,
        is_error: z.boolean(),
      },
      { description: "A tailnet peer's answer to an `agent.peer_message`." },
    ),
    /*
     * Delegation to Teleport Beams (Clawplane's own, README "Delegation to Teleport Beams"): the
     * agent's `beam_agent` call became a beam run (`agent.beam_run_started`), the delegated
     * agent's stdout as it streams (`agent.beam_run_output`, at most one event a second, the
     * streamed total bounded; the full output is on the run) and the run's end
     * (`agent.beam_run_ended`), before the call's tool result.
     */
    storedEvent(
      "agent.beam_run_started",
      "AgentBeamRunStartedEvent",
      {
        beam_run_id: z.string(),
        tool_call_id: z.string(),
        task: z.string(),
        agent_cli: z.enum(BEAM_AGENT_CLIS),
        timeout_seconds: z.number().int(),
        /** 1-based place in the tenant's queue when the run must wait for Teleport's limits; else null. */
        queue_position: z.number().int().nullable(),
      },
      { description: "The agent delegated a task to a Teleport Beam (its `beam_agent` tool): a beam run." },
    ),
    storedEvent(
      "agent.beam_run_output",
      "AgentBeamRunOutputEvent",
      {
        beam_run_id: z.string(),
        /** The stdout that arrived since the previous one (in order). */
        text: z.string(),
        /** Set on the last output event when the streamed total reached its bound (the run keeps all). */
        elided: z.boolean(),
      },
      { description: "What the delegated agent printed since the last output event (throttled)." },
    ),
    storedEvent(
      "agent.beam_run_ended",
      "AgentBeamRunEndedEvent",
      {
        beam_run_id: z.string(),
        status: z.enum(["succeeded", "failed", "timed_out", "cancelled"]),
        exit_code: z.number().int().nullable(),
        error: z.string().nullable(),
        /** Beam creation to the end (ms): the run's cost figure. Null when it never got a beam. */
        wall_ms: z.number().int().nullable(),
        output_bytes: z.number().int(),
        output_truncated: z.boolean(),
        /** What the agent CLI reported using (tokens, cost); null when it reported nothing. */
        usage: BeamCliUsageSchema.nullable(),
      },
      { description: "A beam run ended; its output is the `beam_agent` call's tool result." },
    ),
    /*
     * Inbound: a tailnet peer's A2A message to this session's agent (the session is that peer's
     * conversation, one per peer and contextId) and the answer that went back as the task result.
     */
    storedEvent(
      "session.peer_message_received",
      "SessionPeerMessageReceivedEvent",
      {
        peer_id: z.string(),
        peer_name: z.string(),
        context_id: z.string(),
        task_id: z.string(),
        /** UTF-8 bytes of the message. */
        bytes: z.number().int().nonnegative(),
        /** `tailnet_connector`, or `public_https` when the deployment serves A2A publicly. */
        via: z.string(),
      },
      { description: "A tailnet peer sent this session's agent a message (A2A `SendMessage`)." },
    ),
    storedEvent(
      "session.peer_reply_sent",
      "SessionPeerReplySentEvent",
      {
        peer_id: z.string(),
        task_id: z.string(),
        /** The A2A task state the peer reads: `TASK_STATE_COMPLETED` or `TASK_STATE_FAILED`. */
        state: z.string(),
        /** UTF-8 bytes of the answer. */
        bytes: z.number().int().nonnegative(),
        /**
         * `task_result`: the answer is the A2A task's result (blocking call, or a peer that
         * polls `GetTask`). `pushed_message`: the peer asked `returnImmediately` and never polled
         * (OpenClaw's outbound), so the answer was also sent to it as our own `SendMessage`.
         */
        delivery: z.enum(["task_result", "pushed_message"]),
      },
      { description: "The agent's answer to a peer's message, now the A2A task's result." },
    ),
    /*
     * Cold-start progress, Clawplane's own span pair (not in the CMA catalog; clients that do not
     * know a type skip it, the official SDKs included). Emitted only by a start of the session's
     * runtime: by a turn that has to start it, before the turn's first model call, or at
     * `sessions.create` when a warm pool serves the session (README "Warm pool", started at
     * create: the session stays idle, and its first turn emits none). `span.runtime_start` when
     * the start begins, `span.runtime_ready` once the runtime answers. A start that fails is
     * followed by `session.error` instead of `span.runtime_ready`.
     */
    storedEvent("span.runtime_start", "RuntimeStartEvent", {}),
    storedEvent("span.runtime_ready", "RuntimeReadyEvent", {
      /** The `span.runtime_start` event this one ends. */
      runtime_start_id: z.string(),
      /** When the start began (RFC 3339). */
      started_at: z.string(),
      /** Milliseconds from the start to a runtime ready to run the turn. */
      ready_ms: z.number().int().nonnegative(),
    }),
    /*
     * Warm pool: how a start of the session's runtime was served, right after `span.runtime_start`.
     * `claimed`: a pre-booted runtime took the session's config (`apply_ms`) instead of a boot.
     * `missed`: it boots cold, and `code`/`reason` say why (pool off, none free, the session's
     * inputs cannot be applied to a running gateway, the claim failed). Only runtimes that have a
     * pool emit it (the local supervisor's; containers have none yet).
     */
    storedEvent(
      "span.runtime_warm_pool",
      "RuntimeWarmPoolEvent",
      {
        outcome: z.enum(["claimed", "missed"]),
        /** Why the start was not served warm; null when claimed. */
        code: z.enum(["pool_off", "pool_empty", "not_applicable", "claim_failed"]).nullable(),
        reason: z.string().nullable(),
        /** Milliseconds from the claim to the session's config applied in the warm runtime; null when missed. */
        apply_ms: z.number().int().nonnegative().nullable(),
        /** The pool that served it (`env:…`, `plane:…`, `shared`), when claimed from a keyed pool. */
        pool: z.string().optional(),
        /** Which setting that pool comes from (src/runtime/warm-pool-plan.ts). */
        pool_scope: z.enum(["environment", "plane", "deployment"]).nullable().optional(),
        /** The more specific pools tried first, each with why it did not serve this start. */
        tried: z
          .array(
            z.object({
              pool: z.string(),
              code: z.enum(["pool_off", "pool_empty", "not_applicable", "claim_failed"]),
              reason: z.string(),
            }),
          )
          .optional(),
      },
      {
        description:
          "Clawplane: whether this runtime start was served by a warm (pre-booted) runtime, or booted cold and why.",
      },
    ),
    /*
     * The environment's packages (`config.packages`), installed in the session's runtime before
     * its first turn runs: `span.packages_install_start` says what is installed, and
     * `span.packages_install_end` how long it took and the result, per package. Emitted when a
     * runtime does not hold the set yet (a first turn, or a runtime started again); a failure is
     * followed by `session.error` naming the package, and the turn does not run.
     */
    storedEvent("span.packages_install_start", "PackagesInstallStartEvent", {
      /** The packages being installed, by manager (only managers with packages), as configured. */
      packages: z.partialRecord(z.enum(PACKAGE_MANAGERS), z.array(z.string())),
      /** The cache key: a hash of the normalized set. The same set, the same key. */
      cache_key: z.string(),
    }),
    storedEvent("span.packages_install_end", "PackagesInstallEndEvent", {
      /** The `span.packages_install_start` event this one ends. */
      packages_install_start_id: z.string(),
      /** `installed`: by the installers now; `cached`: the set was restored from the cache; `failed`. */
      result: z.enum(["installed", "cached", "failed"]),
      /** Milliseconds from the start to the set being usable (or the failure). */
      duration_ms: z.number().int().nonnegative(),
      /**
       * Each installer run, in order. apt installs system-wide, outside the cache, so a cached set
       * still lists its apt packages: `present` when the system already had every one of them (at
       * its pin), and apt did not run.
       */
      steps: z.array(
        z.object({
          manager: z.enum(PACKAGE_MANAGERS),
          package: z.string(),
          result: z.enum(["installed", "present", "failed"]),
          duration_ms: z.number().int().nonnegative(),
        }),
      ),
      /**
       * The package that failed and its installer's own message; null on success. `manager` and
       * `package` are null when the install could not run at all (the message says why).
       */
      error: z
        .object({
          manager: z.enum(PACKAGE_MANAGERS).nullable(),
          package: z.string().nullable(),
          message: z.string(),
        })
        .nullable(),
    }),
  ])
  .openapi("SessionEvent");

/** A stored session event, as history and the stream return it. */
export type SessionEvent = z.infer<typeof SessionEventSchema>;
export type SessionEventType = SessionEvent["type"];
/** The event of type `T`. */
export type SessionEventOf<T extends SessionEventType> = Extract<SessionEvent, { type: T }>;
/** What a session emits: an event without the `id` and `processed_at` the log gives it. */
export type SessionEventBody = SessionEvent extends infer E
  ? E extends SessionEvent
    ? Omit<E, "id" | "processed_at">
    : never
  : never;
/** The body of the event of type `T`. */
export type SessionEventBodyOf<T extends SessionEventType> = Extract<SessionEventBody, { type: T }>;

/** The tailnet peer events a session records on the Worker's behalf (src/a2a/). */
export type PeerEventBody = SessionEventBodyOf<
  "agent.peer_message" | "agent.peer_reply" | "session.peer_message_received" | "session.peer_reply_sent"
>;

/**
 * The one way a `session.error` is made. `retrying`: the session runs the message again;
 * `exhausted`: the turn is over and the session goes idle.
 */
export function sessionError(
  type: SessionError["type"],
  message: string,
  retry: SessionError["retry_status"]["type"],
  extra: Pick<SessionError, "error_code" | "limit"> = {},
): SessionEventBodyOf<"session.error"> {
  return { type: "session.error", error: { type, message, retry_status: { type: retry }, ...extra } };
}

/**
 * Stream-only previews of an event being generated (`?event_deltas[]=agent.message`). They have
 * no id and are never stored or replayed; the finished event follows with the same id as
 * `event_start.event.id`.
 */
export const EventStartFrameSchema = z
  .object({
    type: z.literal("event_start"),
    event: z.object({ id: z.string(), type: z.enum(["agent.message", "agent.thinking"]) }),
  })
  .openapi("EventStartFrame");
export const EventDeltaFrameSchema = z
  .object({
    type: z.literal("event_delta"),
    event_id: z.string(),
    delta: z.object({
      type: z.literal("content_delta"),
      content: z.object({ type: z.literal("text"), text: z.string() }),
    }),
  })
  .openapi("EventDeltaFrame");
export type PreviewFrame = z.infer<typeof EventStartFrameSchema> | z.infer<typeof EventDeltaFrameSchema>;

/** The `data:` of one message of a session's event stream (its `event:` line is the `type`). */
export const StreamEventSchema = z
  .union([SessionEventSchema, EventStartFrameSchema, EventDeltaFrameSchema])
  .openapi("SessionStreamEvent", {
    description:
      "One server-sent event: `id:` the event id (stored events only), `event:` its type, `data:` this object.",
  });

export const EventListQuerySchema = z.object({
  limit: decimalIntQuery(1, MAX_PAGE_LIMIT).default(MAX_PAGE_LIMIT),
  page: PageQuery,
  order: z.enum(["asc", "desc"]).default("asc"),
  "types[]": z.union([z.string().min(1), z.array(z.string().min(1))]).optional(),
  "created_at[gt]": TimestampQuery,
  "created_at[gte]": TimestampQuery,
  "created_at[lt]": TimestampQuery,
  "created_at[lte]": TimestampQuery,
});
export type EventListQuery = z.infer<typeof EventListQuerySchema>;

export const StreamQuerySchema = z.object({
  "event_deltas[]": z
    .union([
      z.enum(["agent.message", "agent.thinking"]),
      z.array(z.enum(["agent.message", "agent.thinking"])),
    ])
    .optional(),
  last_event_id: z.string().min(1).optional(),
});
