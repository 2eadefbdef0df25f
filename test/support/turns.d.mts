// Types for turns.mjs.
import type Anthropic from "@anthropic-ai/sdk";

/** A CMA event as the SDK yields it (stream-only previews have no `id`). */
export type SessionEvent = { id: string; type: string } & Record<string, any>;

export interface TurnOptions {
  timeoutMs?: number;
  deltas?: boolean;
}

export function sendEventsAndWait(
  client: Anthropic,
  sessionId: string,
  events: Anthropic.Beta.Sessions.Events.EventSendParams["events"],
  opts?: TurnOptions,
): Promise<SessionEvent[]>;

export function sendAndWait(
  client: Anthropic,
  sessionId: string,
  text: string,
  opts?: TurnOptions,
): Promise<SessionEvent[]>;
