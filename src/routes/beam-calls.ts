/**
 * The `beam_agent` tool's HTTP front door (src/entrypoints/beam-calls.ts), mounted at
 * `/beams/v1` outside the `/v1/*` API-key layers: its callers are local session runtimes (dev and
 * tests), which authenticate with their session token. Containers reach the same handler through
 * `BeamCallEntrypoint` on the intercepted host `beams.clawplane.internal`.
 */
import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { handleBeamCall } from "../entrypoints/beam-calls";

export const BEAM_CALLS_ROUTE = "/beams/v1";

export const beamCallRoutes = new Hono<AppEnv>();
beamCallRoutes.all("*", (c) =>
  handleBeamCall(c.req.raw, new URL(c.req.url).pathname.slice(BEAM_CALLS_ROUTE.length), {
    env: c.env,
    requestId: c.get("requestId"),
  }),
);
