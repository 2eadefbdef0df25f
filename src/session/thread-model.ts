/**
 * How a child thread's model calls reach its own agent's model.
 *
 * Every thread runs in the session's one gateway, whose only provider is the LLM proxy, and
 * the proxy cannot tell a child's call from the parent's by its token (there is one per
 * session). So each running child holds a slot: its OpenClaw session is pinned to the slot's
 * model id (`sessions.patch {model}`; the slots are in the gateway's generic model catalog,
 * container/openclaw.json5, so no config reload and no pool bypass is needed), the gateway
 * sends that id as the request's `model`, and the session's Durable Object — not the model,
 * not the gateway — maps it back to the child's agent's model when it grants the call. A
 * slot held by no running child is granted nothing.
 */

/** The LLM proxy's provider id in the gateway's config. */
const PROVIDER = "clawplane";
/** As many slots as a session may run children at once (`max_concurrent` is at most 16). */
export const THREAD_MODEL_SLOTS = 16;

/** The provider-local model id of `slot` (1-based), as the gateway sends it. */
export function threadModelId(slot: number): string {
  return `thread-${slot}`;
}

/** The model reference a child's OpenClaw session is pinned to. */
export function threadModelRef(slot: number): string {
  return `${PROVIDER}/${threadModelId(slot)}`;
}

/** The slot a requested model id names, or null when it names none. */
export function slotOfModelId(modelId: string): number | null {
  const m = /^thread-(\d{1,2})$/.exec(modelId);
  const slot = m ? Number(m[1]) : 0;
  return slot >= 1 && slot <= THREAD_MODEL_SLOTS ? slot : null;
}
