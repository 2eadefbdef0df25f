/**
 * The peer tools as a session's runtime gets them: `peer_send` and `peer_list`
 * (container/plugins/clawplane-peers), offered only to an agent granted at least one outbound
 * tailnet peer when its runtime starts. The runtime gets the URL of the Worker's peer calls
 * (src/a2a/outbound.ts) and nothing else: it authenticates with the session token it already
 * has, and never holds a peer's token.
 */
import { createDb } from "../db/client";
import type { OpenClawToolsConfig } from "./tool-policy";
import { outboundPeersOf } from "../peers/peer-store";

/** Env var with the base URL of the Worker's peer calls; absent = the plugin registers no tool. */
export const PEERS_URL_ENV = "CLAWPLANE_PEERS_URL";
export const PEER_TOOL_NAMES = ["peer_send", "peer_list"] as const;

/** Whether `agentId` has an outbound peer now (the tools are decided at runtime start). */
export async function offersPeerTools(env: Env, agentId: string): Promise<boolean> {
  return (await outboundPeersOf(createDb(env.DB), agentId)).length > 0;
}

/**
 * The tools config with the peer tools let through: added to an allow list, and an agent with
 * no other tool (`deny: ["*"]`) offered exactly these. Without an allow list everything not
 * denied is offered already.
 */
export function withPeerTools(config: OpenClawToolsConfig): OpenClawToolsConfig {
  const deny = config.deny.filter((n) => n !== "*");
  if (!config.allow && deny.length === config.deny.length) return config;
  return { allow: [...new Set([...(config.allow ?? []), ...PEER_TOOL_NAMES])].sort(), deny };
}
