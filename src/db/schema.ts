/**
 * D1 schema (drizzle). `npm run db:generate` turns changes here into SQL under migrations/.
 *
 * Times are integer milliseconds since the epoch: they sort, compare and index cheaply, and
 * are formatted as RFC 3339 only at the wire boundary. JSON columns hold the validated wire
 * shapes (agent spec, environment spec) so a version is an immutable snapshot.
 */
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

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
  },
  (t) => [
    index("audit_at").on(t.at, t.id),
    index("audit_action").on(t.action, t.at),
    index("audit_target").on(t.target, t.at),
    index("audit_actor").on(t.actorId, t.at),
  ],
);

/**
 * Responses remembered for `Idempotency-Key` replays, per caller. A `pending` row is a claim
 * held while the first request runs; `complete` rows hold the response to replay.
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
    body: text("body"),
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
    status: text("status").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    archivedAt: integer("archived_at"),
    inputTokens: integer("input_tokens").notNull().default(0),
    outputTokens: integer("output_tokens").notNull().default(0),
    costUsd: real("cost_usd").notNull().default(0),
    /** The session's wire object as of its last change, so a list needs no call per session. */
    wire: text("wire", { mode: "json" }).notNull(),
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
 * named by `key_id` with the credential id as additional data (src/vaults/crypto.ts).
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
