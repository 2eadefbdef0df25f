/**
 * Cold-start progress of a turn: `span.runtime_start` when the turn has to start the session's
 * runtime, `span.runtime_ready` with the boot time once it is ready. A cold start takes tens of
 * seconds, and without these a client sees nothing between `session.status_running` and the
 * first model call. A turn that finds its runtime running emits neither. Shapes: the catalog in
 * src/schemas/session-events.ts.
 */
import type { WarmPoolOutcome } from "../runtime/agent-runtime";
import type { SessionEvent, SessionEventBody } from "../schemas/session-events";

export class RuntimeProgress {
  private start: { id: string; at: number } | undefined;

  constructor(private readonly emit: (event: SessionEventBody) => SessionEvent) {}

  /** The runtime is being started (called again by a second try of the same start: one span). */
  starting(): void {
    if (this.start) return;
    const event = this.emit({ type: "span.runtime_start" });
    this.start = { id: event.id, at: event.processed_at ? Date.parse(event.processed_at) : Date.now() };
  }

  /** How the start was served: a warm runtime claimed, or a cold boot and why (`span.runtime_warm_pool`). */
  warmPool(outcome: WarmPoolOutcome): void {
    // Which pool served it and the more specific ones tried first, where the runtime says.
    const tried = outcome.tried?.length ? { tried: outcome.tried } : {};
    this.emit(
      outcome.outcome === "claimed"
        ? {
            type: "span.runtime_warm_pool",
            outcome: "claimed",
            code: null,
            reason: null,
            apply_ms: outcome.applyMs,
            ...(outcome.pool ? { pool: outcome.pool, pool_scope: outcome.scope ?? null } : {}),
            ...tried,
          }
        : {
            type: "span.runtime_warm_pool",
            outcome: "missed",
            code: outcome.code,
            reason: outcome.reason,
            apply_ms: null,
            ...tried,
          },
    );
  }

  /** The runtime is ready to run the turn; ends the span if a start was reported. */
  ready(): void {
    if (!this.start) return;
    this.emit({
      type: "span.runtime_ready",
      runtime_start_id: this.start.id,
      started_at: new Date(this.start.at).toISOString(),
      ready_ms: Date.now() - this.start.at,
    });
    this.start = undefined;
  }
}
