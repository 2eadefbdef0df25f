/**
 * Loads what a session's warm-pool plan is made from (src/runtime/warm-pool-plan.ts), as stored
 * now: the environment's `config.warm_pool` and package set, and the pool of the plane whose
 * member's agent the session runs. Read at each runtime start, so a size changed since the
 * session was created applies to its next start.
 */
import { and, eq, isNull } from "drizzle-orm";
import { createDb } from "../db/client";
import { getEnvironment } from "../db/environments";
import { planeMembers, planes } from "../db/schema";
import { log, describeError } from "../lib/log";
import { planWarmPool, type WarmPoolPlan } from "../runtime/warm-pool-plan";
import { normalizedPackageSet, packageSetKey } from "./environment-packages";
import type { SessionRecord } from "./session-record";

/** Runtime version and instance type of sessions outside any plane: the deployment's. */
const DEPLOYMENT_RUNTIME = "default";

/**
 * The plan for starting `record`'s runtime. Settings that cannot be read (D1 unavailable, the
 * environment gone) leave only the deployment's pool: a start never fails over its pool.
 */
export async function warmPoolPlanFor(env: Env, record: SessionRecord): Promise<WarmPoolPlan> {
  const deploymentEnabled = env.RUNTIME_WARM_POOL !== "off";
  const set = normalizedPackageSet(record.packages);
  const packages = Object.keys(set).length
    ? { key: await packageSetKey(set), set: set as Record<string, string[]> }
    : null;
  const base = {
    deploymentEnabled,
    runtimeVersion: DEPLOYMENT_RUNTIME,
    instanceType: DEPLOYMENT_RUNTIME,
  };
  if (!deploymentEnabled)
    return planWarmPool({ ...base, environment: { id: record.environmentId, warmPool: null, packages }, plane: null });
  try {
    const db = createDb(env.DB);
    const [environment, plane] = await Promise.all([
      getEnvironment(db, record.environmentId).catch(() => undefined),
      db
        .select({
          id: planes.id,
          name: planes.name,
          warmPool: planes.warmPool,
          runtimeVersion: planeMembers.runtimeVersion,
          instanceType: planes.instanceType,
        })
        .from(planeMembers)
        .innerJoin(planes, eq(planes.id, planeMembers.planeId))
        .where(
          and(
            eq(planeMembers.agentId, record.agent.id),
            eq(planeMembers.status, "active"),
            isNull(planes.deletedAt),
          ),
        )
        .get(),
    ]);
    const config = environment?.spec.config;
    return planWarmPool({
      ...base,
      environment: {
        id: record.environmentId,
        warmPool: config?.type === "cloud" ? (config.warm_pool ?? null) : null,
        packages,
      },
      plane: plane ? { ...plane, warmPool: plane.warmPool ?? null } : null,
    });
  } catch (err) {
    log("warn", "warm pool settings could not be read; only the shared pool serves", describeError(err));
    return planWarmPool({ ...base, environment: { id: record.environmentId, warmPool: null, packages }, plane: null });
  }
}
