/**
 * The peer tools as a session's runtime gets them: `peer_send` and `peer_list`
 * (container/plugins/clawplane-peers), offered only to an agent granted at least one outbound
 * tailnet peer when its runtime starts. The runtime gets the URL of the Worker's peer calls
 * (src/a2a/outbound.ts) and nothing else: it authenticates with the session token it already
 * has, and never holds a peer's token.
 */
import { createDb } from "../db/client";
import { outboundPeersOf } from "../peers/peer-store";
import type { GatewayToolPolicy } from "./tool-policy";

export const PEER_TOOL_NAMES = ["peer_send", "peer_list"] as const;

/** Whether `agentId` has an outbound peer now (the tools are decided at runtime start). */
export async function offersPeerTools(env: Env, agentId: string): Promise<boolean> {
  return (await outboundPeersOf(createDb(env.DB), agentId)).length > 0;
}

/**
 * The agent's tool policy with the peer tools allowed, for a runtime that offers them: the
 * runtime's policy plugin then lets them run, and OpenClaw's tool lists offer them. The Worker
 * decides each call itself (the peer must be granted to the agent), so "allow" here hides nothing.
 */
export function withPeerTools(policy: GatewayToolPolicy): GatewayToolPolicy {
  return {
    ...policy,
    tools: { ...policy.tools, ...Object.fromEntries(PEER_TOOL_NAMES.map((n) => [n, "allow" as const])) },
  };
}

/** Whether `tool` is a peer tool (only offered by a runtime whose agent has peers). */
export const isPeerTool = (tool: string): boolean => (PEER_TOOL_NAMES as readonly string[]).includes(tool);
