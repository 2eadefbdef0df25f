/**
 * The peer tools' HTTP front door (src/a2a/outbound.ts), mounted at `/peers/v1` outside the
 * `/v1/*` API-key layers: its callers are local session runtimes (dev and tests), which
 * authenticate with their session token. Containers reach the same handler through
 * `PeerCallEntrypoint` on the intercepted host `peers.clawplane.internal`.
 */
import { Hono } from "hono";
import { handlePeerCall } from "../a2a/outbound";
import type { AppEnv } from "../app-env";

export const PEER_CALLS_ROUTE = "/peers/v1";

export const peerCallRoutes = new Hono<AppEnv>();
peerCallRoutes.all("*", (c) =>
  handlePeerCall(c.req.raw, new URL(c.req.url).pathname.slice(PEER_CALLS_ROUTE.length), {
    env: c.env,
    requestId: c.get("requestId"),
    waitUntil: (promise) => c.executionCtx.waitUntil(promise),
  }),
);
