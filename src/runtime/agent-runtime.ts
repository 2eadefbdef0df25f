/**
 * The runtime seam: how a session's Durable Object reaches the OpenClaw gateway it drives.
 *
 * Production uses the session's Cloudflare Container (`ctx.container`). Development and tests
 * (where workerd cannot run containers) use a local OpenClaw process per session, managed by
 * a small supervisor on 127.0.0.1 (`LOCAL_AGENT_ORIGIN`). Both implement this interface, so
 * the session code is the same in every environment.
 */

import type { EgressPolicy } from "../egress/policy";
import type { WarmPoolPlan, WarmPoolScope } from "./warm-pool-plan";

/** Port the OpenClaw gateway listens on inside the runtime (WS control plane + HTTP). */
export const OPENCLAW_PORT = 18789;
/**
 * Port of the workspace archive endpoint inside the runtime (container/workspace-archive.mjs):
 * the agent's working directory as a tar.gz, out and back in.
 */
export const WORKSPACE_PORT = 18790;

/** How a runtime's process ended, as the platform reports it. */
export interface RuntimeExit {
  /** The exit code; a process killed by a signal reports 128 + its number (137 for SIGKILL). Null when unknown. */
  exitCode: number | null;
  /** The signal that ended it (`SIGKILL`, …), where the runtime knows it. */
  signal: string | null;
}

export interface RuntimeStartOptions {
  /** Environment for the gateway process: per-session values only, never provider keys. */
  env: Record<string, string>;
  /** Whether the runtime may reach the internet directly (model calls go to the LLM proxy). */
  enableInternet: boolean;
  /**
   * What the runtime's outbound traffic may reach. A limited policy turns the container's
   * internet off and routes all its HTTP(S) through the egress edge; local runtimes share the
   * host's network and cannot enforce it.
   */
  egress?: EgressPolicy;
  /**
   * The env holds placeholders of `environment_variable` vault credentials: a container then
   * routes all its HTTP(S) through the egress edge (internet off) even under unrestricted
   * networking, so the edge can substitute them. Local runtimes ignore it (placeholders stay).
   */
  substituteSecrets?: boolean;
  /**
   * The runtime may be served from a warm pool: a pre-booted gateway that takes the session's
   * config (the env's CLAWPLANE_SESSION_CONFIG, its references resolved from the env) instead of
   * a boot. Runtimes without a pool ignore it.
   */
  warmPool?: boolean;
  /**
   * Which pools may serve it, most specific first, and their sizes (warm-pool-plan.ts). Without
   * it a pooled start tries the runtime's shared pool only.
   */
  warmPoolPlan?: WarmPoolPlan;
}

/** One pool a start tried and why it did not serve it. */
export interface WarmPoolMiss {
  pool: string;
  code: WarmPoolMissCode;
  reason: string;
}

/** How a pooled start went: a warm runtime claimed, or why the runtime booted cold. */
export type WarmPoolOutcome =
  | {
      outcome: "claimed";
      member: string;
      applyMs: number;
      /** The pool that served it and its scope; absent from runtimes with one pool only. */
      pool?: string;
      scope?: WarmPoolScope;
      /** More specific pools tried first that could not serve it. */
      tried?: WarmPoolMiss[];
    }
  | { outcome: "missed"; code: WarmPoolMissCode; reason: string; tried?: WarmPoolMiss[] };

/** Why a start could not be served warm (user-safe reasons go with each). */
export type WarmPoolMissCode = "pool_off" | "pool_empty" | "not_applicable" | "claim_failed";

export interface RuntimeStartResult {
  /** Present when the start asked for a warm runtime and the runtime has a pool. */
  pool?: WarmPoolOutcome;
}

export interface AgentRuntime {
  /** A short name for logs: `container` or `local`. */
  readonly kind: "container" | "local";
  /** Whether the runtime's process is up (not necessarily ready to serve). */
  isRunning(): Promise<boolean>;
  /**
   * Starts the runtime if it is not running. Returns once the start was requested (a warm claim:
   * once the session's config is applied), saying how a pooled start went.
   */
  start(options: RuntimeStartOptions): Promise<RuntimeStartResult | undefined>;
  /** HTTP (and WebSocket upgrade) into the runtime on `port`; the URL's host is ignored. */
  fetch(port: number, request: Request): Promise<Response>;
  /** Graceful stop: SIGTERM, then a hard stop if it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** Hard stop at once (SIGKILL semantics). Idempotent. */
  destroy(reason?: string): Promise<void>;
  /**
   * Resolves once the running runtime's process exits, for whatever reason (a crash, a kill, a
   * stop), with how it exited; at once when it is not running. Rejects only when the runtime
   * cannot be watched (e.g. the local supervisor went away).
   */
  monitor(): Promise<RuntimeExit>;
  /**
   * Whether a start with `options` would be served warm right now: the runtime's own rules let
   * a warm runtime take it (the same ones its `start` applies, so a session its pool would refuse
   * is never begun early) and one of `options.warmPoolPlan`'s pools (without a plan: the
   * deployment's) holds a warm runtime idle, read without changing any pool. A hint for starting
   * a session's runtime before its first message (a claim may still miss); absent when the
   * runtime has no pool. Changes nothing, stores nothing.
   */
  hasWarmIdle?(options: RuntimeStartOptions): Promise<WarmIdle>;
}

/** A runtime's answer to `hasWarmIdle`: yes, or why a start now would not be served warm. */
export type WarmIdle = { idle: true } | { idle: false; why: string };

/** Raised when a runtime cannot be started or does not become ready; `reason` is user-safe. */
export class RuntimeStartError extends Error {
  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(reason, options);
    this.name = "RuntimeStartError";
  }
}

/**
 * The error of a start given up because the session stopped meanwhile (archive, delete, idle
 * sleep during a start begun at create), naming why it stopped when known. The one place this
 * text is made: the session's stop aborts the start with it, and the link's setup throws it.
 */
export function stoppedWhileStarting(why?: string): RuntimeStartError {
  return new RuntimeStartError(
    `the session was stopped${why ? ` (${why})` : ""} while its runtime was starting`,
  );
}
