/**
 * Plane members: one isolated agent per person. Adding a member provisions, for them alone, an
 * agent made from the plane template (plus the member's overrides), an environment with the
 * plane's network policy, a vault, and a member token; removing one ends their sessions (each
 * session's object destroys its runtime), archives the agent and environment, deletes the
 * vault's credentials (their encrypted secrets with them), and revokes their tokens. Member
 * rows are never deleted: the audit trail keeps naming them.
 */
import { and, asc, desc, eq, isNull, or } from "drizzle-orm";
import { archiveAgent, createAgent } from "../db/agents";
import type { Db } from "../db/client";
import { isUniqueViolation } from "../db/constraint-errors";
import { archiveEnvironment, createEnvironment } from "../db/environments";
import { beyondCursor } from "../db/paging";
import { planeMembers, vaultCredentials } from "../db/schema";
import { liveSessionIds } from "../db/sessions";
import { type AgentSpec, applyAgentUpdate } from "../domain/agent-spec";
import type { EnvironmentSpec } from "../domain/environment-spec";
import { ApiError } from "../errors";
import { decodeCursor, toPage } from "../lib/cursor";
import { newId } from "../lib/ids";
import { describeError, log } from "../lib/log";
import { toRfc3339, toRfc3339OrNull } from "../lib/time";
import { assertValidMetadata } from "../schemas/metadata";
import type { Member, MemberCreate, PlaneTemplatePatch } from "../schemas/planes";
import { sessionClient } from "../session/stub";
import { archiveVault, createVault } from "../vaults/vault-store";
import { type PlaneRow, templateOf, underPath } from "./plane-store";
import { mintPlaneToken, revokeTokensQuery } from "./tokens";

export type MemberRow = typeof planeMembers.$inferSelect;

export function memberToWire(row: MemberRow, token?: string): Member {
  return {
    type: "plane_member",
    id: row.id,
    plane_id: row.planeId,
    name: row.name,
    owner: row.owner,
    agent_id: row.agentId,
    environment_id: row.environmentId,
    vault_id: row.vaultId,
    status: row.status,
    template_version: row.templateVersion,
    runtime_version: row.runtimeVersion,
    metadata: row.metadata,
    created_at: toRfc3339(row.createdAt),
    removed_at: toRfc3339OrNull(row.removedAt),
    ...(token ? { token } : {}),
  };
}

/** The agent name of a member: readable, and what `/v1/models` lists for them. */
export function memberAgentName(plane: Pick<PlaneRow, "name">, memberName: string): string {
  return `${plane.name}-${memberName}`;
}

/**
 * A member's agent spec: the plane template with the member's overrides applied, under the
 * member's agent name. Uses the agent update rules, so overrides mean what they mean there.
 */
export function memberAgentSpec(
  template: AgentSpec,
  override: PlaneTemplatePatch,
  agentName: string,
): AgentSpec {
  return applyAgentUpdate(template, { ...override, name: agentName }).spec;
}

function memberNameConflict(name: string, cause?: unknown): ApiError {
  return new ApiError("name_conflict", `the plane already has a member named '${name}'`, {
    fields: [{ path: "name", message: "already in use in this plane" }],
    cause,
  });
}

/** Provisions a member: agent, environment, vault, token. Returns the row and the token (shown once). */
export async function addMember(
  db: Db,
  plane: PlaneRow,
  body: MemberCreate,
  createdBy: string,
  now: number,
): Promise<{ row: MemberRow; token: string }> {
  const metadata = { ...body.metadata };
  assertValidMetadata(metadata);
  const override = body.template ?? {};
  // Everything that can be refused is checked before anything is created.
  const spec = underPath("template", () =>
    memberAgentSpec(templateOf(plane), override, memberAgentName(plane, body.name)),
  );
  const taken = await db.query.planeMembers.findFirst({
    where: and(
      eq(planeMembers.planeId, plane.id),
      eq(planeMembers.name, body.name),
      isNull(planeMembers.removedAt),
    ),
  });
  if (taken) throw memberNameConflict(body.name);

  const tag = { clawplane_plane: plane.id, clawplane_member: body.name };
  const agent = await createAgent(db, spec, now);
  const environmentSpec: EnvironmentSpec = {
    name: `plane/${plane.name}/${body.name}`,
    description: `Agents Plane ${plane.name}: ${body.name}'s environment`,
    config: plane.environment as EnvironmentSpec["config"],
    metadata: tag,
    scope: "organization",
  };
  const environment = await createEnvironment(db, environmentSpec, now);
  const vault = await createVault(db, { display_name: `${plane.name}/${body.name}`, metadata: tag }, now);
  const row: MemberRow = {
    id: newId("planeMember"),
    planeId: plane.id,
    name: body.name,
    owner: body.owner,
    templateOverride: override as Record<string, unknown>,
    agentId: agent.id,
    environmentId: environment.id,
    vaultId: vault.id,
    status: "active",
    templateVersion: plane.templateVersion,
    runtimeVersion: plane.runtimeVersion,
    metadata,
    createdAt: now,
    updatedAt: now,
    removedAt: null,
  };
  try {
    await db.insert(planeMembers).values(row);
  } catch (err) {
    // Lost a race for the name: undo what was provisioned for this request.
    await Promise.allSettled([
      archiveAgent(db, agent.id, now),
      archiveEnvironment(db, environment.id, now),
      archiveVault(db, vault.id, now),
    ]);
    if (isUniqueViolation(err)) throw memberNameConflict(body.name, err);
    throw err;
  }
  const token = await mintPlaneToken(db, { planeId: plane.id, memberId: row.id, createdBy, now });
  return { row, token: token.secret };
}

/** A member of `plane` by id or name; active members win over removed ones of the same name. */
export async function getMember(db: Db, plane: PlaneRow, ref: string): Promise<MemberRow> {
  const rows = await db
    .select()
    .from(planeMembers)
    .where(and(eq(planeMembers.planeId, plane.id), or(eq(planeMembers.id, ref), eq(planeMembers.name, ref))))
    .orderBy(asc(planeMembers.removedAt), desc(planeMembers.createdAt))
    .limit(2);
  const row = rows.find((r) => r.status === "active") ?? rows[0];
  if (!row) throw new ApiError("plane_member_not_found", `plane ${plane.name} has no member ${ref}`);
  return row;
}

export async function listMembers(
  db: Db,
  plane: PlaneRow,
  q: { limit: number; page?: string; includeRemoved: boolean },
): Promise<{ data: MemberRow[]; next_page: string | null }> {
  const after = q.page ? decodeCursor(q.page) : null;
  const rows = await db
    .select()
    .from(planeMembers)
    .where(
      and(
        eq(planeMembers.planeId, plane.id),
        q.includeRemoved ? undefined : eq(planeMembers.status, "active"),
        beyondCursor(planeMembers.createdAt, planeMembers.id, after, "asc"),
      ),
    )
    .orderBy(asc(planeMembers.createdAt), asc(planeMembers.id))
    .limit(q.limit + 1);
  return toPage(rows, q.limit, (r) => ({ key: r.createdAt, id: r.id }));
}

/** Every active member of a plane (status, rollouts). */
export async function activeMembers(db: Db, planeId: string): Promise<MemberRow[]> {
  return db
    .select()
    .from(planeMembers)
    .where(and(eq(planeMembers.planeId, planeId), eq(planeMembers.status, "active")))
    .orderBy(asc(planeMembers.createdAt), asc(planeMembers.id));
}

/** Mints a new member token and revokes the old ones. */
export async function rotateMemberToken(
  db: Db,
  member: MemberRow,
  createdBy: string,
  now: number,
): Promise<{ id: string; secret: string }> {
  assertActive(member);
  await revokeTokensQuery(db, member.planeId, member.id, now);
  return mintPlaneToken(db, { planeId: member.planeId, memberId: member.id, createdBy, now });
}

export function assertActive(member: MemberRow): void {
  if (member.status !== "active") {
    throw new ApiError("plane_member_removed", `member ${member.name} was removed`);
  }
}

/**
 * Removes a member. Tokens go first, so nothing new can start while the rest is torn down;
 * then every live session is archived through its object (runtime destroyed), the agent and
 * environment archived, the vault's credentials deleted and the vault archived.
 */
export async function removeMember(
  db: Db,
  env: Env,
  member: MemberRow,
  now: number,
): Promise<{ sessionsEnded: number }> {
  assertActive(member);
  await db.batch([
    revokeTokensQuery(db, member.planeId, member.id, now),
    db
      .update(planeMembers)
      .set({ status: "removed", removedAt: now, updatedAt: now })
      .where(eq(planeMembers.id, member.id)),
  ]);
  let sessionsEnded = 0;
  for (const id of await liveSessionIds(db, member.agentId)) {
    try {
      await sessionClient(env, id).archive();
      sessionsEnded++;
    } catch (err) {
      // A session deleted meanwhile has nothing left to end.
      if (!(err instanceof ApiError && err.code === "session_not_found")) throw err;
    }
  }
  await archiveAgent(db, member.agentId, now);
  await archiveEnvironment(db, member.environmentId, now);
  await db.delete(vaultCredentials).where(eq(vaultCredentials.vaultId, member.vaultId));
  await archiveVault(db, member.vaultId, now).catch((err: unknown) => {
    log("warn", "plane: archiving a removed member's vault failed", {
      member_id: member.id,
      ...describeError(err),
    });
  });
  return { sessionsEnded };
}
