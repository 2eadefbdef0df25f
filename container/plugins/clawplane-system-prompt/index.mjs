// Clawplane system prompt: the agent's `system` text, added to the system context of every turn.
//
// OpenClaw has no config key for a system prompt (the workspace's AGENTS.md is the only file
// source, and the workspace belongs to the user). The text comes from this plugin's config
// (`plugins.entries["clawplane-system-prompt"].config.text`, rendered by the Worker in
// src/runtime/openclaw/session-config.ts). OpenClaw re-runs register() on every config reload, so
// a pre-booted pool gateway takes the session's prompt when the session claims it. The hook
// needs `hooks.allowConversationAccess` (container/openclaw.json5): a non-bundled plugin's
// prompt hooks are blocked without it.

// A sub-agent runs in the same gateway as a child thread under `agent:main:thread-<uuid>`
// (src/session/thread-runs.ts) with its own agent's instructions in its first message: the
// parent's prompt is not its prompt, so its turns get none from here.
const CHILD_THREAD_KEY = /^agent:[^:]+:thread-/i;

const entry = {
  id: "clawplane-system-prompt",
  name: "Clawplane system prompt",
  description: "Adds the agent's system prompt to every turn's system context.",
  register(api) {
    const text = typeof api.pluginConfig?.text === "string" ? api.pluginConfig.text.trim() : "";
    if (!text) return;
    api.on("before_prompt_build", (_event, ctx) =>
      CHILD_THREAD_KEY.test(ctx?.sessionKey ?? "") ? undefined : { appendSystemContext: text },
    );
  },
};

export default entry;
