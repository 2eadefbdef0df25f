/**
 * Type guards for what a session stream yields, for use as filters (`type` narrows a
 * `StreamEvent` as well: stored events and previews are one union on it).
 */
import type { EventDeltaFrame, EventStartFrame, StreamEvent } from "../types.js";

/** An `event_delta` preview: `delta.content.text` is the next piece of the reply. */
export function isEventDelta(event: StreamEvent): event is EventDeltaFrame {
  return event.type === "event_delta";
}

/** An `event_start` preview: the event with `event.id` is being generated. */
export function isEventStart(event: StreamEvent): event is EventStartFrame {
  return event.type === "event_start";
}
