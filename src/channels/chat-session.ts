/**
 * The session a chat talks to: an ordinary session of the channel's agent (latest version) in
 * the channel's environment, tagged with the channel and chat in its metadata, so it shows in
 * the sessions API, the audit log and costs like any other.
 */
import type { ChannelRow } from "../db/channels";
import { getAgent } from "../db/agents";
import type { Db } from "../db/client";
import { getEnvironment } from "../db/environments";
import { ApiError } from "../errors";
import { newId } from "../lib/ids";
import { newSessionRecord } from "../session/session-record";
import { sessionClient } from "../session/stub";

/** The chat's session if it can still take messages, else undefined. */
export async function liveSession(env: Env, sessionId: string | undefined): Promise<string | undefined> {
  if (!sessionId) return undefined;
  const session = await sessionClient(env, sessionId)
    .describe()
    .catch((err: unknown) => {
      if (err instanceof ApiError && err.code === "session_not_found") return undefined;
      throw err;
    });
  return session && session.status !== "terminated" ? session.id : undefined;
}

export async function newChatSession(
  env: Env,
  db: Db,
  channel: ChannelRow,
  chatKey: string,
  apiOrigin: string,
): Promise<string> {
  const agent = await getAgent(db, channel.agentId);
  const environment = await getEnvironment(db, channel.environmentId);
  const record = newSessionRecord({
    id: newId("session"),
    agent: { id: agent.id, type: "agent", ...agent.spec, version: agent.version },
    environment,
    title: `${channel.platform} chat ${chatKey}`.slice(0, 200),
    metadata: {
      source: "channel",
      channel_id: channel.id,
      platform: channel.platform,
      chat: chatKey.slice(0, 200),
    },
    apiOrigin,
  });
  await sessionClient(env, record.id).create(record, []);
  return record.id;
}
