/**
 * Whether a local Worker has a model provider, for `npm run dev`'s start-up warning: without
 * one every turn fails with "no model provider is configured" (the names are the LLM proxy's,
 * src/llm/upstreams.ts).
 */

/** The settings any one of which gives the LLM proxy a provider. */
export const PROVIDER_SETTINGS = ["LLM_UPSTREAM_BASE_URL", "OPENAI_API_KEY", "ANTHROPIC_API_KEY"];

/** `NAME=value` lines of a .dev.vars file (quotes stripped, comments skipped). */
export function parseDevVars(text) {
  const vars = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (match) vars[match[1]] = match[2].replace(/^(["'])(.*)\1$/, "$2");
  }
  return vars;
}

/**
 * The warning to print when none of the provider settings has a value in any of `sources`
 * (.dev.vars, `--var NAME:value` arguments, ...), else null.
 * @param {Array<Record<string, string | undefined>>} sources
 */
export function missingProviderWarning(sources) {
  const configured = PROVIDER_SETTINGS.some((name) => sources.some((vars) => vars[name]?.trim()));
  if (configured) return null;
  return (
    "warning: no model provider is configured, so every agent turn will fail at once.\n" +
    "  Set one in .dev.vars: LLM_UPSTREAM_BASE_URL (any OpenAI-compatible endpoint, with\n" +
    "  LLM_UPSTREAM_API_KEY if it needs one), OPENAI_API_KEY (gpt-* models) or ANTHROPIC_API_KEY\n" +
    "  (claude-* models)."
  );
}

/** `--var NAME:value` pairs among wrangler arguments. */
export function varArguments(args) {
  const vars = {};
  args.forEach((arg, i) => {
    const pair = arg === "--var" ? args[i + 1] : arg.startsWith("--var=") ? arg.slice(6) : undefined;
    const at = pair?.indexOf(":") ?? -1;
    if (pair && at > 0) vars[pair.slice(0, at)] = pair.slice(at + 1);
  });
  return vars;
}
