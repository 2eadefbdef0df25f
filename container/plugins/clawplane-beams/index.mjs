// Clawplane beams: delegation of a task to a full autonomous coding agent (Claude Code, Codex or
// the agent's own CLI) running in a Teleport Beam, as one tool, `beam_agent`.
//
// The call goes to the Worker (the plugin config's `url`: the intercepted host
// http://beams.clawplane.internal in a container, the Worker's /beams/v1 for local runtimes),
// authenticated with this session's token (`sessionToken`, the one the LLM proxy takes). Both come
// from `plugins.entries["clawplane-beams"].config` (the session document,
// src/runtime/openclaw/session-config.ts), so a warm pool gateway claimed by a session gets them
// on the config reload: register() re-runs with the new config.
// The Worker checks the agent's beam_agent entry and the org's and plane's policy, records the
// run, hands it to the org's Teleport connector (which alone holds the bot's identity) and
// answers once the run has ended, with its output as the tool result. The agent's permission
// policy (always_ask → approval first) is applied by clawplane-tool-policy before this runs.
// Without a URL (an agent with no beam_agent entry) no tool is registered.

/** Longer than any run may last (a beam lives 24 h at most); the Worker answers first. */
const CALL_TIMEOUT_MS = 25 * 60 * 60 * 1000;

function text(value, isError = false) {
  return { content: [{ type: "text", text: String(value) }], details: isError ? { status: "error" } : {} };
}

/** The result the model reads: the outcome in one line, then what the delegated agent printed. */
function describe(run) {
  const head =
    run.status === "succeeded"
      ? `Beam run ${run.beam_run_id} succeeded.`
      : `Beam run ${run.beam_run_id} ${run.status.replace("_", " ")}` +
        `${run.exit_code !== null ? ` (exit ${run.exit_code})` : ""}${run.error ? `: ${run.error}` : ""}.`;
  return run.output ? `${head}\n\n${run.output}` : head;
}

const entry = {
  id: "clawplane-beams",
  name: "Clawplane beams",
  description: "Delegate a task to a full coding agent in a Teleport Beam, through Clawplane.",
  register(api) {
    const url = api.pluginConfig?.url;
    const sessionToken = api.pluginConfig?.sessionToken ?? "";
    if (!url) return;
    api.registerTool({
      name: "beam_agent",
      label: "beam_agent",
      description:
        "Delegate a self-contained task to a full autonomous coding agent (Claude Code, Codex or a " +
        "custom CLI) running in a fresh, isolated VM (a Teleport Beam), and wait for its result. " +
        "The task must say everything the agent needs: it sees none of this conversation.",
      parameters: {
        type: "object",
        properties: {
          task: { type: "string", description: "What the delegated agent should do, completely described" },
          agent: {
            type: "string",
            enum: ["claude", "codex", "custom"],
            description: "Which agent CLI runs the task (default: the one configured)",
          },
          timeout: {
            type: "integer",
            minimum: 1,
            description: "Seconds the run may take (default: configured)",
          },
          publish: { type: "boolean", description: "Publish the beam's port 8080 at a URL while it runs" },
        },
        required: ["task"],
        additionalProperties: false,
      },
      catalogMode: "direct-only",
      async execute(toolCallId, params, signal) {
        try {
          const timeout = AbortSignal.timeout(CALL_TIMEOUT_MS);
          const res = await fetch(`${url}/delegate`, {
            method: "POST",
            headers: {
              "content-type": "application/json",
              authorization: `Bearer ${sessionToken}`,
            },
            body: JSON.stringify({
              tool_call_id: toolCallId,
              task: params?.task,
              agent: params?.agent,
              timeout: params?.timeout,
              publish: params?.publish,
            }),
            signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
          });
          let body;
          try {
            body = await res.json();
          } catch {
            body = {};
          }
          if (body?.error) return text(body.error.message ?? `beam_agent failed (HTTP ${res.status})`, true);
          return text(describe(body), body.status !== "succeeded");
        } catch (err) {
          return text(`beam_agent failed: ${err?.message ?? err}`, true);
        }
      },
    });
  },
};

export default entry;
