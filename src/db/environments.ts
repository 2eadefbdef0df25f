/**
 * Environment storage. Names are unique among live (non-archived) environments, enforced by a
 * partial unique index so that two racing creates cannot both take a name.
 */
import { and, desc, eq, isNull } from "drizzle-orm";
import { type EnvironmentSpec, withConfigDefaults } from "../domain/environment-spec";
import { ApiError, notFound } from "../errors";
import { type CursorPosition, decodeCursor, toPage } from "../lib/cursor";
import { newId } from "../lib/ids";
import { toRfc3339, toRfc3339OrNull } from "../lib/time";
import type { Environment } from "../schemas/environments";
import type { Db } from "./client";
import { isUniqueViolation } from "./constraint-errors";
import { beyondCursor } from "./paging";
import { environments } from "./schema";

export interface EnvironmentRecord {
  id: string;
  spec: EnvironmentSpec;
  createdAt: number;
  updatedAt: number;
  archivedAt: number | null;
}

/** The wire shape of a stored environment. */
export function environmentToWire(r: EnvironmentRecord): Environment {
  return {
    id: r.id,
    type: "environment",
    ...r.spec,
    created_at: toRfc3339(r.createdAt),
    updated_at: toRfc3339(r.updatedAt),
    archived_at: toRfc3339OrNull(r.archivedAt),
  };
}

type Row = typeof environments.$inferSelect;
const specOf = (spec: EnvironmentSpec): EnvironmentSpec => ({
  ...spec,
  config: withConfigDefaults(spec.config),
});
const asRecord = (row: Row): EnvironmentRecord => ({
  id: row.id,
  spec: specOf(row.spec as EnvironmentSpec),
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
  archivedAt: row.archivedAt,
});

function nameConflict(name: string, cause: unknown): ApiError {
  return new ApiError("name_conflict", `an environment named '${name}' already exists`, {
    fields: [{ path: "name", message: "already in use" }],
    cause,
  });
}

export async function createEnvironment(
  db: Db,
  spec: EnvironmentSpec,
  now: number,
): Promise<EnvironmentRecord> {
  const row: Row = {
    id: newId("environment"),
    name: spec.name,
    spec,
    createdAt: now,
    updatedAt: now,
    archivedAt: null,
  };
  try {
    await db.insert(environments).values(row);
  } catch (err) {
    if (isUniqueViolation(err)) throw nameConflict(spec.name, err);
    throw err;
  }
  return asRecord(row);
}

export async function getEnvironment(db: Db, id: string): Promise<EnvironmentRecord> {
  const row = await db.query.environments.findFirst({ where: eq(environments.id, id) });
  if (!row) throw notFound("environment_not_found", "environment", id);
  return asRecord(row);
}

/** Stores an updated spec. The caller has already applied the update rules. */
export async function saveEnvironment(
  db: Db,
  current: EnvironmentRecord,
  spec: EnvironmentSpec,
  now: number,
): Promise<EnvironmentRecord> {
  try {
    const [row] = await db
      .update(environments)
      .set({ name: spec.name, spec, updatedAt: now })
      .where(and(eq(environments.id, current.id), isNull(environments.archivedAt)))
      .returning();
    // Archived between our read and this write.
    if (!row) throw new ApiError("environment_archived", `environment ${current.id} is archived`);
    return asRecord(row);
  } catch (err) {
    if (isUniqueViolation(err)) throw nameConflict(spec.name, err);
    throw err;
  }
}

/** Archives (idempotent): archived environments cannot be used by new sessions. */
export async function archiveEnvironment(db: Db, id: string, now: number): Promise<EnvironmentRecord> {
  await db
    .update(environments)
    .set({ archivedAt: now, updatedAt: now })
    .where(and(eq(environments.id, id), isNull(environments.archivedAt)));
  return getEnvironment(db, id);
}

export async function deleteEnvironment(db: Db, id: string): Promise<void> {
  const deleted = await db
    .delete(environments)
    .where(eq(environments.id, id))
    .returning({ id: environments.id });
  if (deleted.length === 0) throw notFound("environment_not_found", "environment", id);
}

const position = (r: EnvironmentRecord): CursorPosition => ({ key: r.createdAt, id: r.id });

export async function listEnvironments(
  db: Db,
  q: { limit: number; page?: string; includeArchived: boolean; onlyId?: string },
): Promise<{ data: EnvironmentRecord[]; next_page: string | null }> {
  const after = q.page ? decodeCursor(q.page) : null;
  const rows = await db
    .select()
    .from(environments)
    .where(
      and(
        q.includeArchived ? undefined : isNull(environments.archivedAt),
        q.onlyId !== undefined ? eq(environments.id, q.onlyId) : undefined,
        beyondCursor(environments.createdAt, environments.id, after),
      ),
    )
    .orderBy(desc(environments.createdAt), desc(environments.id))
    .limit(q.limit + 1);
  return toPage(rows.map(asRecord), q.limit, position);
}
