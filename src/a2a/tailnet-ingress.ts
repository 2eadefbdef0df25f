/**
 * Our agents' A2A endpoints as the tailnet reaches them: through the tailnet connector, which
 * relays only `/a2a/agents/<id>/…` and marks each request with the connector token and its own
 * tailnet origin (so cards name the tailnet URL peers should call back on).
 *
 * Two doors lead here, one per deployment kind: on Cloudflare the connector's container calls
 * `worker.clawplane.internal`, intercepted to {@link TailnetIngressEntrypoint}; off Cloudflare the
 * connector process calls the Worker's `/a2a` route (src/routes/a2a.ts). Both check the token.
 * Peers still authenticate with the credential we issued them (src/a2a/inbound.ts): the connector
 * vouches for the path, never for the peer.
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import { newId } from "../lib/ids";
import { agentCard, handleA2aCall } from "./inbound";
import { CONNECTOR_TOKEN_HEADER, type TailnetConnectorEnv } from "./tailnet-connector-do";

export const TAILNET_ORIGIN_HEADER = "x-clawplane-tailnet-origin";
const CARD = /^\/a2a\/agents\/([A-Za-z0-9_-]{1,128})\/\.well-known\/agent-card\.json$/;
const RPC = /^\/a2a\/agents\/([A-Za-z0-9_-]{1,128})\/v1$/;

async function sha256(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
}

/** Whether `request` was relayed by our tailnet connector (constant-time token comparison). */
export async function fromTailnetConnector(request: Request, env: Env): Promise<boolean> {
  const expected = (env as unknown as TailnetConnectorEnv).TAILNET_CONNECTOR_TOKEN;
  const presented = request.headers.get(CONNECTOR_TOKEN_HEADER);
  if (!expected || !presented) return false;
  const [a, b] = await Promise.all([sha256(presented), sha256(expected)]);
  return crypto.subtle.timingSafeEqual(a, b);
}

/** The tailnet origin the connector announced (`http://<name>.<tailnet>.ts.net[:port]`), if well-formed. */
function tailnetOrigin(request: Request): string | null {
  const raw = request.headers.get(TAILNET_ORIGIN_HEADER) ?? "";
  try {
    const url = new URL(raw);
    return url.protocol === "http:" && url.pathname === "/" ? url.origin : null;
  } catch {
    return null;
  }
}

export interface IngressContext {
  env: Env;
  requestId: string;
  waitUntil: (promise: Promise<unknown>) => void;
}

/** One relayed request: the card or a JSON-RPC call; anything else is a 404. */
export async function serveTailnetIngress(request: Request, ctx: IngressContext): Promise<Response> {
  const url = new URL(request.url);
  const origin = tailnetOrigin(request) ?? url.origin;
  const card = CARD.exec(url.pathname);
  if (card?.[1] && request.method === "GET") {
    return agentCard(ctx.env, card[1], `${origin}/a2a/agents/${card[1]}/v1`);
  }
  const rpc = RPC.exec(url.pathname);
  if (rpc?.[1] && request.method === "POST") {
    return handleA2aCall(request, {
      env: ctx.env,
      agentId: rpc[1],
      apiOrigin: url.origin,
      requestId: ctx.requestId,
      waitUntil: ctx.waitUntil,
      via: "tailnet_connector",
    });
  }
  return Response.json({ error: "Not Found" }, { status: 404 });
}

/** The door of the connector's container (props unused: the token is the proof). */
export class TailnetIngressEntrypoint extends WorkerEntrypoint<Env> {
  override async fetch(request: Request): Promise<Response> {
    if (!(await fromTailnetConnector(request, this.env)))
      return Response.json({ error: "Unauthorized" }, { status: 401 });
    return serveTailnetIngress(request, {
      env: this.env,
      requestId: newId("request"),
      waitUntil: (promise) => this.ctx.waitUntil(promise),
    });
  }
}
