/**
 * The environment's packages (`config.packages`) in a session's runtime: installed after the
 * runtime is up and before the session's first turn runs, by Clawplane's packages plugin inside
 * the gateway (container/plugins/clawplane-packages), over the session's own gateway link.
 *
 * Install after claim, not at boot: the runtime boots with a generic config (the same image,
 * entrypoint and env for every package set), and the set arrives over the link. So a runtime
 * booted ahead of time (a warm pool) serves any environment, and the container and local
 * runtimes install the same way, through the same plugin. The plugin keeps a cache keyed by
 * {@link packageSetKey}: a set installed once is restored, not installed again.
 *
 * Progress is the span pair `span.packages_install_start` / `span.packages_install_end` (the
 * catalog in src/schemas/session-events.ts). A failure names the package and carries the
 * installer's own message; the caller reports it as `session.error` and runs no turn.
 */
import { PACKAGES_INSTALL_TIMEOUT_MS } from "../config";
import { sha256Hex } from "../lib/crypto";
import type { GatewayClient } from "../runtime/openclaw/gateway-client";
import { PACKAGE_MANAGERS, type PackageManager, type Packages } from "../schemas/environments";
import type { SessionEvent, SessionEventBody, SessionEventBodyOf } from "../schemas/session-events";

import { PACKAGES_INSTALL_METHOD, PACKAGES_STATUS_METHOD } from "../runtime/openclaw/packages-methods";

export { PACKAGES_INSTALL_METHOD, PACKAGES_STATUS_METHOD };

/**
 * Part of every cache key: bumped when the installed layout changes, so a new installer never
 * restores a set an older one laid out differently.
 */
const INSTALL_LAYOUT = "clawplane-packages/1";

/** Managers with packages, each list de-duplicated and sorted: the same set, the same form. */
export type PackageSet = Partial<Record<PackageManager, string[]>>;

type InstallEnd = SessionEventBodyOf<"span.packages_install_end">;

/** What the plugin answers to an install: the end event's fields, as the plugin measured them. */
type InstallReply = Pick<InstallEnd, "result" | "steps" | "error">;

/** The set to install for `packages`; empty when there is nothing to install. */
export function normalizedPackageSet(packages: Packages | undefined): PackageSet {
  const set: PackageSet = {};
  for (const manager of PACKAGE_MANAGERS) {
    const list = [...new Set(packages?.[manager] ?? [])].sort();
    if (list.length > 0) set[manager] = list;
  }
  return set;
}

/** The cache key of a set: a SHA-256 over the normalized set and the install layout. */
export async function packageSetKey(set: PackageSet): Promise<string> {
  const ordered = PACKAGE_MANAGERS.filter((m) => set[m]).map((m) => [m, set[m]]);
  return sha256Hex(JSON.stringify([INSTALL_LAYOUT, ordered]));
}

/** The `session.error` text for a failed install: the package, then the installer's words. */
export function installFailureMessage(error: NonNullable<InstallEnd["error"]>): string {
  if (!error.manager || !error.package)
    return `The environment's packages could not be installed: ${error.message}`;
  return `Installing ${error.manager} package "${error.package}" failed: ${error.message}`;
}

/**
 * Makes sure the runtime behind `client` holds `set`, installing it (with the span pair) when it
 * does not. Null once the set is usable; otherwise the failure, for `session.error`.
 */
export async function installEnvironmentPackages(
  client: Pick<GatewayClient, "request">,
  set: PackageSet,
  emit: (event: SessionEventBody) => SessionEvent,
): Promise<string | null> {
  const key = await packageSetKey(set);
  // A runtime that already holds the set (a reconnect, a restarted session object) says so at once.
  const status = await client
    .request<{ active?: boolean }>(PACKAGES_STATUS_METHOD, { key })
    .catch(() => null);
  if (status?.active === true) return null;

  const start = emit({ type: "span.packages_install_start", packages: set, cache_key: key });
  const startedAt = Date.now();
  let reply: InstallReply;
  try {
    reply = await client.request<InstallReply>(
      PACKAGES_INSTALL_METHOD,
      { key, packages: set },
      { timeoutMs: PACKAGES_INSTALL_TIMEOUT_MS },
    );
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    reply = { result: "failed", steps: [], error: { manager: null, package: null, message } };
  }
  const failed = reply.result === "failed";
  const error = failed ? (reply.error ?? { manager: null, package: null, message: "unknown failure" }) : null;
  emit({
    type: "span.packages_install_end",
    packages_install_start_id: start.id,
    result: reply.result,
    duration_ms: Date.now() - startedAt,
    steps: reply.steps ?? [],
    error,
  });
  return error ? installFailureMessage(error) : null;
}
