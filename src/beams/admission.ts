/**
 * Which queued runs may start now, under the limits Teleport imposes per tenant on beams (beta:
 * 20 concurrent, 5 new per minute, 24 h TTL; see README "Delegation to Teleport Beams"). Pure,
 * so the queue's rule is tested on its own clock; the connector's Durable Object applies it.
 */

export const BEAM_LIMITS = {
  maxConcurrent: 20,
  newPerWindow: 5,
  windowMs: 60_000,
  ttlMs: 24 * 60 * 60 * 1000,
} as const;
export type BeamLimits = { [K in keyof typeof BEAM_LIMITS]: number };

export interface Admission {
  /** How many of the oldest queued runs start now. */
  start: number;
  /** When the next queued run could start if none is running out (ms epoch); null: none waits. */
  retryAt: number | null;
}

/**
 * @param active runs holding a beam (starting or running)
 * @param createdAt when this tenant's recent beams were created (ms epoch), any order
 * @param queued runs waiting
 */
export function admit(
  now: number,
  active: number,
  createdAt: readonly number[],
  queued: number,
  limits: BeamLimits = BEAM_LIMITS,
): Admission {
  const recent = createdAt.filter((at) => at > now - limits.windowMs).sort((a, b) => a - b);
  const byConcurrency = Math.max(0, limits.maxConcurrent - active);
  const byRate = Math.max(0, limits.newPerWindow - recent.length);
  const start = Math.min(queued, byConcurrency, byRate);
  const left = queued - start;
  if (left === 0) return { start, retryAt: null };
  // Blocked by the rate: the oldest creation in the window leaving it frees a slot. Blocked by
  // concurrency only: a run ending frees one (the connector pumps then), so no timer is needed,
  // but one a window away keeps a lost wake-up from stalling the queue.
  const rateBlocked = byRate - start <= 0 && byConcurrency - start > 0;
  const oldest = [...recent, ...Array<number>(start).fill(now)].sort((a, b) => a - b)[0] ?? now;
  return { start, retryAt: rateBlocked ? oldest + limits.windowMs : now + limits.windowMs };
}
