/**
 * A member's logs for plane oversight: the events of every session of the member's agent,
 * oldest session first, each event redacted (src/planes/redact.ts). Read from each session's
 * own object (`listEvents`), so nothing is copied out of the session that owns it.
 *
 * Paging: a cursor names the session (by creation time and id) and the last event seq read in
 * it. Follow mode subscribes to the live stream of every live session of the member, and picks
 * up sessions created while following by re-reading the session index every few seconds.
 *
 * OpenClaw's own process output is not collected by the platform (containers' stdout goes to
 * Cloudflare's container logs), so items are session events only; runtime failures surface as
 * the `session.error` events the session emits.
 */
import { and, asc, eq, gt, gte, isNull, or } from "drizzle-orm";
import { SSE_KEEPALIVE_MS } from "../config";
import type { Db } from "../db/client";
import { sessions } from "../db/schema";
import { decodeCursor, encodeCursor } from "../lib/cursor";
import { describeError, log } from "../lib/log";
import type { WireEvent } from "../session/event-log";
import { sessionClient } from "../session/stub";
import type { MemberRow } from "./members";
import { type Redactor, redactDeep } from "./redact";

export interface LogItem {
  session_id: string;
  event: WireEvent;
}

/** How often follow mode looks for new sessions of the member. */
const FOLLOW_SESSION_POLL_MS = 2_000;

/** The member's sessions from `from` on (inclusive), oldest first. */
function memberSessions(db: Db, agentId: string, from?: { createdAt: number; id: string }) {
  return db
    .select({ id: sessions.id, createdAt: sessions.createdAt })
    .from(sessions)
    .where(
      and(
        eq(sessions.agentId, agentId),
        from
          ? or(
              gt(sessions.createdAt, from.createdAt),
              and(eq(sessions.createdAt, from.createdAt), gte(sessions.id, from.id)),
            )
          : undefined,
      ),
    )
    .orderBy(asc(sessions.createdAt), asc(sessions.id));
}

/** One page of a member's log items, oldest first. */
export async function memberLogPage(
  db: Db,
  env: Env,
  member: MemberRow,
  redact: Redactor,
  q: { limit: number; page?: string },
): Promise<{ data: LogItem[]; next_page: string | null }> {
  // Cursor: key = last seq read, id = "<session created_at>:<session id>".
  const cursor = q.page ? decodeCursor(q.page) : null;
  const [createdText, cursorSession] = cursor ? cursor.id.split(":") : [];
  const from = cursor && cursorSession ? { createdAt: Number(createdText), id: cursorSession } : undefined;
  const list = await memberSessions(db, member.agentId, from);
  const data: LogItem[] = [];
  let last: { seq: number; session: { id: string; createdAt: number } } | null = null;
  let more = false;
  for (const session of list) {
    const afterSeq = from && session.id === from.id ? (cursor?.key ?? 0) : 0;
    const room = q.limit - data.length;
    const { rows } = await sessionClient(env, session.id)
      .listEvents({ limit: room, order: "asc", cursorSeq: afterSeq })
      .catch((err: unknown) => {
        // Deleted between the index read and now: it has no events left to show.
        log("debug", "plane logs: session unreadable", { session_id: session.id, ...describeError(err) });
        return { rows: [] };
      });
    for (const row of rows.slice(0, room)) {
      data.push({ session_id: session.id, event: redactDeep(row.event, redact) });
      last = { seq: row.seq, session };
    }
    if (rows.length > room) {
      more = true;
      break;
    }
    if (data.length >= q.limit) {
      // Full: another page exists if any later session has events; let the next call find out.
      more = list.indexOf(session) < list.length - 1;
      break;
    }
  }
  const next_page =
    more && last ? encodeCursor({ key: last.seq, id: `${last.session.createdAt}:${last.session.id}` }) : null;
  return { data, next_page };
}

const encoder = new TextEncoder();

/** `?follow=true`: live log items over SSE (`event: log`), until the client goes away. */
export function followMemberLogs(
  db: Db,
  env: Env,
  member: MemberRow,
  redact: Redactor,
  signal: AbortSignal,
): Response {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const followed = new Set<string>();
  const readers: Array<ReadableStreamDefaultReader<Uint8Array>> = [];
  let closed = false;

  const write = (text: string) => {
    if (!closed) void writer.write(encoder.encode(text)).catch(() => stop());
  };

  const stop = () => {
    if (closed) return;
    closed = true;
    clearInterval(poll);
    clearInterval(keepalive);
    for (const reader of readers) void reader.cancel().catch(() => undefined);
    void writer.close().catch(() => undefined);
  };

  const follow = async (sessionId: string) => {
    if (followed.has(sessionId) || closed) return;
    followed.add(sessionId);
    const res = await sessionClient(env, sessionId).stream(new Request("http://session/stream"));
    if (!res.ok || !res.body) return;
    const reader = res.body.getReader();
    readers.push(reader);
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const chunk = await reader.read().catch(() => ({ done: true as const, value: undefined }));
      if (chunk.done || closed) return;
      buffer += decoder.decode(chunk.value, { stream: true });
      for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block
          .split("\n")
          .filter((line) => line.startsWith("data:"))
          .map((line) => line.slice(5).replace(/^ /, ""))
          .join("\n");
        if (!data) continue;
        const event = redactDeep(JSON.parse(data) as WireEvent, redact);
        const item: LogItem = { session_id: sessionId, event };
        write(`id: ${sessionId}:${event.id}\nevent: log\ndata: ${JSON.stringify(item)}\n\n`);
      }
    }
  };

  const discover = async () => {
    try {
      const live = await db
        .select({ id: sessions.id })
        .from(sessions)
        .where(and(eq(sessions.agentId, member.agentId), isNull(sessions.archivedAt)));
      for (const { id } of live) {
        void follow(id).catch((err: unknown) => {
          log("warn", "plane logs: following a session failed", { session_id: id, ...describeError(err) });
        });
      }
    } catch (err) {
      log("warn", "plane logs: session discovery failed", { member_id: member.id, ...describeError(err) });
    }
  };

  const poll = setInterval(() => void discover(), FOLLOW_SESSION_POLL_MS);
  const keepalive = setInterval(() => write(": keepalive\n\n"), SSE_KEEPALIVE_MS);
  signal.addEventListener("abort", stop);
  write(": connected\n\n");
  void discover();
  return new Response(readable, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache", "x-accel-buffering": "no" },
  });
}
