/**
 * D1 schema (drizzle). `npm run db:generate` turns changes here into SQL under migrations/.
 *
 * Times are integer milliseconds since the epoch: they sort, compare and index cheaply, and
 * are formatted as RFC 3339 only at the wire boundary. JSON columns hold the validated wire
 * shapes (agent spec, environment spec) so a version is an immutable snapshot.
 */
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { SessionStatus, SessionWire } from "../schemas/sessions";
import type { WarmPoolSize } from "../schemas/warm-pool-size";

/** API keys an admin created. Only the SHA-256 of the secret is stored. */
export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    keyHash: text("key_hash").notNull(),
    /** First characters of the secret, shown in lists so a human can tell keys apart. */
    keyPrefix: text("key_prefix").notNull(),
    scopes: text("scopes", { mode: "json" }).$type<string[]>().notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: integer("created_at").notNull(),
    lastUsedAt: integer("last_used_at"),
    expiresAt: integer("expires_at"),
    revokedAt: integer("revoked_at"),
  },
  (t) => [uniqueIndex("api_keys_key_hash").on(t.keyHash), index("api_keys_created").on(t.createdAt, t.id)],
);

/** One row per agent; its content lives in immutable `agent_versions` rows. */
export const agents = sqliteTable(
  "agents",
  {
    id: text("id").primaryKey(),
    currentVersion: integer("current_version").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    archivedAt: integer("archived_at"),
  },
  (t) => [index("agents_created").on(t.createdAt, t.id)],
);

/** Every version an agent ever had; never updated or deleted. */
export const agentVersions = sqliteTable(
  "agent_versions",
  {
    agentId: text("agent_id")
      .notNull()
      .references(() => agents.id),
    version: integer("version").notNull(),
    spec: text("spec", { mode: "json" }).notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.agentId, t.version] })],
);

/** Environments: where and with what network policy sessions run. */
export const environments = sqliteTable(
  "environments",
  {
    id: text("id").primaryKey(),
    /** Denormalised from the spec so live names can be unique. */
    name: text("name").notNull(),
    spec: text("spec", { mode: "json" }).notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    archivedAt: integer("archived_at"),
  },
  (t) => [
    index("environments_created").on(t.createdAt, t.id),
    // Archiving an environment frees its name for reuse.
    uniqueIndex("environments_live_name").on(t.name).where(sql`archived_at IS NULL`),
  ],
);

/** Append-only record of every mutating call. */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    at: integer("at").notNull(),
    requestId: text("request_id").notNull(),
    actorType: text("actor_type").notNull(),
    actorId: text("actor_id").notNull(),
    action: text("action").notNull(),
    target: text("target"),
    outcome: text("outcome").notNull(),
    status: integer("status").notNull(),
    errorCode: text("error_code"),
    /** The plane the call concerned (plane routes, or a plane credential's caller), so plane admins see their rows. */
    planeId: text("plane_id"),
  },
  (t) => [
    index("audit_at").on(t.at, t.id),
    index("audit_plane").on(t.planeId, t.id),
    index("audit_action").on(t.action, t.at),
    index("audit_target").on(t.target, t.at),
    index("audit_actor").on(t.actorId, t.at),
  ],
);

/**
 * Responses remembered for `Idempotency-Key` replays, per caller. A `pending` row is a claim
 * held while the first request runs; `complete` rows hold the response to replay. Bodies can
 * carry one-time secrets (API keys, plane tokens), so they are stored only sealed with the
 * vault keyring (src/db/idempotency.ts); status and the allow-listed headers are not secret.
 */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    principalId: text("principal_id").notNull(),
    key: text("key").notNull(),
    fingerprint: text("fingerprint").notNull(),
    state: text("state", { enum: ["pending", "complete"] }).notNull(),
    status: integer("status"),
    headers: text("headers", { mode: "json" }).$type<Record<string, string>>(),
    /**
     * The response body as an AES-GCM envelope (src/lib/sealed-secrets.ts), never plaintext. The
     * column kept its pre-encryption name `body`; migration 0005 emptied the plaintext rows.
     */
    bodyCiphertext: text("body"),
    /**
     * The keyring entry that sealed `body` (null while pending, and on rows from before
     * encryption). Never re-encrypted: records live ≤ TTL, so a retired key only needs to stay
     * in the keyring that long for its records to replay.
     */
    keyId: text("key_id"),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.principalId, t.key] }), index("idempotency_expires").on(t.expiresAt)],
);

/**
 * Index of sessions for listing and roll-ups. The session's Durable Object is the source of
 * truth and the only writer of this row (src/session/session-index.ts).
 */
export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    agentId: text("agent_id").notNull(),
    agentVersion: integer("agent_version").notNull(),
    environmentId: text("environment_id").notNull(),
    title: text("title"),
    metadata: text("metadata", { mode: "json" }).$type<Record<string, string>>().notNull(),
    status: text("status").$type<SessionStatus>().notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    archivedAt: integer("archived_at"),
    inputTokens: integer("input_tokens").notNull().default(0),
    outputTokens: integer("output_tokens").notNull().default(0),
    costUsd: real("cost_usd").notNull().default(0),
    /** The session's wire object as of its last change, so a list needs no call per session. */
    wire: text("wire", { mode: "json" }).$type<SessionWire>().notNull(),
  },
  (t) => [
    index("sessions_created").on(t.createdAt, t.id),
    index("sessions_agent").on(t.agentId, t.createdAt),
    index("sessions_status").on(t.status, t.createdAt),
  ],
);

/**
 * Sticky conversations of the OpenAI-compatible endpoint: a caller's `user` string, per agent,
 * maps to the session that holds that conversation (src/openai/conversation.ts).
 */
export const openaiConversations = sqliteTable(
  "openai_conversations",
  {
    /** The API key id (or `admin`) that owns the mapping, so callers never share conversations. */
    principalId: text("principal_id").notNull(),
    agentId: text("agent_id").notNull(),
    /** The request's `user` field, as sent. */
    user: text("user").notNull(),
    sessionId: text("session_id").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.principalId, t.agentId, t.user] })],
);

/** Vaults: named collections of credentials a session can reference (src/vaults/). */
export const vaults = sqliteTable(
  "vaults",
  {
    id: text("id").primaryKey(),
    displayName: text("display_name").notNull(),
    metadata: text("metadata", { mode: "json" }).$type<Record<string, string>>().notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    archivedAt: integer("archived_at"),
  },
  (t) => [index("vaults_created").on(t.createdAt, t.id)],
);

/**
 * Credentials of a vault. `auth` holds only the public half of the auth object (what responses
 * show); the write-only secrets live in `secret_ciphertext`, AES-GCM encrypted under the key
 * named by `key_id` with the credential id as additional data (src/lib/sealed-secrets.ts).
 */
export const vaultCredentials = sqliteTable(
  "vault_credentials",
  {
    id: text("id").primaryKey(),
    vaultId: text("vault_id")
      .notNull()
      .references(() => vaults.id, { onDelete: "cascade" }),
    displayName: text("display_name"),
    authType: text("auth_type").notNull(),
    /** What makes two credentials duplicates: `mcp:<server url>` or `env:<secret name>`. */
    matchKey: text("match_key").notNull(),
    auth: text("auth", { mode: "json" }).notNull(),
    secretCiphertext: text("secret_ciphertext").notNull(),
    /** The keyring entry that encrypted the secrets; rotation re-encrypts rows not on the current one. */
    keyId: text("key_id").notNull(),
    metadata: text("metadata", { mode: "json" }).$type<Record<string, string>>().notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    archivedAt: integer("archived_at"),
  },
  (t) => [
    index("vault_credentials_vault").on(t.vaultId, t.createdAt, t.id),
    index("vault_credentials_key").on(t.keyId),
    // One live credential per MCP server URL or secret name in a vault; archiving frees it.
    uniqueIndex("vault_credentials_live_match").on(t.vaultId, t.matchKey).where(sql`archived_at IS NULL`),
  ],
);

/**
 * Agents Plane (src/planes/): a named fleet with one isolated agent per team member. The plane
 * holds the defaults every member's agent is made from; `template` is a resolved agent spec
 * (src/domain/agent-spec.ts) whose `name` is replaced per member. Deleting a plane keeps its row
 * (`deleted_at`) so audit rows and rollouts still name something.
 */
export const planes = sqliteTable(
  "planes",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    description: text("description"),
    template: text("template", { mode: "json" }).notNull(),
    templateVersion: integer("template_version").notNull(),
    runtimeVersion: text("runtime_version").notNull(),
    /** The cloud environment config (networking, packages) each member's environment gets. */
    environment: text("environment", { mode: "json" }).notNull(),
    instanceType: text("instance_type").notNull(),
    region: text("region").notNull(),
    monthlyBudgetUsd: real("monthly_budget_usd"),
    /** The plane's own warm pool size (`{min_idle, max, idle_ttl_seconds}`), or null: none. */
    warmPool: text("warm_pool", { mode: "json" }).$type<WarmPoolSize>(),
    metadata: text("metadata", { mode: "json" }).$type<Record<string, string>>().notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    deletedAt: integer("deleted_at"),
  },
  (t) => [
    index("planes_created").on(t.createdAt, t.id),
    uniqueIndex("planes_live_name").on(t.name).where(sql`deleted_at IS NULL`),
  ],
);

/** A member of a plane and the resources provisioned for them alone. Removed members stay. */
export const planeMembers = sqliteTable(
  "plane_members",
  {
    id: text("id").primaryKey(),
    planeId: text("plane_id").notNull(),
    name: text("name").notNull(),
    owner: text("owner").notNull(),
    /** Agent fields that override the plane template for this member (an agent update body). */
    templateOverride: text("template_override", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    agentId: text("agent_id").notNull(),
    environmentId: text("environment_id").notNull(),
    vaultId: text("vault_id").notNull(),
    status: text("status", { enum: ["active", "removed"] }).notNull(),
    templateVersion: integer("template_version").notNull(),
    runtimeVersion: text("runtime_version").notNull(),
    metadata: text("metadata", { mode: "json" }).$type<Record<string, string>>().notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    removedAt: integer("removed_at"),
  },
  (t) => [
    index("plane_members_plane").on(t.planeId, t.createdAt, t.id),
    index("plane_members_agent").on(t.agentId),
    uniqueIndex("plane_members_live_name").on(t.planeId, t.name).where(sql`removed_at IS NULL`),
  ],
);

/**
 * Plane credentials: admin tokens (`cpa_`, member_id null) and member tokens (`cpm_`). Only the
 * SHA-256 of the secret is stored, as for API keys.
 */
export const planeTokens = sqliteTable(
  "plane_tokens",
  {
    id: text("id").primaryKey(),
    planeId: text("plane_id").notNull(),
    memberId: text("member_id"),
    kind: text("kind", { enum: ["admin", "member"] }).notNull(),
    tokenHash: text("token_hash").notNull(),
    tokenPrefix: text("token_prefix").notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: integer("created_at").notNull(),
    revokedAt: integer("revoked_at"),
  },
  (t) => [
    uniqueIndex("plane_tokens_hash").on(t.tokenHash),
    index("plane_tokens_plane").on(t.planeId, t.memberId),
  ],
);

/** Upgrades of a plane's template and/or runtime version across its members, and their rollbacks. */
export const planeRollouts = sqliteTable(
  "plane_rollouts",
  {
    id: text("id").primaryKey(),
    planeId: text("plane_id").notNull(),
    status: text("status", { enum: ["in_progress", "completed", "rolled_back", "failed"] }).notNull(),
    fromTemplate: text("from_template", { mode: "json" }).notNull(),
    fromTemplateVersion: integer("from_template_version").notNull(),
    fromRuntimeVersion: text("from_runtime_version").notNull(),
    toTemplate: text("to_template", { mode: "json" }).notNull(),
    toTemplateVersion: integer("to_template_version").notNull(),
    toRuntimeVersion: text("to_runtime_version").notNull(),
    /**
     * Per member, as far as it got: `{member_id: {agent_id, from_version, to_version,
     * rollback_version?}}` (agent versions).
     */
    members: text("members", { mode: "json" })
      .$type<
        Record<
          string,
          { agent_id: string; from_version: number; to_version: number; rollback_version?: number }
        >
      >()
      .notNull(),
    error: text("error"),
    createdBy: text("created_by").notNull(),
    createdAt: integer("created_at").notNull(),
    completedAt: integer("completed_at"),
    rolledBackAt: integer("rolled_back_at"),
  },
  (t) => [index("plane_rollouts_plane").on(t.planeId, t.createdAt, t.id)],
);

/**
 * Model usage per agent and calendar month (UTC, `YYYY-MM`), added to by the LLM proxy after
 * every metered call: what plane budgets and status read, without touching session objects.
 */
export const agentUsageMonthly = sqliteTable(
  "agent_usage_monthly",
  {
    agentId: text("agent_id").notNull(),
    month: text("month").notNull(),
    inputTokens: integer("input_tokens").notNull().default(0),
    outputTokens: integer("output_tokens").notNull().default(0),
    costUsd: real("cost_usd").notNull().default(0),
    calls: integer("calls").notNull().default(0),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.agentId, t.month] })],
);

/**
 * The Teleport connection delegation to beams goes through (src/beams/): one row for the
 * deployment (`scope = "org"`) and optionally one per plane (`scope = <plane id>`), which may
 * forbid delegation for the plane's members or bring the plane's own bot. The bot's join token
 * or identity is stored only sealed with the vault keyring (AAD `teleport/<scope>`) and is never
 * returned by the API or handed to any agent's container: only the connector opens it.
 */
export const teleportConnections = sqliteTable("teleport_connections", {
  scope: text("scope").primaryKey(),
  proxyAddress: text("proxy_address"),
  botName: text("bot_name"),
  /** `join_token` or `identity` (what `sealedCredential` holds); null when none is set. */
  credentialType: text("credential_type"),
  sealedCredential: text("sealed_credential"),
  delegationAllowed: integer("delegation_allowed", { mode: "boolean" }).notNull(),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/**
 * The Tailscale OAuth client the tailnet connector's join keys are minted from, per scope
 * ("org"). The client secret is sealed with the vault keyring, bound to its scope, and opened
 * only by the connector's Durable Object at boot (src/peers/tailnet-client.ts).
 */
export const tailnetConnections = sqliteTable("tailnet_connections", {
  scope: text("scope").primaryKey(),
  oauthClientId: text("oauth_client_id").notNull(),
  sealedClientSecret: text("sealed_client_secret").notNull(),
  secretKeyId: text("secret_key_id").notNull(),
  /** Tags the connector's node carries (the OAuth client must own them). */
  tags: text("tags", { mode: "json" }).$type<string[]>().notNull(),
  /** The connector's MagicDNS machine name (peers call `http://<hostname>.<tailnet>.ts.net`). */
  hostname: text("hostname").notNull(),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/**
 * One delegation of a task to a Teleport Beam. The row is written (status `queued`) before the
 * connector creates the beam, so every beam Clawplane creates has a record the reaper can
 * compare `tsh beams ls` with. The run's output lives in `beam_run_output` (chunked: D1 rows
 * are capped near 2 MB, a run's output at 10 MB).
 */
export const beamRuns = sqliteTable(
  "beam_runs",
  {
    id: text("id").primaryKey(),
    /** The connector (Durable Object) that drives it: "org" or the plane id with its own bot. */
    connector: text("connector").notNull(),
    sessionId: text("session_id").notNull(),
    toolCallId: text("tool_call_id").notNull(),
    agentId: text("agent_id").notNull(),
    agentVersion: integer("agent_version").notNull(),
    planeId: text("plane_id"),
    memberId: text("member_id"),
    /** The Teleport identity the beam was created as (the Machine ID bot's user). */
    botIdentity: text("bot_identity"),
    task: text("task").notNull(),
    /** `claude`, `codex` or `custom`; `command` is the argv run in the beam (task last). */
    agentCli: text("agent_cli").notNull(),
    command: text("command", { mode: "json" }).$type<string[]>().notNull(),
    timeoutSeconds: integer("timeout_seconds").notNull(),
    publish: integer("publish", { mode: "boolean" }).notNull(),
    status: text("status").notNull(),
    /** Teleport's word-pair alias (`id` in `--format=json`) and stable `uuid` (kept for the reaper). */
    beamId: text("beam_id"),
    beamUuid: text("beam_uuid"),
    publishedUrl: text("published_url"),
    exitCode: integer("exit_code"),
    error: text("error"),
    outputBytes: integer("output_bytes").notNull().default(0),
    outputTruncated: integer("output_truncated", { mode: "boolean" }).notNull().default(false),
    createdAt: integer("created_at").notNull(),
    startedAt: integer("started_at"),
    execStartedAt: integer("exec_started_at"),
    endedAt: integer("ended_at"),
    /** Wall time from beam creation to its end, the run's cost figure (ms). */
    wallMs: integer("wall_ms"),
    /**
     * Model usage the agent CLI reported in its own output (src/beams/cli-output.ts): null when it
     * reported none (a custom CLI, or a run that ended before its report). Cost only from CLIs
     * that report one (Claude Code's `total_cost_usd`).
     */
    inputTokens: integer("input_tokens"),
    outputTokens: integer("output_tokens"),
    cacheReadTokens: integer("cache_read_tokens"),
    cacheCreationTokens: integer("cache_creation_tokens"),
    costUsd: real("cost_usd"),
  },
  (t) => [
    index("beam_runs_created").on(t.createdAt, t.id),
    index("beam_runs_session").on(t.sessionId, t.createdAt),
    index("beam_runs_status").on(t.connector, t.status, t.createdAt),
    uniqueIndex("beam_runs_tool_call").on(t.sessionId, t.toolCallId),
  ],
);

/** A run's output in order; chunk `seq` 0.. of at most BEAM_OUTPUT_CHUNK_BYTES each. */
export const beamRunOutput = sqliteTable(
  "beam_run_output",
  {
    runId: text("run_id").notNull(),
    seq: integer("seq").notNull(),
    text: text("text").notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.seq] })],
);

/**
 * Tailnet peers (src/peers/): remote agents reached over Tailscale, by A2A or OpenClaw's
 * `/tools/invoke`. A peer belongs to the org (`plane_id` null) or to one plane member, whose own
 * agent is then the only one it serves. The token we present to the peer is write-only: sealed
 * under the vault keyring, bound to the peer's id (src/peers/peer-store.ts), never returned.
 * Deleting a peer keeps its row (`deleted_at`) so audit rows and session events still name it.
 */
export const peers = sqliteTable(
  "peers",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    planeId: text("plane_id"),
    memberId: text("member_id"),
    /** Where the name must be unique: `org`, or the member's id (a member's peers are its own). */
    nameScope: text("name_scope").notNull(),
    /** MagicDNS name or tailnet IPv4 (100.64.0.0/10), as validated by the wire schema. */
    address: text("address").notNull(),
    port: integer("port").notNull(),
    /**
     * The A2A JSON-RPC path on the peer; null = OpenClaw's `/a2a/v1`. Another Clawplane serves
     * each agent at `/a2a/agents/<agent_id>/v1`.
     */
    path: text("path"),
    protocol: text("protocol", { enum: ["a2a", "openclaw_tools_invoke"] }).notNull(),
    direction: text("direction", { enum: ["outbound", "inbound", "both"] }).notNull(),
    agentIds: text("agent_ids", { mode: "json" }).$type<string[]>().notNull(),
    rateLimitPerMinute: integer("rate_limit_per_minute").notNull(),
    /** The sealed outbound token, or null for an inbound-only peer. */
    outboundCiphertext: text("outbound_ciphertext"),
    outboundKeyId: text("outbound_key_id"),
    createdBy: text("created_by").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    deletedAt: integer("deleted_at"),
  },
  (t) => [
    index("peers_created").on(t.createdAt, t.id),
    index("peers_plane").on(t.planeId, t.memberId),
    // One live peer per name in a scope (the org, or one member): tools address peers by name.
    uniqueIndex("peers_live_name").on(t.nameScope, t.name).where(sql`deleted_at IS NULL`),
  ],
);

/** Credentials we issue to a peer for calling our agents (inbound): only the SHA-256 is kept. */
export const peerInboundCredentials = sqliteTable(
  "peer_inbound_credentials",
  {
    id: text("id").primaryKey(),
    peerId: text("peer_id")
      .notNull()
      .references(() => peers.id),
    tokenHash: text("token_hash").notNull(),
    tokenPrefix: text("token_prefix").notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: integer("created_at").notNull(),
    lastUsedAt: integer("last_used_at"),
    revokedAt: integer("revoked_at"),
  },
  (t) => [
    uniqueIndex("peer_inbound_credentials_hash").on(t.tokenHash),
    index("peer_inbound_credentials_peer").on(t.peerId),
  ],
);

/**
 * A2A tasks our agents ran for inbound peers (src/a2a/): one per `SendMessage`, in the session
 * of its (peer, agent, contextId), kept so `GetTask` can answer after `returnImmediately`.
 */
export const peerTasks = sqliteTable(
  "peer_tasks",
  {
    id: text("id").primaryKey(),
    peerId: text("peer_id").notNull(),
    agentId: text("agent_id").notNull(),
    contextId: text("context_id").notNull(),
    sessionId: text("session_id").notNull(),
    /** A2A task state: TASK_STATE_WORKING, _COMPLETED, _FAILED. */
    state: text("state").notNull(),
    /** The agent's answer (completed) or what went wrong (failed). */
    reply: text("reply"),
    /**
     * When the peer first asked for this task with `GetTask` (null: never). A peer that sent
     * `returnImmediately` and never polls (OpenClaw's own outbound) gets the answer pushed as a
     * `SendMessage` of ours instead (src/a2a/reply-push.ts).
     */
    polledAt: integer("polled_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("peer_tasks_peer").on(t.peerId, t.createdAt)],
);

/**
 * Every message between our agents and tailnet peers, either way (src/peers/peer-traffic.ts):
 * which peer, which of our agents and sessions, how many bytes each way, how it ended, and the
 * path it took. What admins read as a peer's traffic; never a token, never the text.
 */
export const peerMessages = sqliteTable(
  "peer_messages",
  {
    id: text("id").primaryKey(),
    at: integer("at").notNull(),
    direction: text("direction", { enum: ["in", "out"] }).notNull(),
    peerId: text("peer_id").notNull(),
    agentId: text("agent_id"),
    sessionId: text("session_id"),
    planeId: text("plane_id"),
    /** UTF-8 bytes of the message sent (out) or received (in). */
    bytesIn: integer("bytes_in").notNull(),
    /** UTF-8 bytes of the answer. */
    bytesOut: integer("bytes_out").notNull(),
    /** `success` or `failure`. */
    outcome: text("outcome").notNull(),
    /** The A2A task state, or why it failed (`refused`, `unreachable`, `rate_limited`, ...). */
    state: text("state").notNull(),
    /** `tailnet_connector`, `loopback_double` or `public_https`. */
    via: text("via").notNull(),
    durationMs: integer("duration_ms"),
  },
  (t) => [index("peer_messages_peer").on(t.peerId, t.at)],
);

/**
 * Chat channels (src/channels/): a Telegram bot, Slack app or WhatsApp number bound to an agent.
 * `config` is the public part (allowlist, group rule, rate limit, what the platform told us
 * about the bot); the platform secrets live only in `secret_ciphertext`, sealed with the vault
 * keyring and bound to the channel id (src/vaults/channel-secrets.ts). The counters and last
 * error are written by the chats' objects as they talk to the platform. Removing a channel keeps
 * its row (`deleted_at`) so audit rows and sessions still name something.
 */
export const channels = sqliteTable(
  "channels",
  {
    id: text("id").primaryKey(),
    platform: text("platform").notNull(),
    agentId: text("agent_id").notNull(),
    environmentId: text("environment_id").notNull(),
    /** The plane of the member whose agent this is (null: an org agent). */
    planeId: text("plane_id"),
    displayName: text("display_name"),
    config: text("config", { mode: "json" }).notNull(),
    secretCiphertext: text("secret_ciphertext").notNull(),
    keyId: text("key_id").notNull(),
    messagesIn: integer("messages_in").notNull().default(0),
    repliesOut: integer("replies_out").notNull().default(0),
    refused: integer("refused").notNull().default(0),
    errors: integer("errors").notNull().default(0),
    lastError: text("last_error"),
    lastErrorAt: integer("last_error_at"),
    createdAt: integer("created_at").notNull(),
    deletedAt: integer("deleted_at"),
  },
  (t) => [index("channels_created").on(t.createdAt, t.id), index("channels_agent").on(t.agentId)],
);

/**
 * Warm pool time per billed party and calendar month (UTC, `YYYY-MM`): the runtime-seconds pool
 * containers ran booting, warming and idle before any session claimed them, and their estimated
 * cost at the configured rate (`CONTAINER_POOL_USD_PER_HOUR`, priced when recorded). `billed_to`
 * is `plane:<id>` for a plane's pool, `organization` for an environment's or the shared pool.
 * Added to by the pool coordinators (src/runtime/pool/pool-coordinator.ts).
 */
export const warmPoolUsageMonthly = sqliteTable(
  "warm_pool_usage_monthly",
  {
    billedTo: text("billed_to").notNull(),
    month: text("month").notNull(),
    warmSeconds: integer("warm_seconds").notNull().default(0),
    costUsd: real("cost_usd").notNull().default(0),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.billedTo, t.month] })],
);
