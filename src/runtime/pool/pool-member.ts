/**
 * `RuntimePoolMember`: one warm runtime of a container pool, and the Durable Object that owns its
 * container for the container's whole life (a container belongs to the object that started it,
 * so a session's object cannot adopt one; it drives this object instead).
 *
 * - `warm`: boots the image with the generic config and no session's secrets (a pool-only gateway
 *   token, the warm-up model, a placeholder session token), waits for /readyz and runs one
 *   data-free warm-up turn under `agent:main:pool-warmup`. Its outbound interception is installed
 *   at boot bound to this member (`props: { poolMember }`), never to a session.
 * - `assign` (the coordinator, once): records the claiming session. From then on the LLM, MCP,
 *   peers and beams entrypoints serve this container's calls as that session
 *   (src/runtime/pool/identity.ts asks `servedSession`); before it, they refuse.
 * - `apply` (that session only): sends its resolved document to the container's claim endpoint
 *   (container/session-claim.mjs), which returns once OpenClaw hot-reloaded it.
 * - `fetch`, `isRunning`, `monitor`, `stop`, `destroy`: the session's runtime seam over this
 *   container (src/runtime/pool/pooled-runtime.ts), refused for any other caller.
 * Single use: once stopped or destroyed it is retired and serves nobody again.
 */
import { DurableObject } from "cloudflare:workers";
import { BEAM_CALLS_HOST, LLM_PROXY_HOST, MCP_PROXY_HOST, PEER_CALLS_HOST } from "../../egress/policy";
import { timingSafeEqualStrings } from "../../lib/crypto";
import { randomBase62 } from "../../lib/ids";
import { OPENCLAW_PORT, type RuntimeExit, WORKSPACE_PORT } from "../agent-runtime";
import { ContainerRuntime, type OutboundRoute } from "../container-runtime";
import { poolDocumentDefaults } from "../openclaw/session-config";
import { waitForGatewayReady } from "../readiness";
import { POOL_PORT_HEADER, POOL_SESSION_HEADER } from "./member-fetch";
import { installPackages } from "./member-packages";
import { POOL_WARMUP_HOST } from "./warmup-model";

/** The fixed, data-free session key of the warm-up turn (the local pool uses the same). */
export const WARMUP_SESSION_KEY = "agent:main:pool-warmup";
/** Boot → ready on a loaded standard-1 takes 40–110 s; past this the member is given up. */
const WARM_READY_DEADLINE_MS = 5 * 60_000;
const WARMUP_TURN_TIMEOUT_MS = 240_000;
const APPLY_TIMEOUT_MS = 60_000;

type MemberState = "warming" | "idle" | "claimed" | "retired";

interface MemberRecord {
  name: string;
  state: MemberState;
  poolToken: string;
  sessionId: string | null;
  bootedAt: number;
  readyAt: number | null;
}

const RECORD = "member";

export class RuntimePoolMember extends DurableObject<Env> {
  private record(): MemberRecord | undefined {
    return this.ctx.storage.kv.get<MemberRecord>(RECORD);
  }

  private save(record: MemberRecord): void {
    this.ctx.storage.kv.put(RECORD, record);
  }

  private runtime(name: string): ContainerRuntime {
    const container = this.ctx.container;
    if (!container) throw new Error("containers are not enabled for pool members");
    const props = { poolMember: name };
    const routes: OutboundRoute[] = [
      { host: LLM_PROXY_HOST, fetcher: this.ctx.exports.LlmProxyEntrypoint({ props }) },
      { host: MCP_PROXY_HOST, fetcher: this.ctx.exports.McpProxyEntrypoint({ props }) },
      { host: PEER_CALLS_HOST, fetcher: this.ctx.exports.PeerCallEntrypoint({ props }) },
      { host: BEAM_CALLS_HOST, fetcher: this.ctx.exports.BeamCallEntrypoint({ props }) },
      { host: POOL_WARMUP_HOST, fetcher: this.ctx.exports.PoolWarmupEntrypoint({}) },
    ];
    return new ContainerRuntime(container, { interceptHttp: routes });
  }

  /**
   * Boots and warms the container, installing `packages` (a keyed pool's set) through the
   * packages plugin, as a session would after a claim; resolves once it can be claimed, rejects
   * when it cannot.
   */
  async warm(
    name: string,
    packages: { key: string; set: Record<string, string[]> } | null = null,
  ): Promise<void> {
    const poolToken = randomBase62(43);
    this.save({ name, state: "warming", poolToken, sessionId: null, bootedAt: Date.now(), readyAt: null });
    const runtime = this.runtime(name);
    await runtime.start({
      env: {
        OPENCLAW_GATEWAY_TOKEN: poolToken,
        // The warm-up model, intercepted to PoolWarmupEntrypoint. Where nothing is intercepted
        // (the local container stand-in) RUNTIME_POOL_WARMUP_BASE_URL names another that answers.
        CLAWPLANE_LLM_BASE_URL: this.env.RUNTIME_POOL_WARMUP_BASE_URL || `http://${POOL_WARMUP_HOST}/v1`,
        CLAWPLANE_SESSION_TOKEN: "pool-placeholder",
        CLAWPLANE_POOL_MEMBER: "1",
        // The warm-up turn goes through OpenClaw's chat completions endpoint; the session's
        // document, written at claim, does not enable it (it hot-reloads off again). The
        // defaults are there so a claim changes (and reloads) only what the session sets.
        CLAWPLANE_SESSION_CONFIG: JSON.stringify({
          ...poolDocumentDefaults(),
          gateway: { http: { endpoints: { chatCompletions: { enabled: true } } } },
        }),
      },
      enableInternet: true,
    });
    await waitForGatewayReady(runtime, { deadlineMs: WARM_READY_DEADLINE_MS });
    const res = await runtime
      .fetch(
        OPENCLAW_PORT,
        new Request("http://gateway.local/v1/chat/completions", {
          method: "POST",
          headers: {
            authorization: `Bearer ${poolToken}`,
            "content-type": "application/json",
            "x-openclaw-session-key": WARMUP_SESSION_KEY,
          },
          body: JSON.stringify({ model: "openclaw", messages: [{ role: "user", content: "warm up" }] }),
          signal: AbortSignal.timeout(WARMUP_TURN_TIMEOUT_MS),
        }),
      )
      .catch((err: unknown) => new Response(String(err), { status: 599 }));
    // A failed warm-up turn fails the member: OpenClaw puts a provider whose call failed on auth
    // into a cooldown that outlives the claim's new key (seen in the e2e: the session's first
    // turn was refused "temporarily disabled after a provider auth/billing failure").
    const text = await res.text();
    if (!res.ok) throw new Error(`the warm-up turn failed (HTTP ${res.status}): ${text.slice(0, 200)}`);
    // The session's own install, after its claim, asks the plugin first and finds the set active.
    if (packages) await installPackages(runtime, poolToken, packages);
    const record = this.record();
    if (record?.state !== "warming") throw new Error("the member was retired while warming");
    this.save({ ...record, state: "idle", readyAt: Date.now() });
  }

  /** Whether this member is idle with its container up (the coordinator's liveness check). */
  async alive(): Promise<boolean> {
    return this.record()?.state === "idle" && (this.ctx.container?.running ?? false);
  }

  /** Hands the member to `sessionId`, once; throws when it is not idle (dead, retired, claimed). */
  async assign(sessionId: string): Promise<void> {
    const record = this.record();
    if (record?.state !== "idle") throw new Error(`pool member is ${record?.state ?? "unknown"}, not idle`);
    if (!this.ctx.container?.running) throw new Error("pool member's container is not running");
    this.save({ ...record, state: "claimed", sessionId });
  }

  /** The session this member's container serves, or null (not claimed, or retired). */
  async servedSession(): Promise<string | null> {
    const record = this.record();
    return record?.state === "claimed" ? record.sessionId : null;
  }

  /**
   * Applies the claiming session's document (references resolved) to the gateway and switches
   * its ports to the session's gateway token; resolves with how long it took.
   */
  async apply(sessionId: string, document: unknown, gatewayToken: string): Promise<number> {
    const record = this.owned(sessionId);
    const started = Date.now();
    const res = await this.runtime(record.name).fetch(
      WORKSPACE_PORT,
      new Request("http://runtime.local/session", {
        method: "PUT",
        headers: { authorization: `Bearer ${record.poolToken}`, "content-type": "application/json" },
        body: JSON.stringify({ document, gateway_token: gatewayToken }),
        signal: AbortSignal.timeout(APPLY_TIMEOUT_MS),
      }),
    );
    const text = await res.text();
    if (!res.ok) throw new Error(`the claim was not applied (HTTP ${res.status}): ${text.slice(0, 200)}`);
    return Date.now() - started;
  }

  /** The session's requests into its container: `x-clawplane-pool-session` and `-port` name them. */
  override async fetch(request: Request): Promise<Response> {
    const sessionId = request.headers.get(POOL_SESSION_HEADER) ?? "";
    const record = this.record();
    if (record?.state !== "claimed" || !(await timingSafeEqualStrings(sessionId, record.sessionId ?? "")))
      return new Response("this runtime serves another session", { status: 403 });
    const port = Number(request.headers.get(POOL_PORT_HEADER));
    const headers = new Headers(request.headers);
    headers.delete(POOL_SESSION_HEADER);
    headers.delete(POOL_PORT_HEADER);
    return this.runtime(record.name).fetch(port, new Request(request, { headers }));
  }

  async isRunning(sessionId: string): Promise<boolean> {
    const record = this.record();
    return (
      record?.state === "claimed" && record.sessionId === sessionId && (this.ctx.container?.running ?? false)
    );
  }

  async monitor(sessionId: string): Promise<RuntimeExit> {
    const record = this.owned(sessionId);
    return this.runtime(record.name).monitor();
  }

  /** Graceful stop for its session; the member is retired (never served again). */
  async stop(sessionId: string, graceMs?: number): Promise<void> {
    const record = this.owned(sessionId);
    this.save({ ...record, state: "retired" });
    await this.runtime(record.name).stop(graceMs);
  }

  /**
   * Hard stop and retire: its session's (any `sessionId` for a claimed member must match), or
   * the coordinator's for an unclaimed one (expired, dead, over the max).
   */
  async destroy(sessionId: string | null, reason?: string): Promise<void> {
    const record = this.record();
    if (!record) return;
    if (record.state === "claimed" && record.sessionId !== sessionId)
      throw new Error("this runtime serves another session");
    this.save({ ...record, state: "retired" });
    if (this.ctx.container?.running) await this.ctx.container.destroy(reason);
  }

  private owned(sessionId: string): MemberRecord {
    const record = this.record();
    if (record?.state !== "claimed" || record.sessionId !== sessionId)
      throw new Error("this runtime serves another session");
    return record;
  }
}
