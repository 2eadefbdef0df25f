/**
 * What a warm container must share with the session that claims it: what cannot change after
 * boot. Everything else (agent, model, tools, MCP, peers, prompt) is applied at claim by hot
 * reload, so one pool per key serves every agent and environment.
 */
import containerPackage from "../../../container/package.json";
import type { ContainerPoolSize } from "./pool-size";

export interface PoolKey {
  /** The OpenClaw version in the image. */
  runtimeVersion: string;
  /** The container's instance type (wrangler.toml `[[containers]]`). */
  instanceType: string;
}

/** The instance type both session and pool containers run on (wrangler.toml). */
export const POOL_INSTANCE_TYPE = "standard-1";

/** The key of this deployment's session containers: the bundled OpenClaw on standard-1. */
export function deploymentPoolKey(): PoolKey {
  return { runtimeVersion: containerPackage.dependencies.openclaw, instanceType: POOL_INSTANCE_TYPE };
}

/** The coordinator's object name for a key; members are named `<this>:<n>`. */
export function poolName(key: PoolKey): string {
  return `pool:${key.runtimeVersion}:${key.instanceType}`;
}

/**
 * A keyed pool (an environment's or a plane's, warm-pool-plan.ts): its size comes from the
 * settings, carried by each claim (and by a settings save), not from the deployment's vars.
 */
export interface KeyedPoolSpec {
  /** The plan's key (`env:<id>…`, `plane:<id>…`). */
  key: string;
  scope: "environment" | "plane";
  ownerId: string;
  /** `plane:<id>` or `organization`: whom the members' unclaimed seconds are billed to. */
  billedTo: string;
  /** The set members install while warming; null: none. */
  packages: { key: string; set: Record<string, string[]> } | null;
  size: ContainerPoolSize;
}

/** The coordinator object's name for a keyed pool; members are named `<this>:<n>`. */
export const keyedPoolName = (key: string) => `pool:${key}`;

/** The one coordinator that remembers which keyed pools exist (for `GET /v1/runtime_pool`). */
export const POOL_REGISTRY_NAME = "pool-registry";
