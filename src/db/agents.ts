/**
 * Agent storage. An agent is a row in `agents` pointing at its current version; every version
 * is an immutable `agent_versions` row. Updates are optimistic: the new version row and the
 * pointer move are one D1 batch (a transaction), so two racing updates cannot both win.
 */
import { and, desc, eq, gte, isNull, lt, lte } from "drizzle-orm";
import type { AgentSpec } from "../domain/agent-spec";
import { ApiError, notFound } from "../errors";
import { type CursorPosition, decodeCursor, toPage } from "../lib/cursor";
import { newId } from "../lib/ids";
import { toRfc3339, toRfc3339OrNull } from "../lib/time";
import type { Agent } from "../schemas/agents";
import type { Db } from "./client";
import { isUniqueViolation } from "./constraint-errors";
import { beyondCursor } from "./paging";
import { agents, agentVersions } from "./schema";

/** One version of an agent as stored, with the agent-level timestamps. */
export interface AgentRecord {
  id: string;
  version: number;
  spec: AgentSpec;
  createdAt: number;
  updatedAt: number;
  archivedAt: number | null;
}

/** The wire shape of a stored agent version. */
export function agentToWire(r: AgentRecord): Agent {
  return {
    id: r.id,
    type: "agent",
    ...r.spec,
    version: r.version,
    created_at: toRfc3339(r.createdAt),
    updated_at: toRfc3339(r.updatedAt),
    archived_at: toRfc3339OrNull(r.archivedAt),
  };
}

const latestColumns = {
  id: agents.id,
  version: agents.currentVersion,
  spec: agentVersions.spec,
  createdAt: agents.createdAt,
  updatedAt: agents.updatedAt,
  archivedAt: agents.archivedAt,
};

function latestQuery(db: Db) {
  return db
    .select(latestColumns)
    .from(agents)
    .innerJoin(
      agentVersions,
      and(eq(agentVersions.agentId, agents.id), eq(agentVersions.version, agents.currentVersion)),
    );
}

/** Specs stored before a field existed read as if it had its default. */
function storedSpec(spec: unknown): AgentSpec {
  const stored = spec as AgentSpec;
  return { ...stored, session_limits: stored.session_limits ?? null };
}

const asRecord = (row: { spec: unknown } & Omit<AgentRecord, "spec">): AgentRecord => ({
  ...row,
  spec: storedSpec(row.spec),
});

export async function createAgent(db: Db, spec: AgentSpec, now: number): Promise<AgentRecord> {
  const id = newId("agent");
  await db.batch([
    db.insert(agents).values({ id, currentVersion: 1, createdAt: now, updatedAt: now }),
    db.insert(agentVersions).values({ agentId: id, version: 1, spec, createdAt: now }),
  ]);
  return { id, version: 1, spec, createdAt: now, updatedAt: now, archivedAt: null };
}

/** The latest version, or version `version` when given. */
export async function getAgent(db: Db, id: string, version?: number): Promise<AgentRecord> {
  const [latest] = await latestQuery(db).where(eq(agents.id, id)).limit(1);
  if (!latest) throw notFound("agent_not_found", "agent", id);
  if (version === undefined || version === latest.version) return asRecord(latest);

  const row = await db.query.agentVersions.findFirst({
    where: and(eq(agentVersions.agentId, id), eq(agentVersions.version, version)),
  });
  if (!row) throw new ApiError("agent_version_not_found", `agent ${id} has no version ${version}`);
  // A past version shows when it was made; archival applies to the agent as a whole.
  return { ...asRecord(latest), version, spec: storedSpec(row.spec), updatedAt: row.createdAt };
}

/**
 * Applies `change` to the current version. `expectedVersion`, when given, must be the current
 * version (409 otherwise). A change that alters nothing returns the current version as is.
 */
export async function updateAgent(
  db: Db,
  id: string,
  expectedVersion: number | undefined,
  change: (spec: AgentSpec) => { spec: AgentSpec; changed: boolean },
  now: number,
): Promise<AgentRecord> {
  const current = await getAgent(db, id);
  if (current.archivedAt !== null)
    throw new ApiError("agent_archived", `agent ${id} is archived and cannot change`);
  if (expectedVersion !== undefined && expectedVersion !== current.version) {
    throw versionConflict(id, expectedVersion, current.version);
  }
  const { spec, changed } = change(current.spec);
  if (!changed) return current;

  const version = current.version + 1;
  try {
    await db.batch([
      db.insert(agentVersions).values({ agentId: id, version, spec, createdAt: now }),
      db
        .update(agents)
        .set({ currentVersion: version, updatedAt: now })
        .where(and(eq(agents.id, id), eq(agents.currentVersion, current.version))),
    ]);
  } catch (err) {
    // Another update created this version number first.
    if (isUniqueViolation(err)) throw versionConflict(id, current.version, version);
    throw err;
  }
  return { ...current, version, spec, updatedAt: now };
}

function versionConflict(id: string, expected: number, actual: number): ApiError {
  return new ApiError(
    "version_conflict",
    `agent ${id} is at version ${actual}, not ${expected}; retrieve it and apply your change again`,
    { details: { current_version: actual } },
  );
}

/** Archives the agent (terminal). Archiving an archived agent returns it unchanged. */
export async function archiveAgent(db: Db, id: string, now: number): Promise<AgentRecord> {
  await db
    .update(agents)
    .set({ archivedAt: now, updatedAt: now })
    .where(and(eq(agents.id, id), isNull(agents.archivedAt)));
  return getAgent(db, id);
}

export interface AgentListQuery {
  limit: number;
  page?: string;
  createdGte?: number;
  createdLte?: number;
  includeArchived: boolean;
  /** Only this agent (a plane member sees its own agent alone). */
  onlyId?: string;
}

const position = (r: AgentRecord): CursorPosition => ({ key: r.createdAt, id: r.id });

/** Newest first, latest version of each agent. */
export async function listAgents(
  db: Db,
  q: AgentListQuery,
): Promise<{ data: AgentRecord[]; next_page: string | null }> {
  const after = q.page ? decodeCursor(q.page) : null;
  const rows = await latestQuery(db)
    .where(
      and(
        q.includeArchived ? undefined : isNull(agents.archivedAt),
        q.onlyId !== undefined ? eq(agents.id, q.onlyId) : undefined,
        q.createdGte !== undefined ? gte(agents.createdAt, q.createdGte) : undefined,
        q.createdLte !== undefined ? lte(agents.createdAt, q.createdLte) : undefined,
        beyondCursor(agents.createdAt, agents.id, after),
      ),
    )
    .orderBy(desc(agents.createdAt), desc(agents.id))
    .limit(q.limit + 1);
  return toPage(rows.map(asRecord), q.limit, position);
}

/** Every version of an agent, newest first. */
export async function listAgentVersions(
  db: Db,
  id: string,
  q: { limit: number; page?: string },
): Promise<{ data: AgentRecord[]; next_page: string | null }> {
  const latest = await getAgent(db, id);
  const before = q.page ? decodeCursor(q.page) : null;
  const rows = await db
    .select()
    .from(agentVersions)
    .where(and(eq(agentVersions.agentId, id), before ? lt(agentVersions.version, before.key) : undefined))
    .orderBy(desc(agentVersions.version))
    .limit(q.limit + 1);
  const records = rows.map(
    (row): AgentRecord => ({
      ...latest,
      version: row.version,
      spec: storedSpec(row.spec),
      updatedAt: row.version === latest.version ? latest.updatedAt : row.createdAt,
    }),
  );
  return toPage(records, q.limit, (r) => ({ key: r.version, id: r.id }));
}
