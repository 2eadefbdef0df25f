/**
 * Planes: create, read (by id or name), list, update, delete. A plane's template is stored as a
 * resolved agent spec (the same normalisation `POST /v1/agents` applies), so every member agent
 * is derived from it with the ordinary agent rules, and upgrades are agent updates of it.
 */
import { and, desc, eq, isNull, or } from "drizzle-orm";
import type { Db } from "../db/client";
import { isUniqueViolation } from "../db/constraint-errors";
import { beyondCursor } from "../db/paging";
import { planeMembers, planes } from "../db/schema";
import { type AgentSpec, agentSpecFromCreate } from "../domain/agent-spec";
import { environmentSpecFromCreate } from "../domain/environment-spec";
import { ApiError, type FieldError } from "../errors";
import { decodeCursor, toPage } from "../lib/cursor";
import { newId } from "../lib/ids";
import { toRfc3339 } from "../lib/time";
import { applyMetadataPatch, assertValidMetadata } from "../schemas/metadata";
import type { Plane, PlaneCreate, PlaneUpdate } from "../schemas/planes";
import { warmPoolSizeOf } from "../schemas/warm-pool-size";
import { assertRuntimeVersion, defaultRuntimeVersion } from "./runtime-versions";
import { mintPlaneToken, revokeTokensQuery } from "./tokens";

export type PlaneRow = typeof planes.$inferSelect;

/** The template as stored: an agent spec whose `name` is the plane's (each member's agent gets its own). */
export function templateOf(row: PlaneRow): AgentSpec {
  return row.template as AgentSpec;
}

export function planeToWire(row: PlaneRow, adminToken?: string): Plane {
  const { name: _name, ...template } = templateOf(row);
  return {
    type: "plane",
    id: row.id,
    name: row.name,
    description: row.description,
    template,
    template_version: row.templateVersion,
    runtime_version: row.runtimeVersion,
    environment: row.environment as Record<string, unknown>,
    instance_type: row.instanceType,
    region: row.region,
    monthly_budget_usd: row.monthlyBudgetUsd,
    warm_pool: row.warmPool ?? null,
    metadata: row.metadata,
    created_at: toRfc3339(row.createdAt),
    updated_at: toRfc3339(row.updatedAt),
    ...(adminToken ? { admin_token: adminToken } : {}),
  };
}

/** Re-roots validation problems of a nested body (`model` → `template.model`). */
export function underPath<T>(prefix: string, build: () => T): T {
  try {
    return build();
  } catch (err) {
    if (err instanceof ApiError && err.fields?.length) {
      const fields: FieldError[] = err.fields.map((f) => ({ ...f, path: `${prefix}.${f.path}` }));
      throw new ApiError(err.code, `${fields[0]?.path}: ${fields[0]?.message}`, {
        fields,
        details: err.details,
        cause: err,
      });
    }
    throw err;
  }
}

/** The environment config each member environment gets, normalised and validated. */
function environmentConfigOf(body: PlaneCreate["environment"]) {
  return underPath("environment", () => {
    const spec = environmentSpecFromCreate({ name: "plane", config: { type: "cloud", ...body } });
    return spec.config;
  });
}

function nameConflict(name: string, cause?: unknown): ApiError {
  return new ApiError("name_conflict", `a plane named '${name}' already exists`, {
    fields: [{ path: "name", message: "already in use" }],
    cause,
  });
}

export async function createPlane(
  db: Db,
  env: Env,
  body: PlaneCreate,
  createdBy: string,
  now: number,
): Promise<{ row: PlaneRow; adminToken: string }> {
  const template = underPath("template", () => agentSpecFromCreate({ ...body.template, name: body.name }));
  const metadata = { ...body.metadata };
  assertValidMetadata(metadata);
  const row: PlaneRow = {
    id: newId("plane"),
    name: body.name,
    description: body.description ?? null,
    template,
    templateVersion: 1,
    runtimeVersion: body.runtime_version
      ? assertRuntimeVersion(env, body.runtime_version, "runtime_version")
      : defaultRuntimeVersion(env),
    environment: environmentConfigOf(body.environment),
    instanceType: body.instance_type ?? "standard-1",
    region: body.region ?? "auto",
    monthlyBudgetUsd: body.monthly_budget_usd ?? null,
    warmPool: warmPoolSizeOf(body.warm_pool ?? null),
    metadata,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
  };
  try {
    await db.insert(planes).values(row);
  } catch (err) {
    if (isUniqueViolation(err)) throw nameConflict(body.name, err);
    throw err;
  }
  const token = await mintPlaneToken(db, { planeId: row.id, memberId: null, createdBy, now });
  return { row, adminToken: token.secret };
}

/** A live plane by id or name. Deleted and unknown planes are the same 404. */
export async function getPlane(db: Db, ref: string): Promise<PlaneRow> {
  const row = await db.query.planes.findFirst({
    where: and(isNull(planes.deletedAt), or(eq(planes.id, ref), eq(planes.name, ref))),
  });
  if (!row) throw new ApiError("plane_not_found", `plane ${ref} not found`);
  return row;
}

export async function listPlanes(
  db: Db,
  q: { limit: number; page?: string; onlyId?: string },
): Promise<{ data: PlaneRow[]; next_page: string | null }> {
  const after = q.page ? decodeCursor(q.page) : null;
  const rows = await db
    .select()
    .from(planes)
    .where(
      and(
        isNull(planes.deletedAt),
        q.onlyId ? eq(planes.id, q.onlyId) : undefined,
        beyondCursor(planes.createdAt, planes.id, after),
      ),
    )
    .orderBy(desc(planes.createdAt), desc(planes.id))
    .limit(q.limit + 1);
  return toPage(rows, q.limit, (r) => ({ key: r.createdAt, id: r.id }));
}

/** Description, budget, instance type, region, warm pool and metadata; template and runtime change by upgrade. */
export async function updatePlane(db: Db, row: PlaneRow, body: PlaneUpdate, now: number): Promise<PlaneRow> {
  const metadata = body.metadata
    ? applyMetadataPatch(row.metadata, body.metadata, { emptyStringDeletes: false })
    : row.metadata;
  const [updated] = await db
    .update(planes)
    .set({
      description: body.description === undefined ? row.description : (body.description ?? null),
      instanceType: body.instance_type ?? row.instanceType,
      region: body.region ?? row.region,
      monthlyBudgetUsd:
        body.monthly_budget_usd === undefined ? row.monthlyBudgetUsd : body.monthly_budget_usd,
      warmPool: body.warm_pool === undefined ? row.warmPool : warmPoolSizeOf(body.warm_pool),
      metadata,
      updatedAt: now,
    })
    .where(and(eq(planes.id, row.id), isNull(planes.deletedAt)))
    .returning();
  if (!updated) throw new ApiError("plane_not_found", `plane ${row.id} not found`);
  return updated;
}

/** Deletes an empty plane (its row stays for the audit trail) and revokes its admin tokens. */
export async function deletePlane(db: Db, row: PlaneRow, now: number): Promise<void> {
  const member = await db.query.planeMembers.findFirst({
    where: and(eq(planeMembers.planeId, row.id), eq(planeMembers.status, "active")),
  });
  if (member) {
    throw new ApiError("plane_not_empty", `plane ${row.name} still has members; remove them first`, {
      details: { member_id: member.id },
    });
  }
  await db.batch([
    db.update(planes).set({ deletedAt: now, updatedAt: now }).where(eq(planes.id, row.id)),
    revokeTokensQuery(db, row.id, null, now),
  ]);
}
