// The local supervisor's warm pool: gateways booted ahead of demand with a generic config and no
// session's secrets, warmed with one data-free turn, and handed to a session once (claimed), which
// turns a 20–90 s cold start into a config reload of ~1–2 s. See the README ("Warm pool").
//
// Rules (docs/reference openclaw-runtime.md §13):
// - A member boots with placeholder credentials: a pool-only gateway token, the supervisor's
//   own warm-up stub as its model endpoint, no session token. Nothing of any session is in its
//   process environment, ever.
// - It is warmed with one turn under a fixed, data-free session key against that stub: a fresh
//   gateway's first turn costs 10–22 s even after /readyz, a later one ~1 s.
// - A claim is final. The member is removed from the pool before anything else happens (so two
//   concurrent claims can never get the same one), gets the session's document written into its
//   config dir (hot-reloaded: gateway token, LLM proxy identity, tools, policy, MCP, prompt) and
//   belongs to the session from then on; it is never returned. Deleting the session's runtime
//   destroys its state dir, config files and workspace.
// - Idle members expire after a TTL; a member that dies is replaced; refills run in the
//   background, never more than `max` members at once.

import { randomBytes } from "node:crypto";
import { readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startGitKeepWarm } from "../container/pool-git-keepwarm.mjs";

/** The fixed session key of the warm-up turn: it holds no session's data. */
export const WARMUP_SESSION_KEY = "agent:main:pool-warmup";
/** Path prefix of the warm-up model stub the supervisor serves (OpenAI chat completions). */
export const WARMUP_STUB_PATH = "/pool/stub/v1";
const SESSION_CONFIG_FILE = "clawplane-session.json"; // src/runtime/openclaw/session-config.ts
/** What OpenClaw logs once a config change is live (verified on 2026.9.6). */
const RELOAD_APPLIED = /config hot reload applied/;
/** Longest wait for the claim's config to be applied (0.95–1.9 s idle, more under load). */
const APPLY_TIMEOUT_MS = 30_000;
/** Longest wait for the warm-up turn; a member that cannot finish it is replaced. */
const WARMUP_TIMEOUT_MS = 240_000;
/**
 * What every member's generic document sets besides its warm-up endpoint: the values a session
 * renders when it lacks the feature (every tool allowed, no MCP server, each Clawplane plugin's
 * empty `config`). OpenClaw's reload acts on each changed path (a changed plugin entry is
 * replaced, an `mcp` change disposes the MCP runtimes) and an absent value becoming `{}` or `[]`
 * is a change; with these in place a claim changes only what the session really sets. Same as
 * `poolDocumentDefaults()` in src/runtime/openclaw/session-config.ts (the container pool's).
 */
export const POOL_DOCUMENT_DEFAULTS = {
  tools: { deny: [] },
  mcp: { servers: {} },
  plugins: {
    entries: Object.fromEntries(
      ["clawplane-peers", "clawplane-beams", "clawplane-system-prompt", "clawplane-threads"].map((id) => [
        id,
        { config: {} },
      ]),
    ),
  },
};
/**
 * Start env keys a claim can carry into a running gateway: the three values the session's
 * document references (resolved to literals at claim) and the document itself. Anything else
 * (a vault credential's variable, custom tools) exists only as process env or boot-time
 * plugin manifests, which a running gateway cannot take: such a session boots cold.
 */
const CLAIMABLE_KEYS = new Set([
  "OPENCLAW_GATEWAY_TOKEN",
  "CLAWPLANE_LLM_BASE_URL",
  "CLAWPLANE_SESSION_TOKEN",
  "CLAWPLANE_SESSION_CONFIG",
]);

/**
 * Pool settings from the CLI / environment. `min` idle members are kept booted (0 = no pool),
 * never more than `max` members in all, each idle for at most `ttlMs`.
 * @param {{ min?: number, max?: number, ttlMs?: number }} [options]
 */
export function poolSettings(options = {}) {
  const min = Math.max(0, Math.floor(Number(options.min ?? 0)) || 0);
  const max = Math.max(min, Math.floor(Number(options.max ?? min)) || 0);
  const ttlMs = Math.max(1_000, Number(options.ttlMs ?? 30 * 60_000) || 30 * 60_000);
  return { min, max, ttlMs };
}

/**
 * Why a session's start env cannot be applied to a running gateway, or undefined when it can.
 * @param {Record<string, string>} env
 */
export function unclaimableReason(env) {
  const custom = env.CLAWPLANE_CUSTOM_TOOLS;
  if (custom && custom !== "[]") {
    return "the agent's custom tools are declared in a plugin manifest that OpenClaw reads only at boot";
  }
  const others = Object.keys(env).filter(
    (key) => !CLAIMABLE_KEYS.has(key) && key !== "CLAWPLANE_CUSTOM_TOOLS",
  );
  if (others.length) {
    return `environment variables (${others.sort().join(", ")}) reach the agent's processes only at boot`;
  }
  if (!env.CLAWPLANE_SESSION_CONFIG) return "the start carries no session config to apply";
  return undefined;
}

/**
 * `document` with every `${NAME}` reference replaced by `env[NAME]`: a running gateway only
 * resolves variables it was booted with, so a claim writes literals (into the config file only,
 * never the process env). A reference `env` lacks is an error; `$${NAME}` stays `${NAME}`.
 */
export function resolveEnvReferences(document, env) {
  const resolve = (value) => {
    if (typeof value === "string") {
      return value.replace(/(\$?)\$\{([A-Z_][A-Z0-9_]*)\}/g, (whole, escaped, name) => {
        if (escaped) return whole.slice(1);
        if (env[name] === undefined)
          throw new Error(`the session config references \${${name}}, which is not set`);
        return env[name];
      });
    }
    if (Array.isArray(value)) return value.map(resolve);
    if (value && typeof value === "object")
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, resolve(inner)]));
    return value;
  };
  return resolve(document);
}

/**
 * The warm pool. `spawn(id, env)` boots a gateway as a supervisor runtime (the supervisor's
 * `Runtime`), resolving with it once spawned; the pool owns it until a claim hands it out.
 */
export class RuntimePool {
  /**
   * @param {{ min: number, max: number, ttlMs: number }} settings
   * @param {{ spawn: (id: string, env: Record<string,string>) => Promise<any>, stubUrl: () => string,
   *   log?: (line: string) => void, gitKeepWarm?: boolean,
   *   install?: (runtime: any, packages: { key: string, set: Record<string, string[]> }) => Promise<any> }} hooks
   *   `install` puts a package set into a member (pools with `meta.packages`); `gitKeepWarm`
   *   false leaves idle members' git worker cold (container/pool-git-keepwarm.mjs; default on)
   * @param {{ key?: string, scope?: string, owner_id?: string | null, billed_to?: string,
   *   packages?: { key: string, set: Record<string, string[]> } | null }} [meta] which pool this
   *   is; default: the deployment's shared pool
   */
  constructor(settings, hooks, meta = {}) {
    this.settings = settings;
    this.hooks = hooks;
    /**
     * Which pool this is (src/runtime/warm-pool-plan.ts): its key, scope, owner, who its warm
     * runtimes' cost is attributed to, and the package set members install while warming.
     */
    this.meta = {
      key: meta.key ?? "shared",
      scope: meta.scope ?? "deployment",
      owner_id: meta.owner_id ?? null,
      billed_to: meta.billed_to ?? "organization",
      packages: meta.packages ?? null,
    };
    /** Runtime-milliseconds members spent booting and idle before they left the pool: its warm cost. */
    this.warmMs = 0;
    /** Warm-ups failed in a row (each retry waits longer) and the last one's reason. */
    this.failures = 0;
    this.lastError = null;
    /** When the last warm-up failed (ms), with `lastError`. */
    this.lastErrorAt = null;
    /** Warmed members ready to be claimed, oldest first. */
    this.idle = [];
    /** Members booting or warming up. */
    this.warming = new Set();
    this.counters = { claims: 0, misses: 0, refills: 0, replaced: 0, expired: 0 };
    this.nextId = 1;
    this.closed = false;
  }

  /** Pool size and counters, for status endpoints. */
  status() {
    const now = Date.now();
    const live = [...this.idle, ...this.warming].reduce((sum, m) => sum + (now - m.bootAt), 0);
    return {
      key: this.meta.key,
      scope: this.meta.scope,
      owner_id: this.meta.owner_id,
      billed_to: this.meta.billed_to,
      packages_key: this.meta.packages?.key ?? null,
      // What waiting cost so far: runtime-seconds booting and idle, attributed to `billed_to`.
      warm_seconds: Math.round((this.warmMs + live) / 1000),
      // Why members fail to warm up (e.g. a package that does not install), until one succeeds.
      last_error: this.lastError,
      last_error_at: this.lastErrorAt === null ? null : new Date(this.lastErrorAt).toISOString(),
      enabled: this.settings.max > 0,
      min_idle: this.settings.min,
      max: this.settings.max,
      ttl_seconds: Math.round(this.settings.ttlMs / 1000),
      idle: this.idle.length,
      warming: this.warming.size,
      members: [...this.idle, ...this.warming].map((m) => ({
        id: m.id,
        state: m.state,
        pid: m.runtime?.gateway?.pid ?? null,
        since: new Date(m.since).toISOString(),
        // `sessions.diff` calls that kept its git worker running (null: not kept warm).
        git_keepwarm_pings: m.keepWarm ? m.keepWarm.pings : null,
      })),
      ...this.counters,
    };
  }

  /** Boots members until `min` are idle or warming, never more than `max` in all. */
  fill() {
    if (this.closed) return;
    while (
      this.idle.length + this.warming.size < this.settings.min &&
      this.idle.length + this.warming.size < this.settings.max
    ) {
      this.boot();
    }
  }

  /**
   * Takes one warmed member for a session, or says why none was taken. Synchronous up to the
   * hand-out: the member leaves the pool before the first await, so a concurrent claim cannot see it.
   * @returns {{ member: object } | { reason: string, code: string }}
   */
  take(env) {
    const unclaimable = unclaimableReason(env);
    if (this.settings.max === 0) return this.miss("pool_off", "the warm pool is off (pool size 0)");
    if (unclaimable) return this.miss("not_applicable", `not served warm: ${unclaimable}`);
    const member = this.idle.shift();
    if (!member) {
      const why = this.warming.size
        ? `no warm runtime is ready (${this.warming.size} still warming, pool max ${this.settings.max})`
        : `every warm runtime is taken (pool max ${this.settings.max})`;
      return this.miss("pool_empty", why);
    }
    clearTimeout(member.ttlTimer);
    // Before anything of the session reaches the member: its pool-only connection closes.
    member.keepWarm?.stop();
    member.state = "claimed";
    this.settle(member);
    this.counters.claims += 1;
    this.fill(); // refill in the background
    return { member };
  }

  /**
   * Applies the session's document to a taken member: workspace emptied, document written with
   * literals, resolves once OpenClaw logged the reload as applied. Rejects when it was not.
   */
  async apply(member, env) {
    const runtime = member.runtime;
    const gateway = runtime.gateway;
    const document = resolveEnvReferences(JSON.parse(env.CLAWPLANE_SESSION_CONFIG), env);
    // The warm-up turn ran in here; the session starts with an empty workspace, as a cold one does.
    await emptyDir(join(runtime.stateDir, "workspace"));
    const applied = new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        stop();
        reject(new Error(`the session's config was not applied within ${APPLY_TIMEOUT_MS / 1000} s`));
      }, APPLY_TIMEOUT_MS);
      const stop = gateway.onLine((line) => {
        if (!RELOAD_APPLIED.test(line)) return;
        clearTimeout(timer);
        stop();
        resolve();
      });
      gateway.exited().then(() => {
        clearTimeout(timer);
        stop();
        reject(new Error("the warm runtime exited while the session's config was applied"));
      });
    });
    await writeFile(join(gateway.configDir, SESSION_CONFIG_FILE), `${JSON.stringify(document)}\n`);
    await applied;
  }

  /**
   * New settings at run time (`PUT /pool`): idle members beyond the new max are destroyed, the
   * pool refills to the new min. Members warming stay (they count toward max until they settle).
   */
  resize(settings) {
    this.settings = settings;
    while (this.idle.length + this.warming.size > settings.max && this.idle.length) {
      const member = this.idle.pop();
      clearTimeout(member.ttlTimer);
      member.state = "destroyed";
      this.destroy(member);
    }
    this.fill();
  }

  /** Stops refilling and destroys every member still in the pool. */
  async close() {
    this.closed = true;
    const members = [...this.idle, ...this.warming];
    this.idle = [];
    this.warming.clear();
    await Promise.all(members.map((m) => this.destroy(m)));
  }

  miss(code, reason) {
    this.counters.misses += 1;
    return { code, reason };
  }

  /** Adds a member's time in the pool to the pool's warm cost, once. */
  settle(member) {
    if (member.settled) return;
    member.settled = true;
    this.warmMs += Date.now() - member.bootAt;
  }

  boot() {
    const prefix =
      this.meta.key === "shared"
        ? "pool"
        : `pool-${this.meta.key.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 40)}`;
    const member = {
      id: `${prefix}-${this.nextId++}`,
      state: "booting",
      since: Date.now(),
      bootAt: Date.now(),
      runtime: undefined,
    };
    this.warming.add(member);
    this.counters.refills += 1;
    this.warm(member).then(
      () => {
        if (!this.warming.delete(member)) return; // closed meanwhile
        this.failures = 0;
        this.lastError = null;
        this.lastErrorAt = null;
        member.state = "idle";
        member.since = Date.now();
        member.ttlTimer = setTimeout(() => this.expire(member), this.settings.ttlMs);
        member.ttlTimer.unref?.();
        this.idle.push(member);
      },
      (error) => {
        this.hooks.log?.(`pool member ${member.id} failed to warm up: ${error?.message ?? error}`);
        this.lastError = String(error?.message ?? error).split("\n")[0];
        this.lastErrorAt = Date.now();
        this.failures += 1;
        if (this.warming.delete(member)) {
          this.destroy(member);
          // Not at once, and later each time: a gateway that cannot boot (or a package set that
          // cannot install) would otherwise boot ~1 GB gateways in a loop. 5 s, doubling, ≤ 5 min.
          const backoffMs = Math.min(5_000 * 2 ** (this.failures - 1), 300_000);
          setTimeout(() => this.fill(), backoffMs).unref?.();
        }
      },
    );
  }

  /** Boots, waits for ready, runs the warm-up turn; watches for the member's death. */
  async warm(member) {
    const token = randomBytes(24).toString("base64url");
    member.runtime = await this.hooks.spawn(member.id, {
      OPENCLAW_GATEWAY_TOKEN: token,
      CLAWPLANE_LLM_BASE_URL: this.hooks.stubUrl(),
      CLAWPLANE_SESSION_TOKEN: "pool-placeholder",
      // The warm-up turn goes through OpenClaw's chat completions endpoint; the session's
      // document, written at claim, does not enable it (it hot-reloads off again).
      // The defaults: a claim then changes (and reloads) only what the session sets.
      CLAWPLANE_SESSION_CONFIG: JSON.stringify({
        ...POOL_DOCUMENT_DEFAULTS,
        gateway: { http: { endpoints: { chatCompletions: { enabled: true } } } },
      }),
    });
    const gateway = member.runtime.gateway;
    gateway.exited().then(() => this.died(member));
    await gateway.ready();
    await warmupTurn(gateway.origin, token);
    // OpenClaw's git worker, which a claimed session's first turn starts otherwise (0.3–0.7 s of
    // it); kept running while the member is idle. Best effort: a member that cannot keep it
    // warm still serves, its first turn pays the start.
    if (this.hooks.gitKeepWarm !== false) {
      member.keepWarm = await startGitKeepWarm({
        origin: gateway.origin,
        token,
        sessionKey: WARMUP_SESSION_KEY,
        log: this.hooks.log,
      }).catch((error) => {
        this.hooks.log?.(
          `pool member ${member.id} cannot keep its git worker warm: ${error?.message ?? error}`,
        );
        return undefined;
      });
    }
    // A pool for a package set: its members hold the set before anyone claims them, so the
    // session's install finds it active and its first turn does not wait for it.
    if (this.meta.packages) {
      member.state = "installing";
      const installed = await this.hooks.install(member.runtime, this.meta.packages);
      if (installed?.result === "failed") {
        const error = installed.error ?? {};
        throw new Error(`installing ${error.manager} package "${error.package}" failed: ${error.message}`);
      }
    }
  }

  /**
   * An idle member that exited is dropped and replaced. One that dies while warming fails its
   * warm-up (handled there, with a back-off); a claimed one is its session's business.
   */
  died(member) {
    if (this.closed) return;
    const at = this.idle.indexOf(member);
    if (at < 0) return;
    this.idle.splice(at, 1);
    clearTimeout(member.ttlTimer);
    this.counters.replaced += 1;
    this.hooks.log?.(`pool member ${member.id} exited; replacing it`);
    this.destroy(member);
    this.fill();
  }

  expire(member) {
    const at = this.idle.indexOf(member);
    if (at < 0) return;
    this.idle.splice(at, 1);
    member.state = "expired";
    this.settle(member);
    this.counters.expired += 1;
    this.destroy(member).then(() => this.fill());
  }

  async destroy(member) {
    this.settle(member);
    member.keepWarm?.stop();
    member.state = member.state === "claimed" ? "claimed" : "destroyed";
    await member.runtime?.remove().catch(() => undefined);
  }
}

async function emptyDir(dir) {
  const entries = await readdir(dir).catch(() => []);
  await Promise.all(
    entries.map((name) =>
      rm(join(dir, name), { recursive: true, force: true, maxRetries: 5, retryDelay: 50 }),
    ),
  );
}

/**
 * The pool's data-free warm-up turn on the gateway at `origin` (token `token`): one chat
 * completion through OpenClaw's HTTP endpoint under `sessionKey` (the warm-up session's by
 * default), answered by the warm-up model. Resolves with the reply's body; throws when the
 * gateway refuses it or it takes longer than `timeoutMs`. Exported for bench/claim-apply.ts,
 * which warms and checks its gateways the same way.
 * @param {string} origin
 * @param {string} token
 * @param {{ sessionKey?: string, text?: string, timeoutMs?: number }} [options]
 */
export async function warmupTurn(origin, token, options = {}) {
  const res = await fetch(`${origin}/v1/chat/completions`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      "x-openclaw-session-key": options.sessionKey ?? WARMUP_SESSION_KEY,
    },
    body: JSON.stringify({
      model: "openclaw",
      messages: [{ role: "user", content: options.text ?? "warm up" }],
    }),
    signal: AbortSignal.timeout(options.timeoutMs ?? WARMUP_TIMEOUT_MS),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`warm-up turn failed (HTTP ${res.status}): ${text.slice(0, 200)}`);
  return text;
}

/**
 * The warm-up turn's model: answers every chat completion at once with "ok", streamed or not,
 * in OpenAI's wire format. It serves only the pool's data-free warm-up turn; no session ever
 * points at it (a claim replaces the provider's URL and key).
 */
export function answerWarmupCompletion(body, res) {
  const id = `chatcmpl-warmup-${Date.now()}`;
  const created = Math.floor(Date.now() / 1000);
  const usage = { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 };
  if (!body?.stream) {
    res.writeHead(200, { "content-type": "application/json" });
    return res.end(
      JSON.stringify({
        id,
        object: "chat.completion",
        created,
        model: body?.model ?? "warmup",
        choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }],
        usage,
      }),
    );
  }
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const chunk = (delta, finish, extra = {}) =>
    `data: ${JSON.stringify({
      id,
      object: "chat.completion.chunk",
      created,
      model: body.model ?? "warmup",
      choices: [{ index: 0, delta, finish_reason: finish }],
      ...extra,
    })}\n\n`;
  res.write(chunk({ role: "assistant", content: "ok" }, null));
  res.write(chunk({}, "stop", { usage }));
  res.end("data: [DONE]\n\n");
}
