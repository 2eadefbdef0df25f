/**
 * Loads what a session's warm-pool plan is made from (src/runtime/warm-pool-plan.ts), as stored
 * now: the environment's `config.warm_pool` and package set, and the pool of the plane whose
 * member's agent the session runs. Read at each runtime start, so a size changed since the
 * session was created applies to its next start.
 */
import { and, eq, isNull } from "drizzle-orm";
import { DEFAULT_WARM_POOL_IDLE_TTL_SECONDS } from "../config";
import { createDb } from "../db/client";
import { getEnvironment } from "../db/environments";
import { planeMembers, planes } from "../db/schema";
import { log, describeError } from "../lib/log";
import { deploymentPoolKey, keyedPoolName, POOL_REGISTRY_NAME } from "../runtime/pool/pool-key";
import { keyedSpec } from "../runtime/pool/pooled-runtime";
import { planWarmPool, type WarmPoolPlan, warmPoolKey } from "../runtime/warm-pool-plan";
import type { Packages } from "../schemas/environments";
import type { WarmPoolSize } from "../schemas/warm-pool-size";
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
    return planWarmPool({
      ...base,
      environment: { id: record.environmentId, warmPool: null, packages },
      plane: null,
    });
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
        // An archived environment's pool is drained: its remaining sessions do not refill it.
        warmPool: config?.type === "cloud" && !environment?.archivedAt ? (config.warm_pool ?? null) : null,
        packages,
      },
      plane: plane ? { ...plane, warmPool: plane.warmPool ?? null } : null,
    });
  } catch (err) {
    log("warn", "warm pool settings could not be read; only the shared pool serves", describeError(err));
    return planWarmPool({
      ...base,
      environment: { id: record.environmentId, warmPool: null, packages },
      plane: null,
    });
  }
}

/** Longest wait for the local supervisor to take a new size (a development-only courtesy call). */
const ANNOUNCE_TIMEOUT_MS = 5_000;

/** A package set and its cache key, or null when `packages` holds none. */
async function packagesOf(packages: Packages | undefined) {
  const set = normalizedPackageSet(packages);
  return Object.keys(set).length
    ? { key: await packageSetKey(set), set: set as Record<string, string[]> }
    : null;
}

/**
 * Tells the runtime's pools that an environment's or a plane's size changed, so a pool fills (or
 * drains) now rather than at its first claim: the local supervisor's (`PUT /pools/{key}`) or the
 * key's container pool coordinator (`resize`). Never throws: a size not announced is applied at
 * the next claim, which carries it too.
 */
export async function announceWarmPool(
  env: Env,
  owner:
    | { scope: "environment"; id: string; warmPool: WarmPoolSize | null; packages: Packages | undefined }
    | {
        scope: "plane";
        id: string;
        warmPool: WarmPoolSize | null;
        packages: Packages | undefined;
        runtimeVersion: string;
        instanceType: string;
      },
): Promise<void> {
  if (env.RUNTIME_WARM_POOL === "off") return;
  const packages = await packagesOf(owner.packages);
  const runtimeVersion = owner.scope === "plane" ? owner.runtimeVersion : DEPLOYMENT_RUNTIME;
  const instanceType = owner.scope === "plane" ? owner.instanceType : DEPLOYMENT_RUNTIME;
  const key = warmPoolKey(owner.scope, owner.id, packages, runtimeVersion, instanceType);
  // No pool of its own any more (null): drained, as with 0.
  const size = owner.warmPool ?? { min_idle: 0, max: 0, idle_ttl_seconds: undefined };
  if (!env.LOCAL_AGENT_ORIGIN) {
    if (!env.POOL_COORDINATORS) return;
    const spec = keyedSpec({
      key,
      scope: owner.scope,
      ownerId: owner.id,
      size: { ...size, idle_ttl_seconds: size.idle_ttl_seconds ?? DEFAULT_WARM_POOL_IDLE_TTL_SECONDS },
      packages,
      billedTo:
        owner.scope === "plane" ? { type: "plane", id: owner.id } : { type: "organization", id: null },
    });
    if (!spec) return;
    const coordinators = env.POOL_COORDINATORS;
    const coordinator = (name: string) => coordinators.get(coordinators.idFromName(name));
    const name = keyedPoolName(key);
    // The owner's other pools: a plane's for its members' other package sets take the new size;
    // an environment's for a package set it no longer has is not used any more and drains.
    const others = await coordinator(POOL_REGISTRY_NAME)
      .registeredPools(`${owner.scope}:${owner.id}`)
      .catch(() => []);
    await Promise.all([
      coordinator(name).resize(deploymentPoolKey(), spec),
      ...others
        .filter((other) => other.name !== name)
        .map((other) =>
          coordinator(other.name).setSize(
            owner.scope === "plane" ? spec.size : { ...spec.size, minIdle: 0, max: 0 },
          ),
        ),
    ]).catch((err) =>
      log("warn", "the container pool did not take a warm pool size", { key, ...describeError(err) }),
    );
    return;
  }
  try {
    const res = await fetch(new URL(`/pools/${encodeURIComponent(key)}`, env.LOCAL_AGENT_ORIGIN), {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        min: size.min_idle,
        max: size.max,
        ...(size.idle_ttl_seconds ? { ttl_seconds: size.idle_ttl_seconds } : {}),
        scope: owner.scope,
        owner_id: owner.id,
        billed_to: owner.scope === "plane" ? `plane:${owner.id}` : "organization",
        packages,
      }),
      signal: AbortSignal.timeout(ANNOUNCE_TIMEOUT_MS),
    });
    await res.body?.cancel();
  } catch (err) {
    log("warn", "the local supervisor did not take a warm pool size", { key, ...describeError(err) });
  }
}
