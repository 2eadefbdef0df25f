/**
 * A session's container runtime with a warm pool: the session's own container (a cold boot), or
 * a warm one it claimed from the pool, driven through its pool member (pool-member.ts).
 *
 * `start` with `warmPool` claims through the key's coordinator and applies the session's
 * document to the member's running gateway; when the pool has none (or the session's inputs
 * cannot be applied to a running gateway) it boots the session's own container and says why.
 * The claimed member's name is kept in the session object's storage, so every later call (and a
 * re-created object) reaches the same container; a stop or destroy retires the member (single
 * use) and the next start claims or boots afresh.
 */
import type {
  AgentRuntime,
  RuntimeExit,
  RuntimeStartOptions,
  RuntimeStartResult,
  WarmIdle,
  WarmPoolMiss,
  WarmPoolOutcome,
} from "../agent-runtime";
import type { ContainerRuntime } from "../container-runtime";
import { SHARED_POOL_KEY, type WarmPoolCandidate } from "../warm-pool-plan";
import { POOL_PORT_HEADER, POOL_SESSION_HEADER } from "./member-fetch";
import { deploymentPoolKey, type KeyedPoolSpec, keyedPoolName, poolName } from "./pool-key";
import { DEFAULT_POOL_TTL_SECONDS } from "./pool-size";
import { resolvedSessionDocument, unclaimableReason } from "./session-document";

const MEMBER_KEY = "runtime-pool-member";

/** The deployment's pool, sized by `containerPoolSize`: what a start without a plan tries. */
const SHARED: WarmPoolCandidate = {
  key: SHARED_POOL_KEY,
  scope: "deployment",
  ownerId: null,
  size: null,
  packages: null,
  billedTo: { type: "organization", id: null },
};

/** An environment's or plane's candidate as its coordinator takes it; undefined for the shared pool. */
export function keyedSpec(candidate: WarmPoolCandidate): KeyedPoolSpec | undefined {
  if (candidate.scope === "deployment" || !candidate.size || !candidate.ownerId) return undefined;
  return {
    key: candidate.key,
    scope: candidate.scope,
    ownerId: candidate.ownerId,
    billedTo: candidate.billedTo.type === "plane" ? `plane:${candidate.billedTo.id}` : "organization",
    packages: candidate.packages,
    size: {
      minIdle: candidate.size.min_idle,
      max: candidate.size.max,
      ttlSeconds: candidate.size.idle_ttl_seconds ?? DEFAULT_POOL_TTL_SECONDS,
    },
  };
}

export interface PooledRuntimeDeps {
  own: ContainerRuntime;
  kv: SyncKvStorage;
  sessionId: string;
  env: Pick<Env, "POOL_MEMBERS" | "POOL_COORDINATORS">;
}

export class PooledContainerRuntime implements AgentRuntime {
  readonly kind = "container" as const;

  constructor(private readonly deps: PooledRuntimeDeps) {}

  private memberName(): string | undefined {
    return this.deps.kv.get<string>(MEMBER_KEY);
  }

  private member(name: string) {
    return this.deps.env.POOL_MEMBERS.get(this.deps.env.POOL_MEMBERS.idFromName(name));
  }

  async isRunning(): Promise<boolean> {
    const name = this.memberName();
    return name ? this.member(name).isRunning(this.deps.sessionId) : this.deps.own.isRunning();
  }

  async start(options: RuntimeStartOptions): Promise<RuntimeStartResult | undefined> {
    const held = this.memberName();
    if (held) {
      if (await this.member(held).isRunning(this.deps.sessionId)) return undefined;
      // Its container is gone (stopped, crashed): single use, so it is retired, not restarted.
      await this.member(held)
        .destroy(this.deps.sessionId, "replaced")
        .catch(() => undefined);
      this.deps.kv.delete(MEMBER_KEY);
    }
    if (!options.warmPool) return this.bootOwn(options);
    const why = this.unclaimable(options);
    if (why)
      return this.bootOwn(options, {
        outcome: "missed",
        code: "not_applicable",
        reason: `not served warm: ${why}`,
      });
    const plan = options.warmPoolPlan;
    // Turned off for this session's environment or plane: cold, without a less specific pool.
    if (plan?.kind === "off")
      return this.bootOwn(options, { outcome: "missed", code: "pool_off", reason: plan.reason });
    // Most specific first; without a plan, the deployment's pool only.
    const candidates = plan?.kind === "pools" ? plan.candidates : [SHARED];
    const tried: WarmPoolMiss[] = [];
    for (const candidate of candidates) {
      const result = await this.claimFrom(candidate, options);
      if (result.outcome === "claimed")
        return {
          pool: {
            ...result,
            pool: candidate.key,
            scope: candidate.scope,
            ...(tried.length ? { tried } : {}),
          },
        };
      tried.push({ pool: candidate.key, code: result.code, reason: result.reason });
    }
    // Booted cold with the last pool's miss; the earlier ones go in `tried`.
    const miss = tried.pop() as WarmPoolMiss;
    return this.bootOwn(options, {
      outcome: "missed",
      code: miss.code,
      reason: miss.reason,
      ...(tried.length ? { tried } : {}),
    });
  }

  /**
   * Whether `start(options)` would claim now: `start`'s own rules let a warm container take it
   * (`unclaimable`), and one of the plan's pools has one idle (each coordinator's `idleCount`,
   * which boots nothing); without a plan, the deployment's pool.
   */
  async hasWarmIdle(options: RuntimeStartOptions): Promise<WarmIdle> {
    if (!options.warmPool) return { idle: false, why: "the warm pool is off" };
    const why = this.unclaimable(options);
    if (why) return { idle: false, why: `not served warm: ${why}` };
    const plan = options.warmPoolPlan;
    if (plan?.kind === "off") return { idle: false, why: plan.reason };
    const candidates = plan?.kind === "pools" ? plan.candidates : [SHARED];
    for (const candidate of candidates) {
      const idle = await this.coordinatorFor(candidate)
        .idleCount()
        .catch(() => 0);
      if (idle > 0) return { idle: true };
    }
    return { idle: false, why: "no warm runtime is idle in the session's pools" };
  }

  /** The coordinator of `candidate`'s pool: its own for a keyed pool, the deployment's otherwise. */
  private coordinatorFor(candidate: WarmPoolCandidate) {
    const keyed = keyedSpec(candidate);
    return this.deps.env.POOL_COORDINATORS.get(
      this.deps.env.POOL_COORDINATORS.idFromName(
        keyed ? keyedPoolName(keyed.key) : poolName(deploymentPoolKey()),
      ),
    );
  }

  /** One candidate pool's claim and the session's document applied to what it handed out. */
  private async claimFrom(
    candidate: WarmPoolCandidate,
    options: RuntimeStartOptions,
  ): Promise<
    { outcome: "claimed"; member: string; applyMs: number } | Extract<WarmPoolOutcome, { outcome: "missed" }>
  > {
    const key = deploymentPoolKey();
    const keyed = keyedSpec(candidate);
    const coordinator = this.coordinatorFor(candidate);
    let answer: Awaited<ReturnType<typeof coordinator.claim>>;
    try {
      answer = await coordinator.claim(key, this.deps.sessionId, keyed);
    } catch (err) {
      return { outcome: "missed", code: "claim_failed", reason: `the pool did not answer: ${String(err)}` };
    }
    if (answer.outcome !== "claimed") return answer;
    // Kept before applying: whatever happens next, this session's object knows its container.
    this.deps.kv.put(MEMBER_KEY, answer.member);
    const member = this.member(answer.member);
    try {
      const applyMs = await member.apply(
        this.deps.sessionId,
        resolvedSessionDocument(options.env),
        options.env.OPENCLAW_GATEWAY_TOKEN ?? "",
      );
      return { outcome: "claimed", member: answer.member, applyMs };
    } catch (err) {
      this.deps.kv.delete(MEMBER_KEY);
      await member.destroy(this.deps.sessionId, "claim failed").catch(() => undefined);
      return {
        outcome: "missed",
        code: "claim_failed",
        reason: `the warm runtime did not take the session's config: ${err instanceof Error ? err.message : String(err)}`,
      };
    }
  }

  fetch(port: number, request: Request): Promise<Response> {
    const name = this.memberName();
    if (!name) return this.deps.own.fetch(port, request);
    const headers = new Headers(request.headers);
    headers.set(POOL_SESSION_HEADER, this.deps.sessionId);
    headers.set(POOL_PORT_HEADER, String(port));
    return this.member(name).fetch(new Request(request, { headers }));
  }

  async stop(graceMs?: number): Promise<void> {
    const name = this.memberName();
    if (!name) return this.deps.own.stop(graceMs);
    this.deps.kv.delete(MEMBER_KEY);
    await this.member(name).stop(this.deps.sessionId, graceMs);
  }

  async destroy(reason?: string): Promise<void> {
    const name = this.memberName();
    if (!name) return this.deps.own.destroy(reason);
    this.deps.kv.delete(MEMBER_KEY);
    await this.member(name).destroy(this.deps.sessionId, reason);
  }

  async monitor(): Promise<RuntimeExit> {
    const name = this.memberName();
    if (!name) return this.deps.own.monitor();
    return this.member(name).monitor(this.deps.sessionId);
  }

  /** Why this start must boot the session's own container; undefined when a warm one can take it. */
  private unclaimable(options: RuntimeStartOptions): string | undefined {
    // A pool container's outbound routes are installed at its boot, for no session: a limited
    // policy's catch-all edge and secret substitution carry this session's policy and secrets.
    if (options.egress?.type === "limited")
      return "the environment's limited networking is enforced from the container's boot";
    if (options.substituteSecrets)
      return "vault credentials of type environment_variable are substituted from the container's boot";
    return unclaimableReason(options.env);
  }

  private async bootOwn(
    options: RuntimeStartOptions,
    pool?: Extract<WarmPoolOutcome, { outcome: "missed" }>,
  ): Promise<RuntimeStartResult> {
    await this.deps.own.start(options);
    return pool ? { pool } : {};
  }
}
