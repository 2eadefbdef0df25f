/**
 * What a warm container must share with the session that claims it: what cannot change after
 * boot. Everything else (agent, model, tools, MCP, peers, prompt) is applied at claim by hot
 * reload, so one pool per key serves every agent and environment.
 */
import containerPackage from "../../../container/package.json";

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
