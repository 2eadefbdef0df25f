// Clawplane threads: `spawn_agent` and `message_thread`, the tools an agent with `multiagent`
// settings delegates with. Each child runs as a thread of the session, decided and run by the
// session's Durable Object (src/session/thread-runs.ts), never by this plugin or the model.
//
// The tools' definitions come from `plugins.entries["clawplane-threads"].config.tools` (the
// session document, src/runtime/openclaw/session-config.ts), so a warm pool gateway claimed by a
// session that may spawn offers them after the config reload (register() re-runs with the new
// config); without them no tool is registered.
//
// A call is answered from outside: the session sees it start on the gateway's event stream,
// decides it (refused, or a child thread run to its end) and hands the answer to this plugin over
// the gateway connection it already holds (gateway method `clawplane.threads.answer`). Until then
// `execute` waits. The wait ends early only when OpenClaw aborts the run (the session parked or
// interrupted it).

const ANSWER_METHOD = "clawplane.threads.answer";
const MAX_TEXT_CHARS = 100_000;
/** Answers that arrived before their call started waiting (a quick refusal), dropped past this many. */
const MAX_EARLY_ANSWERS = 200;
const TOOL_NAMES = new Set(["spawn_agent", "message_thread"]);

/**
 * Calls waiting for their answer and answers waiting for their call, by OpenClaw's tool call
 * id. Kept on the process, not the module: OpenClaw loads a plugin more than once (the registry
 * serving gateway methods and the one running tools are separate module instances).
 */
const STATE_KEY = Symbol.for("clawplane.threads.state");
globalThis[STATE_KEY] ??= { waiting: new Map(), early: new Map() };
const state = globalThis[STATE_KEY];

function toResult(answer) {
  return {
    content: [{ type: "text", text: answer.text }],
    details: answer.isError ? { status: "error" } : {},
  };
}

function waitForAnswer(toolCallId, signal) {
  const early = state.early.get(toolCallId);
  if (early) {
    state.early.delete(toolCallId);
    return Promise.resolve(toResult(early));
  }
  return new Promise((resolve, reject) => {
    const cancelled = () => {
      state.waiting.delete(toolCallId);
      reject(new Error("The run was stopped before the session answered this call."));
    };
    if (signal?.aborted) return cancelled();
    signal?.addEventListener("abort", cancelled, { once: true });
    state.waiting.set(toolCallId, (answer) => {
      signal?.removeEventListener("abort", cancelled);
      state.waiting.delete(toolCallId);
      resolve(toResult(answer));
    });
  });
}

/** Delivers an answer; false when no call waits for it yet (it is kept for that call). */
function deliver(toolCallId, answer) {
  const waiter = state.waiting.get(toolCallId);
  if (waiter) {
    waiter(answer);
    return true;
  }
  state.early.delete(toolCallId);
  state.early.set(toolCallId, answer);
  while (state.early.size > MAX_EARLY_ANSWERS) state.early.delete(state.early.keys().next().value);
  return false;
}

const entry = {
  id: "clawplane-threads",
  name: "Clawplane threads",
  description: "spawn_agent and message_thread: sub-agents as session threads, run by the session.",
  register(api) {
    const tools = Array.isArray(api.pluginConfig?.tools) ? api.pluginConfig.tools : [];
    for (const tool of tools) {
      if (!TOOL_NAMES.has(tool?.name)) continue;
      api.registerTool({
        name: tool.name,
        label: tool.name,
        description: tool.description,
        parameters: tool.input_schema,
        // Offered under its own name, never deferred behind OpenClaw's tool search.
        catalogMode: "direct-only",
        execute: (toolCallId, _params, signal) => waitForAnswer(toolCallId, signal),
      });
    }
    api.registerGatewayMethod(
      ANSWER_METHOD,
      ({ params, respond }) => {
        const { toolCallId, text, isError } = params ?? {};
        if (typeof toolCallId !== "string" || !toolCallId || typeof text !== "string") {
          respond(false, undefined, {
            code: "INVALID_REQUEST",
            message: "toolCallId (a non-empty string) and text (a string) are required",
          });
          return;
        }
        const delivered = deliver(toolCallId, {
          text: text.slice(0, MAX_TEXT_CHARS),
          isError: isError === true,
        });
        respond(true, { delivered });
      },
      { scope: "operator.approvals" },
    );
  },
};

export default entry;
