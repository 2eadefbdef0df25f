/**
 * A session's OpenClaw runtime as its Durable Object uses it: the per-session secrets (gateway
 * token, LLM proxy token, device identity; minted once, kept in DO storage, never returned by
 * the API), the live link to the gateway, starting and stopping the runtime, watching for its
 * exit, and carrying its workspace across runtimes (workspace-store.ts).
 */

import { egressPolicyFor, packageRegistryHosts } from "../egress/policy";
import type { EgressSecrets } from "../egress/secret-substitution";
import { timingSafeEqualStrings } from "../lib/crypto";
import { randomBase62 } from "../lib/ids";
import { describeError, log } from "../lib/log";
import { makeRedactor } from "../lib/redact";
import { mintSessionToken } from "../llm/session-token";
import { chooseUpstream, missingProviderMessage } from "../llm/upstreams";
import { openclawMcpConfig } from "../mcp/config";
import {
  type AgentRuntime,
  OPENCLAW_PORT,
  type RuntimeExit,
  RuntimeStartError,
  type RuntimeStartOptions,
  stoppedWhileStarting,
  type WarmPoolOutcome,
} from "../runtime/agent-runtime";
import {
  BEAM_CALLS_HOST,
  LLM_PROXY_HOST,
  MCP_PROXY_HOST,
  PEER_CALLS_HOST,
} from "../runtime/container-runtime";
import { adminRpc } from "../runtime/openclaw/admin-rpc";
import { DeviceIdentity, type StoredDeviceIdentity } from "../runtime/openclaw/device-identity";
import type { EventFrame } from "../runtime/openclaw/protocol";
import { renderSessionConfig, SESSION_CONFIG_ENV } from "../runtime/openclaw/session-config";
import { selectRuntime } from "../runtime/select-runtime";
import type { SessionEvent, SessionEventBody } from "../schemas/session-events";
import type { ApprovalCall } from "./approval-desk";
import type { CustomToolAnswer } from "./approvals";
import { beamToolOf } from "./beam-tools";
import { credentialEnv, egressSecretsOf, loadEnvCredentials, type Placeholders } from "./credential-env";
import { CUSTOM_TOOL_ANSWER_METHOD, CUSTOM_TOOLS_ENV, customToolDefinitions } from "./custom-tools";
import { installEnvironmentPackages, normalizedPackageSet } from "./environment-packages";
import { type LinkState, openLink } from "./gateway-link";
import { offersPeerTools, withPeerTools } from "./peer-tools";
import { networkingOf, type SessionRecord, workspaceMaxBytes } from "./session-record";
import {
  canSpawn,
  THREAD_TOOL_ANSWER_METHOD,
  THREAD_TOOL_DEFINITIONS,
  withThreadTools,
} from "./thread-tools";
import {
  type GatewayToolPolicy,
  gatewayToolPolicy,
  openclawToolsConfig,
  TOOL_ANSWER_METHOD,
  TOOL_POLICY_BIND_METHOD,
} from "./tool-policy";
import { warmPoolPlanFor } from "./warm-pool-settings";
import { type WorkspaceSave, WorkspaceStore } from "./workspace-store";

const SECRETS_KEY = "runtime-secrets";

interface RuntimeSecrets {
  gatewayToken: string;
  sessionToken: string;
  identity: StoredDeviceIdentity;
  /** `environment_variable` credential id → the placeholder its env var holds (credential-env.ts). */
  placeholders?: Placeholders;
}

/**
 * A start of the session's runtime, built once (`startsAtCreate`) and handed to `connect`: the
 * runtime asked, the secrets its env carries (not stored until the start begins) and the start
 * options the runtime judged.
 */
export interface PreparedStart {
  runtime: AgentRuntime;
  secrets: RuntimeSecrets;
  options: RuntimeStartOptions;
}

/**
 * What OpenClaw's `logs.tail` returns (params `{cursor?, limit? 1–5000, maxBytes?}`; verified
 * against the bundled gateway): raw JSON lines of its log file, and the byte offset to pass as
 * `cursor` next time for only the lines written since.
 */
interface LogsTail {
  file: string;
  cursor: number;
  size: number;
  lines: string[];
  truncated?: boolean;
  reset?: boolean;
}

/** OpenClaw's canonical session key: it lowercases keys, and its events carry that form. */
export function openclawSessionKey(sessionId: string): string {
  return `agent:main:${sessionId.toLowerCase()}`;
}

export interface RuntimeHooks {
  onEvent: (frame: EventFrame) => void;
  /** The link to the gateway dropped (runtime died, restarted or was stopped). */
  onLost: (reason: string) => void;
  /** The runtime's process exited without this session stopping it. */
  onExit: (exit: RuntimeExit) => void;
}

/** One runtime watched for its exit; `expected` once this session stops it itself. */
interface ExitWatch {
  expected: boolean;
}

export class SessionRuntime {
  private link: LinkState | undefined;
  /** The start under way, if any: later callers join it, `stop` aborts it. */
  private starting: { promise: Promise<LinkState>; abort: AbortController } | undefined;
  /** Runtimes watched for their exit (one per link; an earlier one may still be going down). */
  private readonly watches = new Set<ExitWatch>();
  /** The link whose runtime holds the environment's packages (checked once per link). */
  private packagesReadyOn: LinkState | undefined;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
    private readonly hooks: RuntimeHooks,
  ) {}

  /** Whether the LLM proxy token presented belongs to this session. */
  async acceptsModelToken(token: string): Promise<boolean> {
    const secrets = this.ctx.storage.kv.get<RuntimeSecrets>(SECRETS_KEY);
    return secrets !== undefined && (await timingSafeEqualStrings(token, secrets.sessionToken));
  }

  /**
   * The live link, starting the runtime and connecting first if needed; `onStart` is called
   * when the runtime has to be started, `onWarmPool` with how a pooled start went. `prepared`
   * is a start `startsAtCreate` built: used as it is, nothing loaded again.
   */
  async connect(
    record: SessionRecord,
    onStart?: () => void,
    onWarmPool?: (outcome: WarmPoolOutcome) => void,
    prepared?: PreparedStart,
  ): Promise<LinkState> {
    // One start at a time: a caller that finds one under way (begun at create) joins it; its
    // progress was reported by whoever began it. Checked before the link, which is set while
    // the start still restores the workspace.
    const inflight = this.starting;
    if (inflight) {
      try {
        return await inflight.promise;
      } catch (err) {
        // Stopped (archive, delete, sleep): nothing to start. Any other failure was the
        // starter's (logged there); this caller starts afresh and reports its own outcome.
        if (inflight.abort.signal.aborted) throw err;
      }
    }
    if (this.link) return this.link;
    const abort = new AbortController();
    const entry = { promise: this.open(record, abort.signal, onStart, onWarmPool, prepared), abort };
    this.starting = entry;
    try {
      return await entry.promise;
    } finally {
      if (this.starting === entry) this.starting = undefined;
    }
  }

  /** Whether a start is under way (begun and not yet linked or failed). */
  get isStarting(): boolean {
    return this.starting !== undefined;
  }

  /**
   * Whether a start begun at `sessions.create` (before any message) would be served by a warm
   * pool. The deployment's switches and the model are checked here; everything else is the
   * runtime's to say (`hasWarmIdle`), on the very start options the start would use, so the
   * rules of which sessions a pool takes live with the pool alone. A yes carries that prepared
   * start for `connect`; a no names why not (for the log). Asking stores nothing: secrets and
   * placeholders minted for the question are kept only by the start.
   */
  async startsAtCreate(
    record: SessionRecord,
  ): Promise<{ yes: true; start: PreparedStart } | { yes: false; why: string }> {
    if (this.env.RUNTIME_WARM_POOL === "off") return { yes: false, why: "the warm pool is off" };
    if (this.env.RUNTIME_CLAIM_AT_CREATE === "off")
      return { yes: false, why: "starting at create is off (RUNTIME_CLAIM_AT_CREATE=off)" };
    if (this.modelConfigError(record)) return { yes: false, why: "no provider serves the agent's model" };
    let start: PreparedStart;
    try {
      const runtime = this.runtime(record.id);
      if (!runtime.hasWarmIdle) return { yes: false, why: `the ${runtime.kind} runtime has no warm pool` };
      const secrets = this.ctx.storage.kv.get<RuntimeSecrets>(SECRETS_KEY) ?? (await newSecrets(record.id));
      start = await this.prepareStart(record, runtime, secrets);
    } catch (err) {
      return { yes: false, why: err instanceof Error ? err.message : String(err) };
    }
    // Only a start a warm runtime can serve: one that would boot cold may be wasted on a
    // session never used (and the pool's size 0 is "off", today's behaviour exactly).
    const answer = await start.runtime.hasWarmIdle?.(start.options);
    return answer?.idle ? { yes: true, start } : { yes: false, why: answer?.why ?? "no warm pool" };
  }

  /**
   * Everything a start of `record`'s runtime is given, loaded and built once: the vault
   * credentials' env (a D1 load; placeholders minted for new credentials), whether it offers
   * peer tools, its warm-pool plan, and the start env itself. Nothing is stored: the start keeps
   * the secrets it returns (`keepSecrets`) before it begins.
   */
  private async prepareStart(
    record: SessionRecord,
    runtime: AgentRuntime,
    secrets: RuntimeSecrets,
  ): Promise<PreparedStart> {
    const { env: credentials, placeholders } = await this.loadCredentialEnv(record, secrets);
    const peerTools = await offersPeerTools(this.env, record.agent.id);
    // A warm runtime serves any session whose config applies to a running gateway; the
    // runtime's pool says when it does not (credentials in env, custom tools) and why.
    const warmPool = this.env.RUNTIME_WARM_POOL !== "off";
    const kept = placeholders ? { ...secrets, placeholders } : secrets;
    return {
      runtime,
      secrets: kept,
      options: {
        env: this.startEnv(record, runtime, kept, credentials, peerTools),
        enableInternet: record.enableInternet,
        egress: egressPolicyFor(
          networkingOf(record),
          record.agent.mcp_servers.map((s) => s.url),
          packageRegistryHosts(this.env.EGRESS_PACKAGE_REGISTRY_HOSTS),
        ),
        // Placeholders only: the egress edge swaps them for the secrets (containers only).
        substituteSecrets: Object.keys(credentials).length > 0,
        warmPool,
        // Which pools: the environment's, the plane's, the deployment's (warm-pool-plan.ts).
        warmPoolPlan: warmPool ? await warmPoolPlanFor(this.env, record) : undefined,
      },
    };
  }

  /** The gateway's env for a start: the session's tokens, its config document, its credentials' placeholders. */
  private startEnv(
    record: SessionRecord,
    runtime: AgentRuntime,
    secrets: RuntimeSecrets,
    credentials: Record<string, string>,
    peerTools: boolean,
  ): Record<string, string> {
    const agentPolicy = gatewayToolPolicy(record.agent.tools);
    const withPeers = peerTools ? withPeerTools(agentPolicy) : agentPolicy;
    const spawns = canSpawn(record.agent);
    const policy = spawns ? withThreadTools(withPeers) : withPeers;
    // The agent's custom tools, for the custom-tools plugin to offer under their own names.
    const customTools = customToolDefinitions(record.agent.tools);
    return {
      // First, so a credential named like one of the runtime's own variables cannot shadow it.
      ...credentials,
      OPENCLAW_GATEWAY_TOKEN: secrets.gatewayToken,
      CLAWPLANE_SESSION_TOKEN: secrets.sessionToken,
      CLAWPLANE_LLM_BASE_URL: this.llmBaseUrl(runtime, record),
      // Everything else that makes the gateway this session's, as one config document
      // (session-config.ts): applied at boot, or to a warm runtime the session claims.
      // References, not values, for the tokens above: no secret in it.
      [SESSION_CONFIG_ENV]: JSON.stringify(
        renderSessionConfig({
          toolPolicy: policy,
          // The same policy as OpenClaw's tool allow/deny lists: the model is offered only these.
          tools: openclawToolsConfig(policy),
          // The agent's MCP servers, pointed at the MCP proxy; no credential in it.
          mcp: openclawMcpConfig(record.agent, this.mcpBaseUrl(runtime, record)),
          // Tailnet peers: where peer_send goes (the Worker, which holds the peers' tokens).
          peersUrl: peerTools ? this.peersBaseUrl(runtime, record) : undefined,
          // Delegation to beams: where beam_agent goes (the Worker; Teleport's identity stays in the connector).
          beamsUrl: beamToolOf(record.agent.tools) ? this.beamsBaseUrl(runtime, record) : undefined,
          systemPrompt: record.agent.system ?? null,
          // An agent that may delegate: the threads plugin offers spawn_agent and message_thread
          // (their calls are answered by the session), in the document so a warm runtime has them too.
          threadTools: spawns ? THREAD_TOOL_DEFINITIONS : undefined,
        }),
      ),
      // The agent's custom tools: the custom-tools plugin's manifest names them at boot.
      ...(customTools.length ? { [CUSTOM_TOOLS_ENV]: JSON.stringify(customTools) } : {}),
    };
  }

  private async open(
    record: SessionRecord,
    signal: AbortSignal,
    onStart?: () => void,
    onWarmPool?: (outcome: WarmPoolOutcome) => void,
    prepared?: PreparedStart,
  ): Promise<LinkState> {
    // Where a start's time goes (epoch ms per step), logged once the link is up: bench/start.mjs.
    const timing: Record<string, number> = { connect_at: Date.now() };
    // A start prepared at create, unless another start stored other secrets since (its runtime
    // knows those): then this one is prepared afresh.
    const stored = this.ctx.storage.kv.get<RuntimeSecrets>(SECRETS_KEY);
    const ready =
      prepared && (!stored || stored.gatewayToken === prepared.secrets.gatewayToken) ? prepared : undefined;
    const secrets = ready ? this.keepSecrets(ready.secrets) : await this.secrets(record.id);
    const runtime = ready?.runtime ?? this.runtime(record.id);
    // Built once per open, and only when the runtime has to be started: a second start in the
    // same setup (a runtime that was still going down) reuses it, placeholders and all.
    let start = ready;
    const opened = await openLink({
      signal,
      runtime,
      gatewayToken: secrets.gatewayToken,
      identity: await DeviceIdentity.import(secrets.identity),
      sessionKey: openclawSessionKey(record.id),
      startOptions: async () => {
        if (!start) {
          start = await this.prepareStart(record, runtime, secrets);
          this.keepSecrets(start.secrets);
        }
        return start.options;
      },
      onStart,
      onWarmPool,
      mark: (phase) => {
        timing[`${phase}_at`] = Date.now();
      },
      onEvent: this.hooks.onEvent,
      onClose: (reason) => {
        this.link = undefined;
        this.hooks.onLost(`gateway connection closed (${reason})`);
      },
    });
    // A stop during the link's setup ends `openLink` with the stopped error (it closes its own
    // client): a link handed back is live.
    this.link = opened;
    const link = opened;
    this.watchExit(runtime, link);
    try {
      const restored = await this.workspace(record.id).restore(runtime, secrets.gatewayToken, {
        fresh: link.claimed === true,
      });
      timing.restored_at = Date.now();
      log("info", "start timing", { session_id: record.id, workspace: restored.kind, ...timing });
    } catch (err) {
      // No turn on a workspace that silently lacks the user's files: this turn fails, the
      // next one tries again (the runtime keeps running, its workspace still unrestored).
      if (this.link === link) this.link = undefined;
      link.client.close(1000, "workspace restore failed");
      log("warn", "workspace restore failed", { session_id: record.id, ...describeError(err) });
      throw new RuntimeStartError(
        `The session's workspace could not be restored into its runtime: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
    return link;
  }

  /**
   * Saves the runtime's workspace durably. Without a link (this object was evicted since the
   * last turn) a runtime still running is saved all the same: its processes may have written
   * since. Nothing to save when no runtime runs.
   */
  async saveWorkspace(record: SessionRecord): Promise<WorkspaceSave> {
    const secrets = this.ctx.storage.kv.get<RuntimeSecrets>(SECRETS_KEY);
    if (!secrets) return { kind: "skipped", reason: "the session never had a runtime" };
    let runtime: AgentRuntime;
    try {
      runtime = this.runtime(record.id);
    } catch (err) {
      // No runtime configured for this Worker: there is nothing to save from.
      return { kind: "skipped", reason: err instanceof Error ? err.message : String(err) };
    }
    if (!this.link && !(await runtime.isRunning().catch(() => false)))
      return { kind: "skipped", reason: "no runtime is running" };
    return this.workspace(record.id).save(runtime, secrets.gatewayToken, workspaceMaxBytes(record));
  }

  /** Deletes the session's saved workspace (the session is deleted). */
  async deleteWorkspace(sessionId: string): Promise<void> {
    await this.workspace(sessionId)
      .delete()
      .catch((err) =>
        log("warn", "workspace delete failed", { session_id: sessionId, ...describeError(err) }),
      );
  }

  /**
   * Watches the runtime just linked for its process to exit. An exit this session did not ask
   * for (a crash, a kill, a platform restart) is reported through `onExit`, even when the
   * connection's close was noticed first; one it asked for (`stop`) is not.
   */
  private watchExit(runtime: AgentRuntime, link: LinkState): void {
    const watch: ExitWatch = { expected: false };
    this.watches.add(watch);
    runtime
      .monitor()
      .then(
        (exit) => {
          if (watch.expected) return;
          // The link to the exited runtime is dead even if its close was not noticed yet.
          if (this.link === link) this.link = undefined;
          this.hooks.onExit(exit);
        },
        (err) => log("warn", "runtime exit monitor failed", describeError(err)),
      )
      .finally(() => this.watches.delete(watch));
  }

  private workspace(sessionId: string): WorkspaceStore {
    return new WorkspaceStore(this.env.WORKSPACES, this.ctx.storage.kv, sessionId);
  }

  /**
   * Why the runtime could not call `record`'s model, when that is known before starting it: no
   * provider of the Worker's LLM proxy serves the model (the proxy makes the same choice).
   * Null when a provider does, or when the runtime calls a model endpoint of its own.
   */
  modelConfigError(record: SessionRecord): string | null {
    if (this.env.RUNTIME_LLM_BASE_URL) return null;
    const model = record.agent.model.id;
    return chooseUpstream(model, this.env) ? null : missingProviderMessage(model);
  }

  /**
   * Makes sure the connected runtime holds the environment's packages before a turn runs
   * (environment-packages.ts): once per link, since a new link may be a new runtime. Null when
   * they are usable (or there are none), else the failure naming the package.
   */
  async installPackages(
    record: SessionRecord,
    emit: (event: SessionEventBody) => SessionEvent,
  ): Promise<string | null> {
    const link = this.link;
    const set = normalizedPackageSet(record.packages);
    if (!link || this.packagesReadyOn === link || Object.keys(set).length === 0) return null;
    const failure = await installEnvironmentPackages(link.client, set, emit);
    if (!failure) this.packagesReadyOn = link;
    return failure;
  }

  /** Forgets a link that is known to be dead; the next `connect` starts over. */
  forget(): void {
    this.link = undefined;
  }

  /** Aborts the gateway's run `runId` (user.interrupt). */
  async abort(sessionId: string, runId: string): Promise<void> {
    await this.link?.client.chatAbort({ sessionKey: openclawSessionKey(sessionId), runId }).catch((err) => {
      log("warn", "chat.abort failed", { session_id: sessionId, ...describeError(err) });
    });
  }

  /** Stops every run of a child thread (its own OpenClaw session key); a stopped runtime has none. */
  async abortKey(sessionKey: string): Promise<void> {
    await this.link?.client.chatAbort({ sessionKey }).catch((err) => {
      log("warn", "chat.abort failed", { session_key: sessionKey, ...describeError(err) });
    });
  }

  /**
   * Starts a child thread's run under its own OpenClaw session key: the tool-policy plugin is
   * told the key's policy first (so not one of its calls runs under the parent's), its session
   * is pinned to its model slot (thread-model.ts), its whole
   * messages are subscribed (per-call usage), then the message is sent. Throws without a link.
   */
  async runChild(
    sessionKey: string,
    policy: GatewayToolPolicy,
    message: string,
    runId: string,
    modelRef: string,
  ): Promise<void> {
    const client = this.link?.client;
    if (!client) throw new Error("no live link to the runtime");
    await client.request(TOOL_POLICY_BIND_METHOD, { sessionKey, policy });
    // Its calls come in on its model slot, which the session serves with its own agent's model.
    await client.request("sessions.patch", { key: sessionKey, model: modelRef });
    await client.request("sessions.messages.subscribe", { key: sessionKey });
    await client.chatSend({ sessionKey, message, idempotencyKey: runId });
  }

  /**
   * Answers one of OpenClaw's plugin approvals. The tool-policy plugin hears the answer first
   * (container/plugins/clawplane-tool-policy): it runs an `ask` call only when told the user
   * allowed it, and blocks a denied one with the user's reason as the result the model sees,
   * which OpenClaw's own denial cannot carry; OpenClaw's approval then releases the call to it.
   * A denial without a reason is OpenClaw's plain deny. False when it could not be answered (no
   * link, or the gateway no longer holds the request): the caller then keeps the answer itself.
   */
  async answerApproval(call: ApprovalCall, allow: boolean, denyMessage?: string): Promise<boolean> {
    const client = this.link?.client;
    if (!client) return false;
    const resolve = async (decision: "allow-once" | "deny") => {
      try {
        await client.request("plugin.approval.resolve", { id: call.approvalId, decision });
        return true;
      } catch (err) {
        log("warn", "plugin.approval.resolve failed", {
          approval_id: call.approvalId,
          ...describeError(err),
        });
        return false;
      }
    };
    if (!allow && !denyMessage) return resolve("deny");
    try {
      await client.request(TOOL_ANSWER_METHOD, {
        toolCallId: call.toolCallId,
        allow,
        ...(denyMessage ? { reason: denyMessage } : {}),
      });
    } catch (err) {
      log("warn", "the tool policy did not take the answer", {
        approval_id: call.approvalId,
        ...describeError(err),
      });
      // Never run a call without the plugin's word: a denial still denies (without the reason),
      // an approval is kept for a re-run of the turn.
      return allow ? false : resolve("deny");
    }
    return resolve("allow-once");
  }

  /**
   * Hands the client's answer to a custom tool call waiting in the runtime's custom-tools
   * plugin (container/plugins/clawplane-custom-tools). False when there is no link or the
   * gateway did not take it: the caller then keeps the answer for a re-run of the turn.
   */
  async answerCustomTool(toolCallId: string, answer: CustomToolAnswer): Promise<boolean> {
    return this.answerWaitingCall(CUSTOM_TOOL_ANSWER_METHOD, toolCallId, answer);
  }

  /**
   * Hands the session's answer to a thread tool call (spawn_agent, message_thread) waiting in
   * the runtime's threads plugin (container/plugins/clawplane-threads). False as above.
   */
  async answerThreadTool(toolCallId: string, answer: CustomToolAnswer): Promise<boolean> {
    return this.answerWaitingCall(THREAD_TOOL_ANSWER_METHOD, toolCallId, answer);
  }

  /** Delivers an answer to a plugin tool call waiting on `method`; false when it was not taken. */
  private async answerWaitingCall(
    method: string,
    toolCallId: string,
    answer: CustomToolAnswer,
  ): Promise<boolean> {
    const client = this.link?.client;
    if (!client) return false;
    try {
      await client.request(method, { toolCallId, ...answer });
      return true;
    } catch (err) {
      log("warn", "a plugin did not take a tool call's answer", {
        method,
        tool_call_id: toolCallId,
        ...describeError(err),
      });
      return false;
    }
  }

  /** Closes the link and stops the runtime (gracefully, or destroyed with its disk). */
  async stop(sessionId: string, why: string, destroy: boolean): Promise<void> {
    const link = this.link;
    this.link = undefined;
    // A start under way (begun at create) is told to stop, and waited for: what it started by
    // the time it gives up (a claimed warm runtime, a booting one) is stopped below with the rest.
    const inflight = this.starting;
    if (inflight) {
      inflight.abort.abort(stoppedWhileStarting(why));
      // It may have linked before it heard: that link goes too.
      const late = await inflight.promise.catch(() => undefined);
      late?.client.close(1000, why);
      this.link = undefined;
    }
    // Its exit is this session's doing, not news.
    for (const watch of this.watches) watch.expected = true;
    link?.client.close(1000, why);
    try {
      const runtime = this.runtime(sessionId);
      if (destroy) await runtime.destroy(why);
      else await runtime.stop();
    } catch (err) {
      // A session that never had a runtime configured has nothing to stop.
      if (!(err instanceof RuntimeStartError)) {
        log("warn", "runtime stop failed", { session_id: sessionId, why, ...describeError(err) });
      }
    }
  }

  /**
   * The gateway's recent log lines (OpenClaw's `logs.tail` over the admin RPC), with this
   * session's own gateway and session tokens masked before they leave the object. Only reads a
   * runtime that is already running (never starts one); `null` when there is none.
   * `cursor` is OpenClaw's byte offset in its log file: lines written after it.
   */
  async recentLogLines(
    sessionId: string,
    query: { cursor?: number; limit: number },
  ): Promise<{ lines: string[]; cursor: number } | null> {
    const secrets = this.ctx.storage.kv.get<RuntimeSecrets>(SECRETS_KEY);
    if (!secrets) return null;
    const runtime = this.runtime(sessionId);
    if (!(await runtime.isRunning())) return null;
    const tail = await adminRpc<LogsTail>(
      (url, init) => runtime.fetch(OPENCLAW_PORT, new Request(url, init)),
      "http://gateway.local",
      secrets.gatewayToken,
      "logs.tail",
      { limit: query.limit, ...(query.cursor !== undefined ? { cursor: query.cursor } : {}) },
    );
    const mask = makeRedactor([secrets.gatewayToken, secrets.sessionToken]);
    return { lines: tail.lines.map(mask), cursor: tail.cursor };
  }

  /**
   * The env entries of the session's `environment_variable` credentials (`secret_name` →
   * placeholder), and the placeholders to keep when any were minted for new credentials (else
   * undefined). Never a secret value; stores nothing.
   */
  private async loadCredentialEnv(
    record: SessionRecord,
    secrets: RuntimeSecrets,
  ): Promise<{ env: Record<string, string>; placeholders?: Placeholders }> {
    if (record.vaultIds.length === 0) return { env: {} };
    let credentials: Awaited<ReturnType<typeof loadEnvCredentials>>;
    try {
      credentials = await loadEnvCredentials(this.env, record.vaultIds);
    } catch (err) {
      log("warn", "vault credentials could not be loaded", { session_id: record.id, ...describeError(err) });
      throw new RuntimeStartError("The session's vault credentials could not be loaded.", { cause: err });
    }
    if (credentials.length === 0) return { env: {} };
    return credentialEnv(credentials, secrets.placeholders ?? {});
  }

  /**
   * placeholder → secret for the egress edge, loaded now (one request's worth; a credential
   * updated or archived since the start takes effect at once). Empty before any start.
   */
  async egressSecrets(record: SessionRecord): Promise<EgressSecrets> {
    const placeholders = this.ctx.storage.kv.get<RuntimeSecrets>(SECRETS_KEY)?.placeholders;
    if (!placeholders || Object.keys(placeholders).length === 0) return {};
    return egressSecretsOf(await loadEnvCredentials(this.env, record.vaultIds), placeholders);
  }

  private runtime(sessionId: string): AgentRuntime {
    return selectRuntime(this.ctx, this.env, sessionId);
  }

  /** Where the runtime's model provider points: the Worker's LLM proxy, never a provider. */
  private llmBaseUrl(runtime: AgentRuntime, record: SessionRecord): string {
    if (this.env.RUNTIME_LLM_BASE_URL) return this.env.RUNTIME_LLM_BASE_URL;
    return runtime.kind === "container" ? `http://${LLM_PROXY_HOST}/v1` : `${record.apiOrigin}/llm/v1`;
  }

  /** Where the runtime's peer tools call: the Worker's peer calls (src/a2a/outbound.ts). */
  private peersBaseUrl(runtime: AgentRuntime, record: SessionRecord): string {
    return runtime.kind === "container" ? `http://${PEER_CALLS_HOST}` : `${record.apiOrigin}/peers/v1`;
  }

  /** Where the runtime's `beam_agent` tool calls: the Worker's beam calls (src/entrypoints/beam-calls.ts). */
  private beamsBaseUrl(runtime: AgentRuntime, record: SessionRecord): string {
    return runtime.kind === "container" ? `http://${BEAM_CALLS_HOST}` : `${record.apiOrigin}/beams/v1`;
  }

  /** Where the runtime's MCP servers point: the Worker's MCP proxy, never the servers themselves. */
  private mcpBaseUrl(runtime: AgentRuntime, record: SessionRecord): string {
    return runtime.kind === "container" ? `http://${MCP_PROXY_HOST}` : `${record.apiOrigin}/mcp/v1`;
  }

  /** The session's runtime secrets, minted and stored the first time. */
  private async secrets(sessionId: string): Promise<RuntimeSecrets> {
    const existing = this.ctx.storage.kv.get<RuntimeSecrets>(SECRETS_KEY);
    return existing ?? this.keepSecrets(await newSecrets(sessionId));
  }

  /** Stores the secrets a start runs with (its placeholders too): the proxies check against them. */
  private keepSecrets(secrets: RuntimeSecrets): RuntimeSecrets {
    this.ctx.storage.kv.put(SECRETS_KEY, secrets);
    return secrets;
  }
}

/** A session's runtime secrets, freshly minted (not stored). */
async function newSecrets(sessionId: string): Promise<RuntimeSecrets> {
  const identity = await DeviceIdentity.generate();
  return {
    gatewayToken: randomBase62(43),
    sessionToken: mintSessionToken(sessionId),
    identity: identity.export(),
  };
}
