/**
 * The session's config document as a claimed warm runtime takes it: every `${NAME}` reference
 * resolved to the start env's value, because a running gateway resolves only the variables it
 * was booted with (docs/reference openclaw-runtime.md §13). The literals go into the container's
 * config file only, never into its process env. Mirrors scripts/runtime-pool.mjs for the local pool
 * (LocalProcessRuntime asks this copy whether the supervisor's pool would take a start).
 */
import { SESSION_CONFIG_ENV } from "../openclaw/session-config";

/**
 * Start env keys a claim can carry into a running gateway: the three values the document
 * references and the document itself. Anything else (a vault credential's variable, custom
 * tools) exists only as process env or boot-time plugin manifests: such a session boots cold.
 */
const CLAIMABLE_KEYS = new Set([
  "OPENCLAW_GATEWAY_TOKEN",
  "CLAWPLANE_LLM_BASE_URL",
  "CLAWPLANE_SESSION_TOKEN",
  SESSION_CONFIG_ENV,
]);

/** Why a session's start env cannot be applied to a running gateway, or undefined when it can. */
export function unclaimableReason(env: Record<string, string>): string | undefined {
  const custom = env.CLAWPLANE_CUSTOM_TOOLS;
  if (custom && custom !== "[]")
    return "the agent's custom tools are declared in a plugin manifest that OpenClaw reads only at boot";
  const others = Object.keys(env).filter(
    (key) => !CLAIMABLE_KEYS.has(key) && key !== "CLAWPLANE_CUSTOM_TOOLS",
  );
  if (others.length)
    return `environment variables (${others.sort().join(", ")}) reach the agent's processes only at boot`;
  if (!env[SESSION_CONFIG_ENV]) return "the start carries no session config to apply";
  return undefined;
}

/** The document with its references resolved; throws naming a reference the env lacks. `$${NAME}` stays `${NAME}`. */
export function resolvedSessionDocument(env: Record<string, string>): unknown {
  const resolve = (value: unknown): unknown => {
    if (typeof value === "string")
      return value.replace(/(\$?)\$\{([A-Z_][A-Z0-9_]*)\}/g, (whole, escaped: string, name: string) => {
        if (escaped) return whole.slice(1);
        const found = env[name];
        if (found === undefined)
          throw new Error(`the session config references \${${name}}, which is not set`);
        return found;
      });
    if (Array.isArray(value)) return value.map(resolve);
    if (value && typeof value === "object")
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, resolve(inner)]));
    return value;
  };
  return resolve(JSON.parse(env[SESSION_CONFIG_ENV] ?? "{}"));
}
