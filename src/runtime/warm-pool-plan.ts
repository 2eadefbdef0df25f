/**
 * Which warm pools may serve a session's runtime start, in the order to try them, and how big
 * each one is: the one place that decides it (the local supervisor's pools and the containers'
 * pool coordinator both take its answer). Pure: the caller loads the settings
 * (warm-pool-settings.ts) and hands the plan to the runtime.
 *
 * Pools, most specific first:
 * 1. the environment's own (`config.warm_pool`), billed to the organisation: its members boot with
 *    the environment's packages already installed, so a session of an environment with packages
 *    is served warm without waiting for the install;
 * 2. the plane's (`warm_pool` of the plane whose member's agent the session runs), reserved for
 *    the plane's members and billed to the plane; its members also carry the members' package set;
 * 3. the deployment's shared pool (the supervisor's flags; containers: the deployment's vars),
 *    billed to the organisation. Its members have no packages: a claimed one installs the
 *    environment's set after the claim, before the first turn (environment-packages.ts).
 *
 * A claim tries each in turn and falls back to the next one; the misses are reported together in
 * `span.runtime_warm_pool`. A size with `max: 0` is "off": the sessions it governs boot cold and
 * say so, without falling back to a less specific pool (an admin who turned a plane's pool off
 * does not want its sessions to take the shared one). `warm_pool: null` means "no pool of its
 * own": the next one governs.
 *
 * Pools are keyed by what a running gateway cannot take after boot: the runtime version and
 * instance type, the scope's id and, where members pre-install them, the package set.
 */
import type { WarmPoolSize } from "../schemas/warm-pool-size";

/** Which setting a pool comes from. */
export type WarmPoolScope = "environment" | "plane" | "deployment";

/** Who a warm runtime's cost is attributed to while it waits in its pool. */
export type WarmPoolBilledTo = { type: "plane"; id: string } | { type: "organization"; id: null };

/** One pool a start may claim from. */
export interface WarmPoolCandidate {
  /** Names the pool: members are interchangeable within a key and never across keys. */
  key: string;
  scope: WarmPoolScope;
  /** The environment's or plane's id; null for the deployment's pool. */
  ownerId: string | null;
  /** Its size; null for the deployment's pool, whose size the runtime's own settings hold. */
  size: WarmPoolSize | null;
  /** The package set members install while warming, with its cache key; null: none. */
  packages: { key: string; set: Record<string, string[]> } | null;
  billedTo: WarmPoolBilledTo;
}

/** The plan for one start: pools to try in order, or why none may serve it. */
export type WarmPoolPlan =
  | { kind: "pools"; candidates: WarmPoolCandidate[] }
  | { kind: "off"; reason: string };

/** What the plan is made from; every setting as stored. */
export interface WarmPoolInputs {
  /** The deployment's switch (`RUNTIME_WARM_POOL`): false = no session asks for a warm runtime. */
  deploymentEnabled: boolean;
  /** The runtime version and instance type a session would boot with. */
  runtimeVersion: string;
  instanceType: string;
  environment: {
    id: string;
    warmPool: WarmPoolSize | null;
    /** The environment's normalized package set and its cache key (environment-packages.ts); null: none. */
    packages: { key: string; set: Record<string, string[]> } | null;
  };
  /** The plane whose member's agent the session runs, if any (its runtime version and instance type win). */
  plane: {
    id: string;
    name: string;
    warmPool: WarmPoolSize | null;
    runtimeVersion: string;
    instanceType: string;
  } | null;
}

/** The deployment's shared pool's key (the supervisor's `--pool-*` pool). */
export const SHARED_POOL_KEY = "shared";

/**
 * The key of an environment's or plane's pool: members are interchangeable only within it (same
 * scope and owner, same package set pre-installed, same runtime version and instance type).
 */
export function warmPoolKey(
  scope: "environment" | "plane",
  ownerId: string,
  packages: WarmPoolCandidate["packages"],
  runtimeVersion: string,
  instanceType: string,
): string {
  const pk = packages ? `:pk-${packages.key.slice(0, 16)}` : "";
  return `${scope === "environment" ? "env" : "plane"}:${ownerId}${pk}@${runtimeVersion}+${instanceType}`;
}

/** Decides the pools for one start (see the module comment). */
export function planWarmPool(inputs: WarmPoolInputs): WarmPoolPlan {
  if (!inputs.deploymentEnabled)
    return { kind: "off", reason: "the warm pool is off for this deployment (RUNTIME_WARM_POOL=off)" };
  const { environment, plane } = inputs;
  const runtimeVersion = plane?.runtimeVersion ?? inputs.runtimeVersion;
  const instanceType = plane?.instanceType ?? inputs.instanceType;
  const organization: WarmPoolBilledTo = { type: "organization", id: null };
  const candidates: WarmPoolCandidate[] = [];

  if (environment.warmPool) {
    if (environment.warmPool.max === 0)
      return {
        kind: "off",
        reason: `environment ${environment.id} has its warm pool set to 0 (off): its sessions boot cold`,
      };
    candidates.push({
      key: warmPoolKey("environment", environment.id, environment.packages, runtimeVersion, instanceType),
      scope: "environment",
      ownerId: environment.id,
      size: environment.warmPool,
      packages: environment.packages,
      // The environment's owner set it: the organisation pays for its waiting runtimes.
      billedTo: organization,
    });
  }
  if (plane?.warmPool) {
    if (plane.warmPool.max === 0) {
      if (candidates.length) return { kind: "pools", candidates };
      return {
        kind: "off",
        reason: `plane ${plane.name} has its warm pool set to 0 (off): its members' sessions boot cold`,
      };
    }
    candidates.push({
      key: warmPoolKey("plane", plane.id, environment.packages, runtimeVersion, instanceType),
      scope: "plane",
      ownerId: plane.id,
      size: plane.warmPool,
      packages: environment.packages,
      billedTo: { type: "plane", id: plane.id },
    });
  }
  candidates.push({
    key: SHARED_POOL_KEY,
    scope: "deployment",
    ownerId: null,
    size: null,
    packages: null,
    billedTo: organization,
  });
  return { kind: "pools", candidates };
}
