/**
 * The A2A ingress of our agents (src/a2a/inbound.ts), mounted at `/a2a` outside the `/v1/*`
 * API-key layers: its callers are tailnet peers, authenticated by the credentials we issued them.
 *
 *   GET  /a2a/agents/{agent_id}/.well-known/agent-card.json   the agent's public card
 *   POST /a2a/agents/{agent_id}/v1                            JSON-RPC: SendMessage, GetTask
 *
 * Peers reach it from the tailnet through the tailnet connector (src/a2a/tailnet-ingress.ts;
 * off Cloudflare the connector process calls this route with the connector token). Over the
 * Worker's public HTTPS it answers only when the deployment enables it
 * (`A2A_PUBLIC_INGRESS = "true"`), with the same credentials; otherwise 404, as if it were not there.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { agentCard, handleA2aCall } from "../a2a/inbound";
import { fromTailnetConnector, serveTailnetIngress } from "../a2a/tailnet-ingress";
import type { AppEnv } from "../app-env";

export const A2A_ROUTE = "/a2a";
/** Largest JSON-RPC request a peer may send (OpenClaw's A2A channel takes 1 MiB too). */
const MAX_A2A_BODY_BYTES = 1_048_576;

export const a2aRoutes = new Hono<AppEnv>();

a2aRoutes.use(
  "*",
  bodyLimit({ maxSize: MAX_A2A_BODY_BYTES, onError: (c) => c.json({ error: "Payload Too Large" }, 413) }),
);
// Relayed from the tailnet by our connector: served whatever the public setting.
a2aRoutes.use("*", async (c, next) => {
  if (await fromTailnetConnector(c.req.raw, c.env)) {
    return serveTailnetIngress(c.req.raw, {
      env: c.env,
      requestId: c.get("requestId"),
      waitUntil: (promise) => c.executionCtx.waitUntil(promise),
    });
  }
  if (c.env.A2A_PUBLIC_INGRESS !== "true") return c.json({ error: "Not Found" }, 404);
  await next();
});

const endpointOf = (url: string, agentId: string) =>
  `${new URL(url).origin}${A2A_ROUTE}/agents/${agentId}/v1`;

a2aRoutes.get("/agents/:agent_id/.well-known/agent-card.json", (c) =>
  agentCard(c.env, c.req.param("agent_id"), endpointOf(c.req.url, c.req.param("agent_id"))),
);

a2aRoutes.post("/agents/:agent_id/v1", (c) =>
  handleA2aCall(c.req.raw, {
    env: c.env,
    agentId: c.req.param("agent_id"),
    apiOrigin: new URL(c.req.url).origin,
    requestId: c.get("requestId"),
    waitUntil: (promise) => c.executionCtx.waitUntil(promise),
    via: "public_https",
  }),
);
