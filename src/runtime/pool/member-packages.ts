/**
 * A keyed pool member's package install while it warms: the same plugin method, key and set the
 * claiming session's install uses (session/environment-packages.ts), so that install finds the
 * set active (`clawplane.packages.status`) and the first turn does not wait for it.
 *
 * Over the gateway's WebSocket, as the session does: the admin HTTP RPC allowlists OpenClaw's own
 * admin methods only, not plugins' (openclaw-runtime.md, admin RPC). The member pairs a
 * throwaway device with its pool token; that token stops working at claim (the claim endpoint
 * switches the gateway to the session's token).
 */
import { PACKAGES_INSTALL_TIMEOUT_MS } from "../../config";
import { OPENCLAW_PORT } from "../agent-runtime";
import type { ContainerRuntime } from "../container-runtime";
import { connectWithPairing } from "../openclaw/admin-rpc";
import { DeviceIdentity } from "../openclaw/device-identity";
import { GatewayClient, type WebSocketLike } from "../openclaw/gateway-client";
import { PACKAGES_INSTALL_METHOD } from "../openclaw/packages-methods";

const GATEWAY_ORIGIN = "http://gateway.local";

interface InstallReply {
  result?: string;
  error?: { manager?: string | null; package?: string | null; message?: string } | null;
}

async function openSocket(runtime: ContainerRuntime): Promise<WebSocketLike> {
  const res = await runtime.fetch(
    OPENCLAW_PORT,
    new Request(`${GATEWAY_ORIGIN}/`, { headers: { Upgrade: "websocket" } }),
  );
  const ws = res.webSocket;
  if (!ws) throw new Error(`the gateway refused the WebSocket upgrade (HTTP ${res.status})`);
  ws.accept();
  return ws as unknown as WebSocketLike;
}

/** Installs `packages` into the member's gateway; rejects (the member fails to warm) when it cannot. */
export async function installPackages(
  runtime: ContainerRuntime,
  gatewayToken: string,
  packages: { key: string; set: Record<string, string[]> },
): Promise<void> {
  const client = new GatewayClient({
    connect: () => openSocket(runtime),
    token: gatewayToken,
    identity: await DeviceIdentity.generate(),
  });
  try {
    await connectWithPairing(client, {
      fetch: (url, init) => runtime.fetch(OPENCLAW_PORT, new Request(url, init)),
      origin: GATEWAY_ORIGIN,
      token: gatewayToken,
    });
    const reply = await client.request<InstallReply>(
      PACKAGES_INSTALL_METHOD,
      { key: packages.key, packages: packages.set },
      { timeoutMs: PACKAGES_INSTALL_TIMEOUT_MS },
    );
    if (reply?.result === "failed") {
      const e = reply.error ?? {};
      throw new Error(
        `installing ${e.manager ?? "?"} package "${e.package ?? "?"}" failed: ${e.message ?? "unknown"}`,
      );
    }
  } finally {
    client.close();
  }
}
