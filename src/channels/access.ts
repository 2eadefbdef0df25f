/**
 * Who may talk to a channel's agent: the channel's allowlist of platform user ids (`*` = anyone),
 * and in groups only messages addressed to the bot (a mention, a command aimed at it, a reply).
 */
import type { ChannelConfig } from "../db/channels";
import type { Inbound } from "./platform";

export type Admission = "admitted" | "stranger" | "not_addressed";

export function admit(config: ChannelConfig, inbound: Inbound): Admission {
  const anyone = config.allowedUsers.length === 1 && config.allowedUsers[0] === "*";
  if (!anyone && !config.allowedUsers.includes(inbound.userId)) return "stranger";
  if (inbound.kind === "message" && inbound.isGroup && !inbound.addressed) return "not_addressed";
  return "admitted";
}
