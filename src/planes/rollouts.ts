/**
 * Plane upgrades (rollouts) and rollbacks.
 *
 * An upgrade changes the plane's template (a partial agent update applied to it) and/or its
 * runtime version, then gives every active member's agent a new version (template + the
 * member's own overrides) through the ordinary agent update. From that moment:
 *
 * - new sessions use the new version at once (they start from the agent's latest version);
 * - existing sessions are told about it (`adoptAgentVersion` on their object) and switch when
 *   their next turn starts; a turn already running finishes on the version it started with;
 * - a runtime version change also restarts each session's runtime at that next turn.
 *
 * The rollout is `in_progress` while any live session of the plane still runs an older version
 * than it brought (`sessions_pending`), `completed` once none does. A rollback makes the
 * previous template and runtime current again: the plane and every member agent get a new
 * version equal to the old content (versions never go backwards), and sessions switch as above.
 * Only the latest rollout of a plane can be rolled back.
 */
import { and, desc, eq } from "drizzle-orm";
import { type AgentRecord, getAgent, updateAgent } from "../db/agents";
import type { Db } from "../db/client";
import { beyondCursor } from "../db/paging";
import { planeMembers, planeRollouts, planes } from "../db/schema";
import { countLiveSessionsBehind, liveSessionIds } from "../db/sessions";
import { type AgentSpec, applyAgentUpdate } from "../domain/agent-spec";
import { jsonEqual } from "../domain/json-equal";
import { ApiError } from "../errors";
import { decodeCursor, toPage } from "../lib/cursor";
import { newId } from "../lib/ids";
import { describeError, log } from "../lib/log";
import { toRfc3339, toRfc3339OrNull } from "../lib/time";
import type { PlaneTemplatePatch, Rollout, UpgradeCreate } from "../schemas/planes";
import type { SessionAgent } from "../session/session-record";
import { sessionClient } from "../session/stub";
import { activeMembers, type MemberRow, memberAgentName, memberAgentSpec } from "./members";
import { type PlaneRow, templateOf, underPath } from "./plane-store";
import { assertRuntimeVersion } from "./runtime-versions";

export type RolloutRow = typeof planeRollouts.$inferSelect;
type MemberProgress = RolloutRow["members"][string];

/** Agent versions each member must reach for the rollout (or its rollback) to count as done. */
function targets(row: RolloutRow): Array<{ agentId: string; version: number }> {
  return Object.values(row.members).map((m) => ({
    agentId: m.agent_id,
    version:
      row.status === "rolled_back" && m.rollback_version !== undefined ? m.rollback_version : m.to_version,
  }));
}

/** Live sessions of the rollout's agents still on an older version than it brought. */
async function sessionsPending(db: Db, row: RolloutRow): Promise<number> {
  return countLiveSessionsBehind(db, targets(row));
}

export interface RolloutView {
  row: RolloutRow;
  status: RolloutRow["status"];
  sessionsPending: number;
  membersTotal: number;
  membersUpgraded: number;
}

/** The rollout with its live progress; marks it completed the first time nothing is pending. */
export async function rolloutProgress(db: Db, row: RolloutRow, now = Date.now()): Promise<RolloutView> {
  const pending = await sessionsPending(db, row);
  let current = row;
  if (row.status === "in_progress" && pending === 0) {
    const [updated] = await db
      .update(planeRollouts)
      .set({ status: "completed", completedAt: now })
      .where(and(eq(planeRollouts.id, row.id), eq(planeRollouts.status, "in_progress")))
      .returning();
    current = updated ?? row;
  }
  const upgraded = Object.values(row.members).filter((m) => m.to_version > 0).length;
  return {
    row: current,
    status: current.status,
    sessionsPending: pending,
    membersTotal: Object.keys(row.members).length,
    membersUpgraded: upgraded,
  };
}

export function rolloutToWire(view: RolloutView): Rollout {
  const { row } = view;
  return {
    type: "plane_rollout",
    id: row.id,
    plane_id: row.planeId,
    status: view.status,
    from: { template_version: row.fromTemplateVersion, runtime_version: row.fromRuntimeVersion },
    to: { template_version: row.toTemplateVersion, runtime_version: row.toRuntimeVersion },
    members_total: view.membersTotal,
    members_upgraded: view.membersUpgraded,
    sessions_pending: view.sessionsPending,
    error: row.error,
    created_at: toRfc3339(row.createdAt),
    completed_at: toRfc3339OrNull(row.completedAt),
    rolled_back_at: toRfc3339OrNull(row.rolledBackAt),
  };
}

const sessionAgentOf = (r: AgentRecord): SessionAgent => ({
  id: r.id,
  type: "agent",
  ...r.spec,
  version: r.version,
});

/**
 * Tells every live session of `agent` still on an older version to switch at its next turn.
 * A session that cannot be reached keeps its version and stays counted as pending.
 */
async function notifySessions(db: Db, env: Env, agent: AgentRecord, restartRuntime: boolean): Promise<void> {
  // A runtime change concerns every live session, even one already on this agent version.
  const live = await liveSessionIds(db, agent.id, restartRuntime ? undefined : agent.version);
  await Promise.all(
    live.map((id) =>
      sessionClient(env, id)
        .adoptAgentVersion(sessionAgentOf(agent), restartRuntime)
        .catch((err: unknown) => {
          log("warn", "plane rollout: session not notified", { session_id: id, ...describeError(err) });
        }),
    ),
  );
}

/** Member specs for `template`, all computed (and validated) before anything is written. */
function memberSpecs(plane: PlaneRow, template: AgentSpec, members: MemberRow[]): Map<string, AgentSpec> {
  const specs = new Map<string, AgentSpec>();
  for (const member of members) {
    const spec = underPath("template", () =>
      memberAgentSpec(
        template,
        member.templateOverride as PlaneTemplatePatch,
        memberAgentName(plane, member.name),
      ),
    );
    specs.set(member.id, spec);
  }
  return specs;
}

/**
 * Moves the plane to `template`/`runtimeVersion` (as template version `templateVersion`) and
 * gives each member agent its new version; returns per-member progress. Stops at the first
 * member that fails, reporting how far it got.
 */
async function applyToMembers(
  db: Db,
  env: Env,
  plane: PlaneRow,
  members: MemberRow[],
  specs: Map<string, AgentSpec>,
  change: { templateVersion: number; runtimeVersion: string },
  now: number,
  progress: (member: MemberRow, agent: AgentRecord, fromVersion: number) => void,
): Promise<{ error: string | null }> {
  const restartRuntime = change.runtimeVersion !== plane.runtimeVersion;
  for (const member of members) {
    const spec = specs.get(member.id) as AgentSpec;
    try {
      const fromVersion = (await getAgent(db, member.agentId)).version;
      const agent = await updateAgent(
        db,
        member.agentId,
        fromVersion,
        (current) => ({ spec, changed: !jsonEqual(current, spec) }),
        now,
      );
      await db
        .update(planeMembers)
        .set({
          templateVersion: change.templateVersion,
          runtimeVersion: change.runtimeVersion,
          updatedAt: now,
        })
        .where(eq(planeMembers.id, member.id));
      progress(member, agent, fromVersion);
      await notifySessions(db, env, agent, restartRuntime);
    } catch (err) {
      log("warn", "plane rollout: member upgrade failed", { member_id: member.id, ...describeError(err) });
      const reason = err instanceof ApiError ? err.message : "internal error";
      return { error: `member ${member.name}: ${reason}` };
    }
  }
  return { error: null };
}

/** Moves the plane pointer, refusing if another upgrade moved it since `plane` was read. */
async function movePlane(
  db: Db,
  plane: PlaneRow,
  template: AgentSpec,
  runtimeVersion: string,
  now: number,
): Promise<number> {
  const templateVersion = plane.templateVersion + 1;
  const [moved] = await db
    .update(planes)
    .set({ template, templateVersion, runtimeVersion, updatedAt: now })
    .where(and(eq(planes.id, plane.id), eq(planes.templateVersion, plane.templateVersion)))
    .returning({ id: planes.id });
  if (!moved)
    throw new ApiError("rollout_conflict", `plane ${plane.name} changed meanwhile; retry the upgrade`);
  return templateVersion;
}

export async function startRollout(
  db: Db,
  env: Env,
  plane: PlaneRow,
  body: UpgradeCreate,
  createdBy: string,
  now: number,
): Promise<RolloutRow> {
  if (body.template === undefined && body.runtime_version === undefined) {
    throw new ApiError("invalid_request", "an upgrade needs a template change, a runtime_version, or both", {
      fields: [{ path: "template", message: "required unless runtime_version is given" }],
    });
  }
  const runtimeVersion =
    body.runtime_version === undefined
      ? plane.runtimeVersion
      : assertRuntimeVersion(env, body.runtime_version, "runtime_version");
  const fromTemplate = templateOf(plane);
  const template = body.template
    ? underPath("template", () => applyAgentUpdate(fromTemplate, body.template as PlaneTemplatePatch).spec)
    : fromTemplate;
  if (jsonEqual(template, fromTemplate) && runtimeVersion === plane.runtimeVersion) {
    throw new ApiError("invalid_request", "the upgrade changes nothing: same template and runtime version", {
      fields: [{ path: body.template ? "template" : "runtime_version", message: "no change" }],
    });
  }
  const members = await activeMembers(db, plane.id);
  const specs = memberSpecs(plane, template, members);
  const templateVersion = await movePlane(db, plane, template, runtimeVersion, now);

  const row: RolloutRow = {
    id: newId("planeRollout"),
    planeId: plane.id,
    status: "in_progress",
    fromTemplate,
    fromTemplateVersion: plane.templateVersion,
    fromRuntimeVersion: plane.runtimeVersion,
    toTemplate: template,
    toTemplateVersion: templateVersion,
    toRuntimeVersion: runtimeVersion,
    members: Object.fromEntries(
      members.map((m): [string, MemberProgress] => [
        m.id,
        { agent_id: m.agentId, from_version: 0, to_version: 0 },
      ]),
    ),
    error: null,
    createdBy,
    createdAt: now,
    completedAt: null,
    rolledBackAt: null,
  };
  await db.insert(planeRollouts).values(row);
  const { error } = await applyToMembers(
    db,
    env,
    plane,
    members,
    specs,
    { templateVersion, runtimeVersion },
    now,
    (member, agent, fromVersion) => {
      row.members[member.id] = { agent_id: agent.id, from_version: fromVersion, to_version: agent.version };
    },
  );
  row.error = error;
  if (error) row.status = "failed";
  await db
    .update(planeRollouts)
    .set({ members: row.members, status: row.status, error: row.error })
    .where(eq(planeRollouts.id, row.id));
  return row;
}

/** Restores the template and runtime the rollout replaced, as new versions. */
export async function rollback(
  db: Db,
  env: Env,
  plane: PlaneRow,
  row: RolloutRow,
  now: number,
): Promise<RolloutRow> {
  if (row.status === "rolled_back") {
    throw new ApiError("rollout_conflict", `rollout ${row.id} was already rolled back`);
  }
  const [latest] = await db
    .select({ id: planeRollouts.id })
    .from(planeRollouts)
    .where(eq(planeRollouts.planeId, plane.id))
    .orderBy(desc(planeRollouts.createdAt), desc(planeRollouts.id))
    .limit(1);
  if (latest?.id !== row.id) {
    throw new ApiError(
      "rollout_conflict",
      `only the plane's latest upgrade (${latest?.id}) can be rolled back`,
    );
  }
  const template = row.fromTemplate as AgentSpec;
  const members = await activeMembers(db, plane.id);
  const specs = memberSpecs(plane, template, members);
  const templateVersion = await movePlane(db, plane, template, row.fromRuntimeVersion, now);
  const membersProgress = { ...row.members };
  const { error } = await applyToMembers(
    db,
    env,
    plane,
    members,
    specs,
    { templateVersion, runtimeVersion: row.fromRuntimeVersion },
    now,
    (member, agent, fromVersion) => {
      const before = membersProgress[member.id];
      membersProgress[member.id] = {
        agent_id: agent.id,
        from_version: before?.from_version ?? fromVersion,
        to_version: before?.to_version ?? fromVersion,
        rollback_version: agent.version,
      };
    },
  );
  const [updated] = await db
    .update(planeRollouts)
    .set({ status: "rolled_back", rolledBackAt: now, members: membersProgress, error: error ?? row.error })
    .where(eq(planeRollouts.id, row.id))
    .returning();
  return updated ?? row;
}

export async function getRollout(db: Db, plane: PlaneRow, id: string): Promise<RolloutRow> {
  const row = await db.query.planeRollouts.findFirst({
    where: and(eq(planeRollouts.id, id), eq(planeRollouts.planeId, plane.id)),
  });
  if (!row) throw new ApiError("plane_rollout_not_found", `plane ${plane.name} has no upgrade ${id}`);
  return row;
}

/** The plane's most recent rollout, if any (what status shows). */
export async function latestRollout(db: Db, planeId: string): Promise<RolloutRow | null> {
  const [row] = await db
    .select()
    .from(planeRollouts)
    .where(eq(planeRollouts.planeId, planeId))
    .orderBy(desc(planeRollouts.createdAt), desc(planeRollouts.id))
    .limit(1);
  return row ?? null;
}

export async function listRollouts(
  db: Db,
  plane: PlaneRow,
  q: { limit: number; page?: string },
): Promise<{ data: RolloutRow[]; next_page: string | null }> {
  const after = q.page ? decodeCursor(q.page) : null;
  const rows = await db
    .select()
    .from(planeRollouts)
    .where(
      and(
        eq(planeRollouts.planeId, plane.id),
        beyondCursor(planeRollouts.createdAt, planeRollouts.id, after),
      ),
    )
    .orderBy(desc(planeRollouts.createdAt), desc(planeRollouts.id))
    .limit(q.limit + 1);
  return toPage(rows, q.limit, (r) => ({ key: r.createdAt, id: r.id }));
}
