/**
 * OpenClaw runtime versions a plane may run. A version is only real if this deployment ships a
 * runtime image for it, so the accepted list is configuration, not a guess: `PLANE_RUNTIME_VERSIONS`
 * (comma-separated) when set, else just the version bundled in container/package.json — the one
 * the container image and the local runtime are built from.
 */
import containerPackage from "../../container/package.json";
import { ApiError } from "../errors";

/** The OpenClaw version pinned for the container image. */
export const BUNDLED_RUNTIME_VERSION: string = containerPackage.dependencies.openclaw;

export function availableRuntimeVersions(env: Env): string[] {
  const configured = (env.PLANE_RUNTIME_VERSIONS ?? "")
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean);
  return configured.length ? configured : [BUNDLED_RUNTIME_VERSION];
}

/** The version as given, or 400 naming the versions this deployment has. */
export function assertRuntimeVersion(env: Env, version: string, path: string): string {
  const available = availableRuntimeVersions(env);
  if (!available.includes(version)) {
    throw new ApiError(
      "invalid_request",
      `runtime version ${version} is not available in this deployment; available: ${available.join(", ")}`,
      {
        fields: [{ path, message: "unknown runtime version" }],
        details: { available_runtime_versions: available },
      },
    );
  }
  return version;
}

/** The version new planes start on: the bundled one when offered, else the first configured. */
export function defaultRuntimeVersion(env: Env): string {
  const available = availableRuntimeVersions(env);
  return available.includes(BUNDLED_RUNTIME_VERSION) ? BUNDLED_RUNTIME_VERSION : (available[0] as string);
}
