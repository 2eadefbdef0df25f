/**
 * Vitest global setup (runs in Node, outside workerd): starts the deterministic model server
 * (test/support/model-server.mjs) and the MCP server double (test/support/mcp-server.mjs) once
 * for the whole run and provides their URLs, which the config passes into workerd as the
 * `MODEL_SERVER_URL` and `MCP_SERVER_URL` bindings; and the A2A peer double
 * (test/support/a2a-peer.mjs), reached through the tailnet transport's loopback double as
 * `peer-b.tail0000.ts.net` (`TAILNET_LOOPBACK_HOSTS`).
 *
 * The server's mode (`POST /__mode`) is global: test files that change it must not run
 * against it concurrently with other files that depend on its normal behaviour.
 */
import type { TestProject } from "vitest/node";
import { A2A_PEER_TOKEN, TAILSCALE_CLIENT } from "./helpers/tailnet";
import { startTailnetConnector } from "../scripts/tailnet-connector.mjs";
import { startA2aPeer } from "./support/a2a-peer.mjs";
import { startMcpServer } from "./support/mcp-server.mjs";
import { startModelServer } from "./support/model-server.mjs";
import { startTeleportTenant } from "./support/teleport/tenant.mjs";
import { startTailscaleApi } from "./support/tailscale-api.mjs";
import { startSlackDouble } from "./support/slack-double.mjs";
import { startTelegramDouble } from "./support/telegram-double.mjs";
import { startWhatsAppDouble } from "./support/whatsapp-double.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    /** Base URL of the model server, ending in /v1. */
    modelServerUrl: string;
    /** The MCP double's endpoint (Streamable HTTP). */
    mcpServerUrl: string;
    /** The Teleport connector on the tsh/tbot doubles, its token, and the tenant door. */
    beamsConnectorUrl: string;
    beamsConnectorToken: string;
    teleportTenantUrl: string;
    /** The A2A peer double's port (reached as `peer-b.tail0000.ts.net` through the loopback transport). */
    a2aPeerPort: number;
    /** The Tailscale API double (key minting for the tailnet connector). */
    tailscaleApiUrl: string;
    /** The tailnet connector process (its loopback-double transport) and its token. */
    tailnetConnectorUrl: string;
    tailnetConnectorToken: string;
    /** The Telegram Bot API double's origin. */
    telegramApiUrl: string;
    /** The Slack Web API double's API base (…/api). */
    slackApiUrl: string;
    /** The WhatsApp Cloud API (Graph) double's origin. */
    whatsappApiUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startModelServer({ port: 0 });
  const mcp = await startMcpServer({ port: 0 });
  const tailscale = await startTailscaleApi({
    clients: { [TAILSCALE_CLIENT.id]: { secret: TAILSCALE_CLIENT.secret, tags: ["tag:clawplane-agent"] } },
  });
  const peer = await startA2aPeer({ tokens: { clawplane: A2A_PEER_TOKEN }, rateLimitPerMinute: 0 });
  project.provide("modelServerUrl", server.url);
  project.provide("mcpServerUrl", mcp.url);
  const teleport = await startTeleportTenant();
  project.provide("beamsConnectorUrl", teleport.connectorUrl);
  project.provide("beamsConnectorToken", teleport.token);
  project.provide("teleportTenantUrl", teleport.doorUrl);
  project.provide("a2aPeerPort", peer.port);
  project.provide("tailscaleApiUrl", tailscale.origin);
  // The connector's ingress relays to a Worker origin workerd's SELF has none of: unused here
  // (test/runtime/tailnet-connector.test.ts covers it against wrangler dev).
  const connectorToken = `connector-${crypto.randomUUID()}`;
  const connector = await startTailnetConnector({
    token: connectorToken,
    workerOrigin: "http://127.0.0.1:9",
    port: 0,
    ingressPort: 0,
    transport: "loopback_double",
    loopbackHosts: `peer-b.tail0000.ts.net=127.0.0.1:${peer.port}`,
  });
  project.provide("tailnetConnectorUrl", connector.origin);
  project.provide("tailnetConnectorToken", connectorToken);
  const telegram = await startTelegramDouble();
  project.provide("telegramApiUrl", telegram.origin);
  const slack = await startSlackDouble();
  project.provide("slackApiUrl", `${slack.origin}/api`);
  const whatsapp = await startWhatsAppDouble();
  project.provide("whatsappApiUrl", whatsapp.origin);
  return async () => {
    await teleport.close();
    await server.close();
    await mcp.close();
    await peer.close();
    await tailscale.close();
    await connector.close();
    await telegram.close();
    await slack.close();
    await whatsapp.close();
  };
}
