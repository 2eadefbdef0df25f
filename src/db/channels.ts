/**
 * Channel rows: create, find, list, remove, and the delivery counters the chats' objects keep
 * (messages in, replies out, refused webhooks, platform errors and the last one).
 */
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import { notFound } from "../errors";
import { decodeCursor, toPage } from "../lib/cursor";
import type { Db } from "./client";
import { beyondCursor } from "./paging";
import { channels, planeMembers } from "./schema";

export type ChannelRow = typeof channels.$inferSelect;
export type NewChannelRow = typeof channels.$inferInsert;

/** The public configuration a channel keeps beside its sealed secrets. */
export interface ChannelConfig {
  allowedUsers: string[];
  rateLimitPerMinute: number;
  bot: { id?: string; username?: string; teamId?: string };
  phoneNumberId?: string;
}

export const configOf = (row: ChannelRow) => row.config as ChannelConfig;

export async function insertChannel(db: Db, row: NewChannelRow): Promise<ChannelRow> {
  const [inserted] = await db.insert(channels).values(row).returning();
  if (!inserted) throw new Error("channel insert returned nothing");
  return inserted;
}

/** A live channel; removed and unknown ones are the same 404. */
export async function getChannel(db: Db, id: string): Promise<ChannelRow> {
  const row = await db
    .select()
    .from(channels)
    .where(and(eq(channels.id, id), isNull(channels.deletedAt)))
    .get();
  if (!row) throw notFound("channel_not_found", "channel", id);
  return row;
}

/** Is this live channel bound to `agentId` (what a plane member may see)? */
export async function channelOfAgent(db: Db, id: string, agentId: string): Promise<boolean> {
  const row = await db
    .select({ id: channels.id })
    .from(channels)
    .where(and(eq(channels.id, id), eq(channels.agentId, agentId), isNull(channels.deletedAt)))
    .get();
  return row !== undefined;
}

export async function listChannels(
  db: Db,
  q: { limit: number; page?: string; agentId?: string },
): Promise<{ data: ChannelRow[]; next_page: string | null }> {
  const cursor = q.page ? decodeCursor(q.page) : null;
  const rows = await db
    .select()
    .from(channels)
    .where(
      and(
        isNull(channels.deletedAt),
        q.agentId === undefined ? undefined : eq(channels.agentId, q.agentId),
        beyondCursor(channels.createdAt, channels.id, cursor),
      ),
    )
    .orderBy(desc(channels.createdAt), desc(channels.id))
    .limit(q.limit + 1);
  return toPage(rows, q.limit, (r) => ({ key: r.createdAt, id: r.id }));
}

export async function markChannelDeleted(db: Db, id: string, at: number): Promise<void> {
  await db.update(channels).set({ deletedAt: at }).where(eq(channels.id, id));
}

/** Adds to a channel's counters; `error` also becomes its last error. */
export async function countChannel(
  db: Db,
  id: string,
  add: { messagesIn?: number; repliesOut?: number; refused?: number; errors?: number },
  error?: { message: string; at: number },
): Promise<void> {
  await db
    .update(channels)
    .set({
      messagesIn: sql`${channels.messagesIn} + ${add.messagesIn ?? 0}`,
      repliesOut: sql`${channels.repliesOut} + ${add.repliesOut ?? 0}`,
      refused: sql`${channels.refused} + ${add.refused ?? 0}`,
      errors: sql`${channels.errors} + ${add.errors ?? 0}`,
      ...(error ? { lastError: error.message.slice(0, 500), lastErrorAt: error.at } : {}),
    })
    .where(eq(channels.id, id));
}

/** The live plane member whose agent this is, if any: their plane and own environment. */
export async function memberOfAgent(
  db: Db,
  agentId: string,
): Promise<{ planeId: string; environmentId: string } | undefined> {
  return db
    .select({ planeId: planeMembers.planeId, environmentId: planeMembers.environmentId })
    .from(planeMembers)
    .where(and(eq(planeMembers.agentId, agentId), isNull(planeMembers.removedAt)))
    .get();
}
