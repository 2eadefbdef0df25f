/**
 * Helpers for runtime tests that drive a real OpenClaw gateway: opening a WebSocket the way
 * the gateway client expects, recording events with timestamps, and waiting on conditions
 * with deadlines (never fixed sleeps).
 */

import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { GatewayClient, WebSocketLike } from "../../src/runtime/openclaw/gateway-client";
import type { ChatEventPayload, EventFrame } from "../../src/runtime/openclaw/protocol";

/** Opens a WebSocket with Node 24's global implementation; resolves once it is open. */
export function openSocket(url: string): Promise<WebSocketLike> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.addEventListener("open", () => resolve(socket), { once: true });
    socket.addEventListener("error", () => reject(new Error(`cannot open ${url}`)), { once: true });
  });
}

/** Polls `condition` every `intervalMs` until it returns a truthy value or the deadline passes. */
export async function waitUntil<T>(
  condition: () => T | Promise<T>,
  { timeoutMs = 10_000, intervalMs = 25, what = "condition" } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** One received event with its arrival time (ms since epoch). */
export interface RecordedEvent {
  at: number;
  frame: EventFrame;
}

/** Records every event a client receives and lets tests wait for a matching one. */
export class EventLog {
  readonly events: RecordedEvent[] = [];
  private readonly waiters = new Set<(event: RecordedEvent) => void>();

  constructor(client: GatewayClient) {
    client.on("*", (_payload, frame) => {
      const event = { at: Date.now(), frame };
      this.events.push(event);
      for (const waiter of [...this.waiters]) waiter(event);
    });
  }

  /** Resolves with the first recorded or future event matching `predicate`. */
  waitFor(
    predicate: (frame: EventFrame) => boolean,
    timeoutMs = 30_000,
    what = "event",
  ): Promise<RecordedEvent> {
    const seen = this.events.find((event) => predicate(event.frame));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const waiter = (event: RecordedEvent) => {
        if (!predicate(event.frame)) return;
        clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve(event);
      };
      this.waiters.add(waiter);
    });
  }

  /** Waits for the run's terminal `chat` event (final, aborted or error). */
  async runEnd(runId: string, timeoutMs = 60_000): Promise<RecordedEvent & { payload: ChatEventPayload }> {
    const event = await this.waitFor(
      (frame) => isChat(frame, runId) && ["final", "aborted", "error"].includes(chatPayload(frame).state),
      timeoutMs,
      `end of run ${runId}`,
    );
    return { ...event, payload: chatPayload(event.frame) };
  }

  /** All `chat` payloads of a run, in arrival order. */
  chat(runId: string): ChatEventPayload[] {
    return this.events.filter((event) => isChat(event.frame, runId)).map((event) => chatPayload(event.frame));
  }

  /** All events (any name) whose payload carries `runId`. */
  forRun(runId: string): RecordedEvent[] {
    return this.events.filter((event) => (event.frame.payload as { runId?: string } | null)?.runId === runId);
  }
}

function isChat(frame: EventFrame, runId: string): boolean {
  return frame.event === "chat" && chatPayload(frame).runId === runId;
}

function chatPayload(frame: EventFrame): ChatEventPayload {
  return frame.payload as ChatEventPayload;
}

/**
 * The files under `dir` (recursively) whose text contains `needle`: a secret must be in none of
 * a runtime's state dir (config, transcripts, logs). A missing dir has none.
 */
export async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const hits: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const text = await readFile(path, "utf8").catch(() => "");
    if (text.includes(needle)) hits.push(path);
  }
  return hits;
}
