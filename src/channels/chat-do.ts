/**
 * ChatDO: one Durable Object per conversation (a channel's chat, or Slack thread), named
 * `<channel id>:<chat key>`. It is the chat's single writer and the bridge between the
 * platform and an ordinary session:
 *
 * - `ingest` (called by the webhook route before it acknowledges) records each delivery's
 *   platform id in a durable table and drops ones seen before, so a platform retry never makes
 *   a second turn; admitted messages wait in a durable inbox, in arrival order; the per-chat
 *   rate limit is a token bucket here. Then an alarm is set: the work happens after the ack.
 * - The alarm is the pump: presses of approval buttons first (they must reach a waiting turn),
 *   then one message at a time as a `user.message` on the chat's session (created on first
 *   use, replaced after `/new` or when it was archived or deleted), and the turn's events are
 *   read back from the session's durable event log after a stored cursor (`listEvents`), so
 *   a reply is delivered exactly from where delivery stopped even if this object was evicted or
 *   the Worker restarted mid-turn. The session's live stream is only a doorbell that wakes the
 *   pump early; every few seconds without one the pump shows "typing…" and looks again.
 *
 * Secrets are opened per alarm from the channel's sealed row; nothing here is stored in clear.
 */
import { DurableObject } from "cloudflare:workers";
import { appendAudit } from "../db/audit";
import { type ChannelRow, countChannel, getChannel } from "../db/channels";
import { createDb } from "../db/client";
import { ApiError } from "../errors";
import { describeError, log } from "../lib/log";
import { assertWithinBudget } from "../planes/budget";
import { textOf } from "../session/event-log";
import { sessionClient } from "../session/stub";
import { channelClient } from "./channel-client";
import { replyMessages } from "./chat-format";
import { liveSession, newChatSession } from "./chat-session";
import type { ChatRef, Inbound, InboundMessage, InboundPress, Platform, PlatformClient } from "./platform";

/** How often "typing…" is repeated while a turn runs (Telegram's lasts ≤ 5 s). */
const TYPING_EVERY_MS = 4_000;
/** How long one alarm pumps before handing over to a fresh alarm. */
const PUMP_BUDGET_MS = 5 * 60_000;
/** Deliveries remembered for deduplication (Telegram keeps updates 24 h, WhatsApp retries for days). */
const DEDUP_KEEP_MS = 8 * 24 * 3600_000;
/** A turn followed longer than this is given up (the session enforces its own limits first). */
const TURN_GIVE_UP_MS = 2 * 3600_000;
const DEFAULT_RATE_PER_MINUTE = 20;

/** What the webhook hands over with each batch. */
export interface IngestContext {
  channelId: string;
  /** The webhook request's id, for audit rows written later (approvals pressed). */
  requestId: string;
  /** This Worker's origin, which local runtimes use to reach the LLM proxy. */
  apiOrigin: string;
}

type InboxItem = { kind: "message"; item: InboundMessage } | { kind: "press"; item: InboundPress };

interface Turn {
  sessionId: string;
  /** Events of the session up to this seq were handled. */
  cursorSeq: number;
  chat: ChatRef;
  lastMessageId?: string;
  startedAt: number;
  /** Ended with requires_action: waiting for a button press, no typing. */
  waitingForUser?: boolean;
  /** Tool calls seen in this turn, for the approval prompt. */
  calls: Record<string, string>;
}

/**
 * What `ingest` writes. Kept apart from `State`, which only the alarm writes: ingest runs
 * between the alarm's awaits, and one writer per key means neither overwrites the other.
 */
interface Intake {
  ctx?: IngestContext;
  /** Where this chat's replies go (from its latest delivery). */
  chat?: ChatRef;
  bucket?: { tokens: number; at: number; noticeAt?: number };
}

interface State {
  sessionId?: string;
  turn?: Turn;
  approvals: Record<string, { sessionId: string; toolUseId: string }>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A short random id for an approval button. */
function newRef(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(9));
  return [...bytes].map((b) => (b % 36).toString(36)).join("");
}

/** An error as one sentence a chat user can read. */
export function oneSentence(message: string): string {
  const first = message.split(/(?<=[.!?])\s|\n/)[0]?.trim() ?? "";
  const short = first.length > 200 ? `${first.slice(0, 197)}…` : first;
  return `Sorry, that did not work: ${short.replace(/[.!?]*$/, "")}.`;
}

export class ChatDO extends DurableObject<Env> {
  private wake: (() => void) | undefined;
  private bell:
    | { sessionId: string; reader: ReadableStreamDefaultReader<Uint8Array>; next: Promise<unknown> }
    | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS seen (key TEXT PRIMARY KEY, at INTEGER NOT NULL)");
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS inbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, item TEXT NOT NULL)",
    );
  }

  private async state(): Promise<State> {
    return (await this.ctx.storage.get<State>("state")) ?? { approvals: {} };
  }

  private async save(state: State): Promise<void> {
    await this.ctx.storage.put("state", state);
  }

  /**
   * Takes admitted deliveries: drops duplicates, applies the chat's rate limit to messages,
   * queues the rest durably and schedules the pump. Returns what happened to each.
   */
  async ingest(
    context: IngestContext,
    items: Inbound[],
    ratePerMinute = DEFAULT_RATE_PER_MINUTE,
  ): Promise<Array<"queued" | "duplicate" | "rate_limited">> {
    const state = (await this.ctx.storage.get<Intake>("intake")) ?? {};
    state.ctx = context;
    state.chat = items.at(-1)?.chat ?? state.chat;
    const now = Date.now();
    const results: Array<"queued" | "duplicate" | "rate_limited"> = [];
    let noticeDue = false;
    for (const item of items) {
      const fresh = this.ctx.storage.sql
        .exec("INSERT OR IGNORE INTO seen (key, at) VALUES (?, ?) RETURNING key", item.dedupKey, now)
        .toArray();
      if (fresh.length === 0) {
        results.push("duplicate");
        continue;
      }
      if (item.kind === "message" && !this.take(state, ratePerMinute, now)) {
        results.push("rate_limited");
        if (!state.bucket?.noticeAt || now - state.bucket.noticeAt > 60_000) {
          if (state.bucket) state.bucket.noticeAt = now;
          noticeDue = true;
        }
        continue;
      }
      const queued: InboxItem = item.kind === "message" ? { kind: "message", item } : { kind: "press", item };
      this.ctx.storage.sql.exec("INSERT INTO inbox (item) VALUES (?)", JSON.stringify(queued));
      results.push("queued");
    }
    if (noticeDue) {
      const chat = items[0]?.chat;
      if (chat) {
        const notice: InboxItem = {
          kind: "message",
          item: {
            ...(items[0] as InboundMessage),
            kind: "message",
            text: "\u0000rate_limited",
            dedupKey: "",
          },
        };
        this.ctx.storage.sql.exec("INSERT INTO inbox (item) VALUES (?)", JSON.stringify(notice));
      }
    }
    this.ctx.storage.sql.exec("DELETE FROM seen WHERE at < ?", now - DEDUP_KEEP_MS);
    await this.ctx.storage.put("intake", state);
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(now);
    this.wake?.();
    return results;
  }

  /** Token bucket: `perMinute` messages a minute, bursts of the same size. */
  private take(state: Intake, perMinute: number, now: number): boolean {
    const bucket = state.bucket ?? { tokens: perMinute, at: now };
    bucket.tokens = Math.min(perMinute, bucket.tokens + ((now - bucket.at) / 60_000) * perMinute);
    bucket.at = now;
    state.bucket = bucket;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  override async alarm(): Promise<void> {
    const intake = await this.ctx.storage.get<Intake>("intake");
    if (!intake?.ctx) return;
    const db = createDb(this.env.DB);
    let channel: ChannelRow;
    try {
      channel = await getChannel(db, intake.ctx.channelId);
    } catch (err) {
      if (err instanceof ApiError && err.code === "channel_not_found") {
        // Removed: nothing more is delivered.
        this.ctx.storage.sql.exec("DELETE FROM inbox");
        return;
      }
      throw err;
    }
    const client = await channelClient(this.env, channel);
    const pump = new Pump((s) => this.save(s), this.env, channel, client, intake.ctx);
    const deadline = Date.now() + PUMP_BUDGET_MS;
    try {
      while (Date.now() < deadline) {
        const s = await this.state();
        const next = this.peekInbox(s.turn === undefined || s.turn.waitingForUser === true);
        if (next) {
          await pump.handle(s, next.item);
          this.ctx.storage.sql.exec("DELETE FROM inbox WHERE seq = ?", next.seq);
          await this.save(s);
          continue;
        }
        if (!s.turn) return;
        const ended = await pump.follow(s);
        await this.save(s);
        if (ended) continue;
        if (s.turn?.waitingForUser) return; // a press or a message wakes us
        await this.waitForActivity(s.turn as Turn, pump);
      }
      await this.ctx.storage.setAlarm(Date.now());
    } finally {
      await this.closeBell();
    }
  }

  /** The oldest press, or (when no turn runs) the oldest item. */
  private peekInbox(anything: boolean): { seq: number; item: InboxItem } | undefined {
    const sql = anything
      ? "SELECT seq, item FROM inbox ORDER BY seq LIMIT 1"
      : "SELECT seq, item FROM inbox WHERE json_extract(item, '$.kind') = 'press' ORDER BY seq LIMIT 1";
    const row = this.ctx.storage.sql.exec<{ seq: number; item: string }>(sql).toArray()[0];
    return row ? { seq: row.seq, item: JSON.parse(row.item) as InboxItem } : undefined;
  }

  /** Waits for the session's next live frame, a new delivery, or the typing interval. */
  private async waitForActivity(turn: Turn, pump: Pump): Promise<void> {
    if (this.bell?.sessionId !== turn.sessionId) {
      await this.closeBell();
      const res = await sessionClient(this.env, turn.sessionId).stream(new Request("http://session/stream"));
      if (res.ok && res.body) {
        const reader = res.body.getReader();
        this.bell = { sessionId: turn.sessionId, reader, next: reader.read() };
      }
    }
    const woken = new Promise<void>((resolve) => {
      this.wake = resolve;
    });
    const bell = this.bell;
    const rang = bell
      ? bell.next.then((r) => {
          if ((r as ReadableStreamReadResult<Uint8Array>).done) this.bell = undefined;
          else bell.next = bell.reader.read();
          return "rang" as const;
        })
      : sleep(TYPING_EVERY_MS).then(() => "rang" as const);
    const outcome = await Promise.race([
      rang,
      woken.then(() => "woken" as const),
      sleep(TYPING_EVERY_MS).then(() => "quiet" as const),
    ]);
    this.wake = undefined;
    if (outcome === "quiet") await pump.typing(turn);
  }

  private async closeBell(): Promise<void> {
    const bell = this.bell;
    this.bell = undefined;
    await bell?.reader.cancel().catch(() => undefined);
  }
}

/** One alarm's work for one chat: the platform client, the channel and the session calls. */
class Pump {
  private lastTyping = 0;

  constructor(
    private readonly save: (state: State) => Promise<void>,
    private readonly env: Env,
    private readonly channel: ChannelRow,
    private readonly client: PlatformClient,
    private readonly context: IngestContext,
  ) {}

  private get db() {
    return createDb(this.env.DB);
  }

  /** Calls the platform; a failure is counted on the channel and logged, never thrown. */
  private async platform(what: string, call: () => Promise<void>, reply = false): Promise<boolean> {
    try {
      await call();
      if (reply) await countChannel(this.db, this.channel.id, { repliesOut: 1 });
      return true;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      log("warn", "channel platform call failed", {
        channel_id: this.channel.id,
        what,
        ...describeError(err),
      });
      await countChannel(
        this.db,
        this.channel.id,
        { errors: 1 },
        { message: `${what}: ${message}`, at: Date.now() },
      );
      return false;
    }
  }

  async say(chat: ChatRef, markdown: string): Promise<void> {
    for (const part of replyMessages(markdown, this.channel.platform as Platform)) {
      await this.platform("send message", () => this.client.sendText(chat, part), true);
    }
  }

  async typing(turn: Turn): Promise<void> {
    if (turn.waitingForUser || Date.now() - this.lastTyping < TYPING_EVERY_MS - 500) return;
    this.lastTyping = Date.now();
    await this.platform("typing", () => this.client.typing(turn.chat, turn.lastMessageId));
  }

  async handle(state: State, entry: InboxItem): Promise<void> {
    if (entry.kind === "press") return this.press(state, entry.item);
    const message = entry.item;
    if (message.text === "\u0000rate_limited") {
      return this.say(
        message.chat,
        "You are sending messages faster than this bot accepts; some were ignored. Please wait a minute.",
      );
    }
    const command = message.text.trim().toLowerCase();
    if (command === "/new" || command === "/reset") {
      state.sessionId = undefined;
      state.turn = undefined;
      return this.say(message.chat, "Started a new conversation.");
    }
    if (command === "/start") {
      return this.say(
        message.chat,
        "Hello! Send me a message to talk to the agent; /new starts a fresh conversation.",
      );
    }
    await countChannel(this.db, this.channel.id, { messagesIn: 1 });
    try {
      // A member's channel spends the member's plane budget, as the API's member routes do: past
      // it, the chat is told why (the ApiError's message) and no turn starts.
      if (this.channel.planeId)
        await assertWithinBudget(this.db, { planeId: this.channel.planeId, agentId: this.channel.agentId });
      let sessionId = await liveSession(this.env, state.sessionId);
      if (!sessionId) {
        sessionId = await newChatSession(
          this.env,
          this.db,
          this.channel,
          message.chatKey,
          this.context.apiOrigin,
        );
        state.sessionId = sessionId;
      }
      const session = sessionClient(this.env, sessionId);
      const latest = await session.listEvents({ limit: 1, order: "desc" });
      await session.send([{ type: "user.message", content: [{ type: "text", text: message.text }] }]);
      state.turn = {
        sessionId,
        cursorSeq: latest.rows[0]?.seq ?? 0,
        chat: message.chat,
        lastMessageId: message.messageId,
        startedAt: Date.now(),
        calls: {},
      };
      await this.typing(state.turn);
    } catch (err) {
      const text = err instanceof ApiError ? err.message : "the agent could not be reached";
      if (!(err instanceof ApiError)) log("error", "channel turn failed to start", describeError(err));
      await this.say(message.chat, oneSentence(text));
    }
  }

  private async press(state: State, press: InboundPress): Promise<void> {
    const approval = state.approvals[press.approvalRef];
    const audit = (outcome: "success" | "failure", status: number, errorCode: string | null) =>
      appendAudit(this.db, {
        at: Date.now(),
        requestId: this.context.requestId,
        actorType: "channel_user",
        actorId: `${this.channel.platform}:${press.userId}`,
        action: "channels.approval",
        target: approval?.toolUseId ?? this.channel.id,
        outcome,
        status,
        errorCode,
        planeId: this.channel.planeId,
      });
    if (!approval) {
      await audit("failure", 409, "approval_not_waiting");
      await this.platform("answer press", () =>
        this.client.answerPress(press, "This request is no longer waiting for an answer."),
      );
      return;
    }
    try {
      await sessionClient(this.env, approval.sessionId).send([
        {
          type: "user.tool_confirmation",
          tool_use_id: approval.toolUseId,
          result: press.allow ? "allow" : "deny",
        },
      ]);
      delete state.approvals[press.approvalRef];
      if (state.turn?.sessionId === approval.sessionId) state.turn.waitingForUser = false;
      await audit("success", 200, null);
      await this.platform("answer press", () =>
        this.client.answerPress(press, press.allow ? "Allowed." : "Denied."),
      );
    } catch (err) {
      delete state.approvals[press.approvalRef];
      await audit(
        "failure",
        err instanceof ApiError ? err.status : 500,
        err instanceof ApiError ? err.code : "internal_error",
      );
      await this.platform("answer press", () =>
        this.client.answerPress(press, "This request is no longer waiting for an answer."),
      );
    }
  }

  /** Delivers the turn's new events; true when the turn is over. */
  async follow(state: State): Promise<boolean> {
    const turn = state.turn;
    if (!turn) return true;
    if (Date.now() - turn.startedAt > TURN_GIVE_UP_MS) {
      state.turn = undefined;
      return true;
    }
    const { rows } = await sessionClient(this.env, turn.sessionId).listEvents({
      cursorSeq: turn.cursorSeq,
      order: "asc",
      limit: 100,
    });
    for (const { seq, event } of rows) {
      // biome-ignore lint/suspicious/noExplicitAny: the session's own wire events, read by type
      const ev = event as Record<string, any>;
      turn.cursorSeq = seq;
      if (ev.type === "agent.message") {
        const text = textOf(ev.content);
        if (text.trim()) await this.say(turn.chat, text);
      } else if (ev.type === "agent.tool_use" || ev.type === "agent.mcp_tool_use") {
        turn.calls[ev.id] = `${ev.name}: ${JSON.stringify(ev.input ?? {}).slice(0, 300)}`;
      } else if (ev.type === "session.error" && ev.error?.retry_status?.type !== "retrying") {
        await this.say(turn.chat, oneSentence(String(ev.error?.message ?? "the agent run failed")));
      } else if (ev.type === "session.status_idle") {
        if (ev.stop_reason?.type === "requires_action") {
          turn.waitingForUser = true;
          for (const id of ev.stop_reason.event_ids as string[]) await this.ask(state, turn, id);
        } else {
          state.turn = undefined;
          await this.save(state); // the cursor moved: remember before returning
          return true;
        }
      } else if (ev.type === "session.status_running") {
        turn.waitingForUser = false;
      } else if (ev.type === "session.status_terminated" || ev.type === "session.deleted") {
        state.turn = undefined;
        state.sessionId = undefined;
        return true;
      }
      await this.save(state);
    }
    return false;
  }

  /** A tool call asked about before this chat followed the turn (it resumed mid-turn). */
  private async describeCall(sessionId: string, toolUseId: string): Promise<string> {
    const { rows } = await sessionClient(this.env, sessionId).listEvents({
      types: ["agent.tool_use", "agent.mcp_tool_use"],
      order: "desc",
      limit: 50,
    });
    // biome-ignore lint/suspicious/noExplicitAny: the session's own wire events
    const ev = rows.find((r) => r.event.id === toolUseId)?.event as Record<string, any> | undefined;
    return ev ? `${ev.name}: ${JSON.stringify(ev.input ?? {}).slice(0, 300)}` : "a tool";
  }

  private async ask(state: State, turn: Turn, toolUseId: string): Promise<void> {
    if (Object.values(state.approvals).some((a) => a.toolUseId === toolUseId)) return;
    const ref = newRef();
    state.approvals[ref] = { sessionId: turn.sessionId, toolUseId };
    const call = turn.calls[toolUseId] ?? (await this.describeCall(turn.sessionId, toolUseId));
    const prompt = `The agent wants to run ${call}\nAllow it?`;
    const platform = this.channel.platform as Platform;
    const shown =
      platform === "telegram"
        ? prompt.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
        : prompt;
    await this.platform("approval buttons", () => this.client.sendApproval(turn.chat, shown, ref), true);
  }
}

/** The chat's object for an inbound delivery. */
export function chatObject(env: Env, channelId: string, chatKey: string) {
  return env.CHATS.get(env.CHATS.idFromName(`${channelId}:${chatKey}`));
}
