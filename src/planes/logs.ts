import { SSE_KEEPALIVE_MS } from "../config";
import type { Db } from "../db/client";
import { agentSessions, liveSessionIds, sessionRunsAgent } from "../db/sessions";
import { decodeCursor, encodeCursor } from "../lib/cursor";
import { describeError, log } from "../lib/log";
import { type Redactor, redactDeep } from "../lib/redact";
import { SSE_HEADERS, sseFrame, sseMessages } from "../lib/sse";
import type { SessionEvent } from "../schemas/session-events";
import { sessionClient } from "../session/stub";
import type { MemberRow } from "./members";

export interface EventLogItem {
  session_id: string;
  event: SessionEvent;
}

export interface RuntimeLogItem {
  source: "runtime";
  session_id: string;
  /** RFC 3339: when the gateway wrote the line. */
  time: string;
  line: string;
}

export type LogItem = EventLogItem | RuntimeLogItem;

/** How often follow mode looks for new sessions of the member and new runtime lines. */
const FOLLOW_POLL_MS = 2_000;

/** Most runtime lines read from one gateway in one call (OpenClaw's own cap is 5 000). */
const RUNTIME_TAIL_MAX = 500;

/** Cursor id of the page that holds only runtime lines (after the last event). */
const RUNTIME_PAGE = "runtime";

/**
 * One raw gateway log line as an item. OpenClaw writes JSON lines (`time`, `_meta`, positional
 * `"0"` context and `message`); the item keeps level, subsystem and message, readable as text.
 * Anything else is kept as it is. Redacted last, whatever the shape.
 */
export function runtimeItem(
  sessionId: string,
  raw: string,
  redact: Redactor,
  now = Date.now(),
): RuntimeLogItem {
  let time: string | undefined;
  let line = raw;
  try {
    const parsed = JSON.parse(raw) as Record<string, unknown>;
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
      const meta = (parsed._meta ?? {}) as Record<string, unknown>;
      const when = typeof parsed.time === "string" ? parsed.time : meta.date;
      if (typeof when === "string" && !Number.isNaN(Date.parse(when))) time = new Date(when).toISOString();
      const level = typeof meta.logLevelName === "string" ? meta.logLevelName : undefined;
      const message = typeof parsed.message === "string" ? parsed.message : undefined;
      if (message !== undefined) {
        const subsystem = subsystemOf(parsed["0"]) ?? subsystemOf(meta.name);
        line = [level, subsystem ? `${subsystem}:` : undefined, message].filter(Boolean).join(" ");
      }
    }
  } catch {
    // Not JSON: the raw line is the message.
  }
  return {
    source: "runtime",
    session_id: sessionId,
    time: time ?? new Date(now).toISOString(),
    line: redact(line),
  };
}

function subsystemOf(value: unknown): string | undefined {
  if (typeof value !== "string" || !value.startsWith("{")) return undefined;
  try {
    const parsed = JSON.parse(value) as { subsystem?: unknown };
    return typeof parsed.subsystem === "string" ? parsed.subsystem : undefined;
  } catch {
    return undefined;
  }
}

/** A session's runtime lines after `cursor` (or its recent tail); none when it is not running. */
async function runtimeLines(
  env: Env,
  sessionId: string,
  query: { cursor?: number; limit: number },
): Promise<{ lines: string[]; cursor: number | null }> {
  return sessionClient(env, sessionId)
    .runtimeLogs({ ...query, limit: Math.max(1, Math.min(query.limit, RUNTIME_TAIL_MAX)) })
    .catch((err: unknown) => {
      // Deleted between the index read and now: no runtime, no lines.
      log("debug", "plane logs: runtime lines unreadable", { session_id: sessionId, ...describeError(err) });
      return { lines: [], cursor: null };
    });
}

/** Up to `room` recent runtime lines of the member's live sessions, oldest session first. */
async function runtimeTail(
  db: Db,
  env: Env,
  member: MemberRow,
  redact: Redactor,
  room: number,
): Promise<RuntimeLogItem[]> {
  const items: RuntimeLogItem[] = [];
  for (const id of await liveSessionIds(db, member.agentId)) {
    const left = room - items.length;
    if (left <= 0) break;
    const { lines } = await runtimeLines(env, id, { limit: left });
    for (const raw of lines.slice(-left)) items.push(runtimeItem(id, raw, redact));
  }
  return items;
}

/** One page of a member's log items: events oldest first, then the live runtimes' recent lines. */
export async function memberLogPage(
  db: Db,
  env: Env,
  member: MemberRow,
  redact: Redactor,
  q: { limit: number; page?: string },
): Promise<{ data: LogItem[]; next_page: string | null }> {
  // Cursor: key = last seq read, id = "<session created_at>:<session id>", or "runtime".
  const cursor = q.page ? decodeCursor(q.page) : null;
  if (cursor?.id === RUNTIME_PAGE) {
    return { data: await runtimeTail(db, env, member, redact, q.limit), next_page: null };
  }
  const [createdText, cursorSession] = cursor ? cursor.id.split(":") : [];
  const from = cursor && cursorSession ? { createdAt: Number(createdText), id: cursorSession } : undefined;
  const list = await agentSessions(db, member.agentId, from);
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
  if (more && last) {
    return {
      data,
      next_page: encodeCursor({ key: last.seq, id: `${last.session.createdAt}:${last.session.id}` }),
    };
  }
  // The events are done: the recent runtime lines come next, on this page if it has room.
  const room = q.limit - data.length;
  if (room > 0) {
    data.push(...(await runtimeTail(db, env, member, redact, room)));
    return { data, next_page: null };
  }
  const anyLive = list.some((s) => s.archivedAt === null);
  return { data, next_page: anyLive ? encodeCursor({ key: 0, id: RUNTIME_PAGE }) : null };
}

/** The SSE id of an event item; `Last-Event-ID` names it to resume after it. */
function eventItemId(sessionId: string, eventId: string): string {
  return `${sessionId}:${eventId}`;
}

/** An id no session has: a session stream asked to resume after it replays all its events. */
const FROM_THE_START = "sevt_from_the_start";

/** Events listed per call while looking for the event a reconnect resumes after. */
const RESUME_SCAN_PAGE = 1_000;

/**
 * Where each live session's stream resumes after a reconnect with `lastEventId`: the session
 * that event belongs to, right after it; every other session, right after its last event
 * processed no later than that event (events stamped in the same millisecond count as seen);
 * a session with no such event, from its start. Empty when the id names no event of this
 * member (a malformed or foreign id resumes nothing: the stream is then live only).
 */
async function resumePoints(
  db: Db,
  env: Env,
  member: MemberRow,
  lastEventId: string,
  live: string[],
): Promise<Map<string, string>> {
  const points = new Map<string, string>();
  const sep = lastEventId.indexOf(":");
  if (sep <= 0) return points;
  const sessionId = lastEventId.slice(0, sep);
  const eventId = lastEventId.slice(sep + 1);
  if (!(await sessionRunsAgent(db, sessionId, member.agentId))) return points;
  // When the event happened: its processed_at, or (a message still queued then) that of the
  // nearest earlier event that has one. Reconnects are recent, so the newest pages hold it.
  let at: number | null = null;
  let found = false;
  let cursorSeq: number | undefined;
  for (;;) {
    const { rows } = await sessionClient(env, sessionId)
      .listEvents({ limit: RESUME_SCAN_PAGE, order: "desc", cursorSeq })
      .catch(() => ({ rows: [] as Array<{ seq: number; event: SessionEvent }> }));
    for (const row of rows.slice(0, RESUME_SCAN_PAGE)) {
      if (!found && row.event.id === eventId) found = true;
      if (found && row.event.processed_at) {
        at = Date.parse(row.event.processed_at);
        break;
      }
    }
    if (at !== null || rows.length <= RESUME_SCAN_PAGE) break;
    cursorSeq = rows[RESUME_SCAN_PAGE - 1]?.seq;
  }
  if (!found) return points;
  points.set(sessionId, eventId);
  for (const other of live) {
    if (other === sessionId) continue;
    if (at === null) {
      points.set(other, FROM_THE_START);
      continue;
    }
    const { rows } = await sessionClient(env, other)
      .listEvents({ limit: 1, order: "desc", processedLte: at })
      .catch(() => ({ rows: [] as Array<{ seq: number; event: SessionEvent }> }));
    points.set(other, rows[0]?.event.id ?? FROM_THE_START);
  }
  return points;
}

const encoder = new TextEncoder();

/**
 * `?follow=true`: live log items over SSE (`event: log`), until the client goes away. With
 * `lastEventId` (the `Last-Event-ID` of a reconnect) the missed events are replayed first.
 */
export function followMemberLogs(
  db: Db,
  env: Env,
  member: MemberRow,
  redact: Redactor,
  signal: AbortSignal,
  lastEventId?: string | null,
): Response {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const followed = new Set<string>();
  const readers: Array<ReadableStreamDefaultReader<Uint8Array>> = [];
  /** Live sessions as of the last discovery, with where their runtime lines were read up to. */
  const runtimes = new Map<string, { cursor?: number }>();
  const since = Date.now();
  let closed = false;
  let polling = false;
  let discovered = false;

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

  /** Streams one session's events; `resumeAfter` replays those after that event id first. */
  const follow = async (sessionId: string, resumeAfter?: string) => {
    if (followed.has(sessionId) || closed) return;
    followed.add(sessionId);
    const headers: Record<string, string> = resumeAfter ? { "last-event-id": resumeAfter } : {};
    const res = await sessionClient(env, sessionId).stream(new Request("http://session/stream", { headers }));
    if (!res.ok || !res.body) return;
    const reader = res.body.getReader();
    readers.push(reader);
    for await (const message of sseMessages(reader)) {
      if (closed) return;
      const event = redactDeep(JSON.parse(message.data) as SessionEvent, redact);
      const item: EventLogItem = { session_id: sessionId, event };
      write(sseFrame({ id: eventItemId(sessionId, event.id), event: "log", data: JSON.stringify(item) }));
    }
  };

  const startFollowing = (id: string, resumeAfter?: string) => {
    void follow(id, resumeAfter).catch((err: unknown) => {
      log("warn", "plane logs: following a session failed", { session_id: id, ...describeError(err) });
    });
  };

  /** New gateway lines of each live session since the last poll (lines older than the stream skipped). */
  const pollRuntimes = async () => {
    for (const [id, state] of runtimes) {
      if (closed) return;
      const { lines, cursor } = await runtimeLines(env, id, {
        cursor: state.cursor,
        limit: RUNTIME_TAIL_MAX,
      });
      if (cursor === null) continue;
      state.cursor = cursor;
      for (const raw of lines) {
        const item = runtimeItem(id, raw, redact);
        // The first read of a gateway is its recent tail: only what it wrote while we follow.
        if (Date.parse(item.time) < since) continue;
        write(sseFrame({ event: "log", data: JSON.stringify(item) }));
      }
    }
  };

  const discover = async () => {
    if (polling || closed) return;
    polling = true;
    try {
      const live = await liveSessionIds(db, member.agentId);
      if (!discovered) {
        // Sessions that exist now: live from here on, or from where a reconnect left off.
        const points = lastEventId ? await resumePoints(db, env, member, lastEventId, live) : new Map();
        for (const id of live) startFollowing(id, points.get(id));
        discovered = true;
      } else {
        // Started while following: all of its events, so the first ones are not missed.
        for (const id of live) if (!followed.has(id)) startFollowing(id, FROM_THE_START);
      }
      for (const id of runtimes.keys()) if (!live.includes(id)) runtimes.delete(id);
      for (const id of live) if (!runtimes.has(id)) runtimes.set(id, {});
      await pollRuntimes();
    } catch (err) {
      log("warn", "plane logs: session discovery failed", { member_id: member.id, ...describeError(err) });
    } finally {
      polling = false;
    }
  };

  const poll = setInterval(() => void discover(), FOLLOW_POLL_MS);
  const keepalive = setInterval(() => write(sseFrame({ comment: "keepalive" })), SSE_KEEPALIVE_MS);
  signal.addEventListener("abort", stop);
  write(sseFrame({ comment: "connected" }));
  void discover();
  return new Response(readable, { headers: SSE_HEADERS });
}
