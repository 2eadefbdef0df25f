/**
 * A session's OpenClaw configuration as one JSON document: everything that makes a generic
 * gateway this session's (its gateway token, the LLM proxy and the session's identity there,
 * the tools the model is offered, the tool policy, the MCP servers, the peers' and beams' endpoints, the
 * agent's system prompt, the thread tools of an agent that may spawn).
 *
 * The gateway's root config includes the generic template first and this document second
 * (container/openclaw.json5, then `clawplane-session.json`; later wins), so the same document
 * serves both ways a session gets a runtime:
 * - cold: written before the gateway boots; its `${VAR}` references resolve from the boot env;
 * - warm: written into a pre-booted pool gateway, which hot-reloads every key used here
 *   (docs/reference §13: provider, tools, plugin config, MCP, gateway token). Its references
 *   are then resolved to literals by whoever applies it (the local supervisor's pool,
 *   scripts/runtime-pool.mjs), since a running gateway only knows the variables it was booted with.
 *
 * Plugins read their settings from `plugins.entries.<id>.config` (their `register()` re-runs on
 * every reload), never from the boot env, so a claim reaches them too.
 */

/** Where the session document lives, beside the gateway's root config. */
export const SESSION_CONFIG_FILE = "clawplane-session.json";
/** The start env entry carrying the rendered document (the container entrypoint writes it out). */
export const SESSION_CONFIG_ENV = "CLAWPLANE_SESSION_CONFIG";

/** OpenClaw's plugin ids for Clawplane's plugins (container/plugins/*). */
export const TOOL_POLICY_PLUGIN = "clawplane-tool-policy";
export const PEERS_PLUGIN = "clawplane-peers";
export const BEAMS_PLUGIN = "clawplane-beams";
export const SYSTEM_PROMPT_PLUGIN = "clawplane-system-prompt";
export const THREADS_PLUGIN = "clawplane-threads";

/** The runtime's own values, as `${VAR}` references resolved from the boot env (cold) or at claim (warm). */
export const GATEWAY_TOKEN_REF = `\${OPENCLAW_GATEWAY_TOKEN}`;
export const SESSION_TOKEN_REF = `\${CLAWPLANE_SESSION_TOKEN}`;
export const LLM_BASE_URL_REF = `\${CLAWPLANE_LLM_BASE_URL}`;

export interface SessionConfigInput {
  /** The agent's tool policy as the tool-policy plugin reads it (src/session/tool-policy.ts). */
  toolPolicy: unknown;
  /** OpenClaw's `tools.allow` / `tools.deny`: the tools the model is offered. */
  tools: { allow?: string[]; deny: string[] };
  /** OpenClaw's `mcp` block: the agent's servers, pointed at the MCP proxy. */
  mcp: { servers: Record<string, unknown> };
  /** Where the peer tools call (the Worker); absent when the agent has no outbound peer. */
  peersUrl?: string;
  /** Where `beam_agent` calls (the Worker); absent when the agent has no `beam_agent` entry. */
  beamsUrl?: string;
  /** The agent's system prompt, added to every turn's system context; null for none. */
  systemPrompt: string | null;
  /** The thread tools' definitions (spawn_agent, message_thread); absent when the agent may not spawn. */
  threadTools?: unknown[];
}

/** The session document (see the module comment). Pure: the same input, the same document. */
export function renderSessionConfig(input: SessionConfigInput): Record<string, unknown> {
  return {
    gateway: { auth: { mode: "token", token: GATEWAY_TOKEN_REF } },
    models: {
      providers: { clawplane: { baseUrl: LLM_BASE_URL_REF, apiKey: SESSION_TOKEN_REF } },
    },
    tools: { ...(input.tools.allow ? { allow: input.tools.allow } : {}), deny: input.tools.deny },
    mcp: { servers: input.mcp.servers },
    plugins: {
      entries: {
        [TOOL_POLICY_PLUGIN]: { config: { policy: input.toolPolicy } },
        [PEERS_PLUGIN]: {
          config: input.peersUrl ? { url: input.peersUrl, sessionToken: SESSION_TOKEN_REF } : {},
        },
        [BEAMS_PLUGIN]: {
          config: input.beamsUrl ? { url: input.beamsUrl, sessionToken: SESSION_TOKEN_REF } : {},
        },
        [SYSTEM_PROMPT_PLUGIN]: {
          config: input.systemPrompt ? { text: input.systemPrompt } : {},
        },
        [THREADS_PLUGIN]: { config: input.threadTools ? { tools: input.threadTools } : {} },
      },
    },
  };
}

/**
 * What a pool gateway's generic document sets besides its warm-up endpoint: the values a
 * session renders when it lacks the feature (every tool allowed, no MCP server, and every
 * Clawplane plugin's empty `config`: no peers, no beams, no prompt, no threads). OpenClaw's
 * reload acts on each changed path (a plugin whose `plugins.entries.<id>` changed is replaced,
 * an `mcp` change disposes the MCP runtimes), and an absent value becoming `{}` or `[]` is a
 * change: with these in place a claim changes only what the session really sets (always the
 * gateway token, the LLM identity and the tool policy). Mirrored by the local supervisor's pool
 * (scripts/runtime-pool.mjs, `POOL_DOCUMENT_DEFAULTS`).
 */
export function poolDocumentDefaults(): Record<string, unknown> {
  return {
    tools: { deny: [] },
    mcp: { servers: {} },
    plugins: {
      entries: Object.fromEntries(
        [PEERS_PLUGIN, BEAMS_PLUGIN, SYSTEM_PROMPT_PLUGIN, THREADS_PLUGIN].map((id) => [id, { config: {} }]),
      ),
    },
  };
}
