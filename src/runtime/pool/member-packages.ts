/**
 * A keyed pool member's package install while it warms: the same plugin method, key and set the
 * claiming session's install uses (session/environment-packages.ts), so that install finds the
 * set active (`clawplane.packages.status`) and the first turn does not wait for it.
 */
import { PACKAGES_INSTALL_TIMEOUT_MS } from "../../config";
import { OPENCLAW_PORT } from "../agent-runtime";
import type { ContainerRuntime } from "../container-runtime";
import { adminRpc } from "../openclaw/admin-rpc";
import { PACKAGES_INSTALL_METHOD } from "../openclaw/packages-methods";

const GATEWAY_ORIGIN = "http://gateway.local";

interface InstallReply {
  result?: string;
  error?: { manager?: string | null; package?: string | null; message?: string } | null;
}

/** Installs `packages` into the member's gateway; rejects (the member fails to warm) when it cannot. */
export async function installPackages(
  runtime: ContainerRuntime,
  gatewayToken: string,
  packages: { key: string; set: Record<string, string[]> },
): Promise<void> {
  const reply = await adminRpc<InstallReply>(
    (url, init) =>
      runtime.fetch(
        OPENCLAW_PORT,
        new Request(url, { ...init, signal: AbortSignal.timeout(PACKAGES_INSTALL_TIMEOUT_MS) }),
      ),
    GATEWAY_ORIGIN,
    gatewayToken,
    PACKAGES_INSTALL_METHOD,
    { key: packages.key, packages: packages.set },
  );
  if (reply?.result === "failed") {
    const e = reply.error ?? {};
    throw new Error(
      `installing ${e.manager ?? "?"} package "${e.package ?? "?"}" failed: ${e.message ?? "unknown"}`,
    );
  }
}
