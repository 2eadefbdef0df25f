/**
 * The record of every message between our agents and tailnet peers (table `peer_messages`):
 * one row per message in or out, written when it ends. Alongside the audit row of the same
 * message (`peers.message_in` / `peers.message_out`), it carries what an audit row has no room
 * for: the agent, the session, the size each way, the task state and the path taken.
 */
import { desc, eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { peerMessages } from "../db/schema";
import { newId } from "../lib/ids";
import { describeError, log } from "../lib/log";
import { toRfc3339 } from "../lib/time";

export type PeerMessageRow = typeof peerMessages.$inferSelect;
export type PeerMessageVia = "tailnet_connector" | "loopback_double" | "public_https";

export const utf8Bytes = (text: string) => new TextEncoder().encode(text).length;

/** Writes one row; a failed write is logged, never fails the message. */
export async function recordPeerMessage(
  db: Db,
  row: Omit<PeerMessageRow, "id" | "at"> & { at?: number },
): Promise<void> {
  await db
    .insert(peerMessages)
    .values({ id: newId("peerMessage"), at: row.at ?? Date.now(), ...row })
    .catch((err) =>
      log("error", "peer message record failed", { peer_id: row.peerId, ...describeError(err) }),
    );
}

export async function peerMessagesOf(db: Db, peerId: string, limit: number): Promise<PeerMessageRow[]> {
  return db
    .select()
    .from(peerMessages)
    .where(eq(peerMessages.peerId, peerId))
    .orderBy(desc(peerMessages.at))
    .limit(limit);
}

export function peerMessageToWire(row: PeerMessageRow) {
  return {
    type: "peer_message" as const,
    id: row.id,
    at: toRfc3339(row.at),
    direction: row.direction,
    peer_id: row.peerId,
    agent_id: row.agentId,
    session_id: row.sessionId,
    bytes_in: row.bytesIn,
    bytes_out: row.bytesOut,
    outcome: row.outcome === "success" ? ("success" as const) : ("failure" as const),
    state: row.state,
    via: row.via,
    duration_ms: row.durationMs,
  };
}
