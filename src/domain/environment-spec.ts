/**
 * The editable content of an environment and the rules for producing it.
 *
 * An `EnvironmentSpec` is everything an environment response carries except identity and
 * timestamps, fully populated: a cloud config always lists its networking and every package
 * list. Create builds one from a request body; update derives the next one from the current one
 * and reports whether anything changed.
 */
import { DEFAULT_SLEEP_AFTER_SECONDS, DEFAULT_WORKSPACE_MAX_MB } from "../config";
import { ApiError } from "../errors";
import type {
  CloudConfig,
  CloudConfigParams,
  Environment,
  EnvironmentConfig,
  EnvironmentConfigParams,
  EnvironmentCreate,
  EnvironmentUpdate,
  Packages,
  PackagesParams,
} from "../schemas/environments";
import { PACKAGE_MANAGERS } from "../schemas/environments";
import { applyMetadataPatch, assertValidMetadata } from "../schemas/metadata";
import { warmPoolSizeOf } from "../schemas/warm-pool-size";
import { jsonEqual } from "./json-equal";

/** The editable content of an environment, in response form (`scope` always resolved). */
export type EnvironmentSpec = Pick<Environment, "name" | "description" | "config" | "metadata"> & {
  scope: NonNullable<Environment["scope"]>;
};

type Networking = CloudConfig["networking"];
type Limited = Extract<Networking, { type: "limited" }>;

const DEFAULT_SCOPE = "organization";

function emptyPackages(): Packages {
  return { type: "packages", apt: [], cargo: [], gem: [], go: [], npm: [], pip: [] };
}

/** Packages as sent over `stored`: an omitted list is kept, a null list is emptied. */
function resolvePackages(params: PackagesParams | null | undefined, stored: Packages | undefined): Packages {
  if (params === undefined) return stored ?? emptyPackages();
  const base = params === null || stored === undefined ? emptyPackages() : stored;
  const next: Packages = { type: "packages", apt: [], cargo: [], gem: [], go: [], npm: [], pip: [] };
  for (const manager of PACKAGE_MANAGERS) {
    const list = params?.[manager];
    next[manager] = list === undefined ? [...base[manager]] : (list ?? []);
  }
  return next;
}

/** Networking as sent over `stored`; limited fields merge into a stored limited policy. */
function resolveNetworking(
  params: CloudConfigParams["networking"],
  stored: Networking | undefined,
): Networking {
  if (params === undefined) return stored ?? { type: "unrestricted" };
  if (params === null || params.type === "unrestricted") return { type: "unrestricted" };
  const base: Limited =
    stored?.type === "limited"
      ? stored
      : { type: "limited", allowed_hosts: [], allow_mcp_servers: false, allow_package_managers: false };
  return {
    type: "limited",
    allowed_hosts: params.allowed_hosts === undefined ? base.allowed_hosts : (params.allowed_hosts ?? []),
    allow_mcp_servers:
      params.allow_mcp_servers === undefined ? base.allow_mcp_servers : (params.allow_mcp_servers ?? false),
    allow_package_managers:
      params.allow_package_managers === undefined
        ? base.allow_package_managers
        : (params.allow_package_managers ?? false),
  };
}

function resolveConfig(
  params: EnvironmentConfigParams,
  stored: EnvironmentConfig | undefined,
): EnvironmentConfig {
  if (params.type === "self_hosted") return { type: "self_hosted" };
  const base = stored?.type === "cloud" ? stored : undefined;
  return {
    type: "cloud",
    networking: resolveNetworking(params.networking, base?.networking),
    packages: resolvePackages(params.packages, base?.packages),
    sleep_after_seconds:
      params.sleep_after_seconds === undefined
        ? (base?.sleep_after_seconds ?? DEFAULT_SLEEP_AFTER_SECONDS)
        : (params.sleep_after_seconds ?? DEFAULT_SLEEP_AFTER_SECONDS),
    workspace_max_mb:
      params.workspace_max_mb === undefined
        ? (base?.workspace_max_mb ?? DEFAULT_WORKSPACE_MAX_MB)
        : (params.workspace_max_mb ?? DEFAULT_WORKSPACE_MAX_MB),
    warm_pool:
      params.warm_pool === undefined ? (base?.warm_pool ?? null) : warmPoolSizeOf(params.warm_pool ?? null),
  };
}

function defaultConfig(): EnvironmentConfig {
  return {
    type: "cloud",
    networking: { type: "unrestricted" },
    packages: emptyPackages(),
    sleep_after_seconds: DEFAULT_SLEEP_AFTER_SECONDS,
    workspace_max_mb: DEFAULT_WORKSPACE_MAX_MB,
    warm_pool: null,
  };
}

/**
 * A stored config as the current code reads it: configs stored before `sleep_after_seconds`,
 * `workspace_max_mb` or `warm_pool` existed get the defaults.
 */
export function withConfigDefaults(config: EnvironmentConfig): EnvironmentConfig {
  if (config.type !== "cloud") return config;
  if (
    config.sleep_after_seconds !== undefined &&
    config.workspace_max_mb !== undefined &&
    config.warm_pool !== undefined
  )
    return config;
  return {
    ...config,
    sleep_after_seconds: config.sleep_after_seconds ?? DEFAULT_SLEEP_AFTER_SECONDS,
    workspace_max_mb: config.workspace_max_mb ?? DEFAULT_WORKSPACE_MAX_MB,
    warm_pool: config.warm_pool ?? null,
  };
}

/** Under limited networking, packages can only be installed if package registries are reachable. */
function assertPackagesReachable(config: EnvironmentConfig): void {
  if (config.type !== "cloud" || config.networking.type !== "limited") return;
  if (config.networking.allow_package_managers) return;
  if (PACKAGE_MANAGERS.every((manager) => config.packages[manager].length === 0)) return;
  const message =
    "packages require config.networking.allow_package_managers to be true under limited networking";
  throw new ApiError("invalid_request", message, { fields: [{ path: "config.packages", message }] });
}

/**
 * Builds the spec of a new environment. Without `config` the environment is a cloud one with
 * unrestricted networking and no packages. Throws `invalid_request` or `invalid_metadata`.
 */
export function environmentSpecFromCreate(body: EnvironmentCreate): EnvironmentSpec {
  const metadata = { ...body.metadata };
  assertValidMetadata(metadata);
  if (body.config?.type === "self_hosted") {
    // Sessions in a self-hosted environment run on the customer's own workers, which poll the
    // environment work API (poll, ack, heartbeat, stop). Clawplane has no such API yet, so such
    // an environment could never run a session: refused instead of stored.
    const message =
      'self_hosted environments are not supported yet (they need the environment work API); use config.type "cloud"';
    throw new ApiError("unsupported_environment_type", message, {
      fields: [{ path: "config.type", message }],
    });
  }
  const config = body.config ? resolveConfig(body.config, undefined) : defaultConfig();
  assertPackagesReachable(config);
  return {
    name: body.name,
    description: body.description ?? null,
    config,
    metadata,
    scope: body.scope ?? DEFAULT_SCOPE,
  };
}

/**
 * Derives the next spec from `current` and an update body.
 *
 * Omitted (or null) name, scope, config and metadata are preserved; null description clears it
 * while `""` is stored as given; omitted config fields preserve; metadata is a patch where null
 * or `""` deletes. Throws `environment_archived`, `invalid_config_type_change`,
 * `invalid_request` or `invalid_metadata`. `changed` is false when nothing would change.
 */
export function applyEnvironmentUpdate(
  current: EnvironmentSpec,
  body: EnvironmentUpdate,
  { archived }: { archived: boolean },
): { spec: EnvironmentSpec; changed: boolean } {
  if (archived)
    throw new ApiError("environment_archived", "The environment is archived and cannot be updated");
  if (body.config && body.config.type !== current.config.type) {
    const message = `config.type cannot change from ${current.config.type} to ${body.config.type}`;
    throw new ApiError("invalid_config_type_change", message, { fields: [{ path: "config.type", message }] });
  }
  const config = body.config ? resolveConfig(body.config, current.config) : current.config;
  assertPackagesReachable(config);
  const spec: EnvironmentSpec = {
    name: body.name ?? current.name,
    description: body.description === undefined ? current.description : body.description,
    config,
    metadata: body.metadata
      ? applyMetadataPatch(current.metadata, body.metadata, { emptyStringDeletes: true })
      : current.metadata,
    scope: body.scope ?? current.scope,
  };
  return { spec, changed: !jsonEqual(current, spec) };
}
