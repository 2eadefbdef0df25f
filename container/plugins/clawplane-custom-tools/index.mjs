// Clawplane custom tools: the agent's CMA custom tools (`{"type":"custom", name, description,
// input_schema}`), offered to the model as OpenClaw tools and answered by the API client.
//
// Loaded from this session's copy (written by ./install.mjs before the gateway starts, with the
// manifest naming each tool and `tools.json` holding their definitions). Each tool is
// registered with the agent's own name, description and input schema.
//
// A call is answered from outside: the session's Durable Object sees the call start on the
// gateway's event stream, reports it to the client as `agent.custom_tool_use`, and hands the
// client's `user.custom_tool_result` to this plugin over the gateway connection it already
// holds (gateway method `clawplane.customTools.answer`). Until then `execute` waits. Nothing
// here reaches the Worker, and no credential is needed for it.
//
// The wait ends early only when OpenClaw aborts the run (the session parked or interrupted
// it); the session then runs the turn again with the answer once it has it (see README,
// "Custom tools").

import { readFileSync } from "node:fs";

const ANSWER_METHOD = "clawplane.customTools.answer";
const MAX_TEXT_CHARS = 100_000;
/** Answers that arrived before their call started waiting, dropped past this many. */
const MAX_EARLY_ANSWERS = 200;

/**
 * Calls waiting for their answer and answers waiting for their call, by OpenClaw's tool call
 * id. Kept on the process, not the module: OpenClaw loads a plugin more than once (the registry
 * serving gateway methods and the one running tools are separate module instances).
 */
const STATE_KEY = Symbol.for("clawplane.customTools.state");
globalThis[STATE_KEY] ??= { waiting: new Map(), early: new Map() };
const state = globalThis[STATE_KEY];

function loadTools() {
  try {
    const tools = JSON.parse(readFileSync(new URL("./tools.json", import.meta.url), "utf8"));
    return Array.isArray(tools) ? tools : [];
  } catch {
    return [];
  }
}

/** The tool result the model sees: the client's text; an error is marked failed. */
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
      reject(new Error("The run was stopped before the app answered this tool call."));
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
  id: "clawplane-custom-tools",
  name: "Clawplane custom tools",
  description: "The agent's custom tools: each call is answered by the API client.",
  register(api) {
    for (const tool of loadTools()) {
      api.registerTool({
        name: tool.name,
        label: tool.name,
        description: tool.description,
        parameters: tool.input_schema,
        // Offered as is, never deferred behind OpenClaw's tool search (its default for plugin
        // tools): the model must see each custom tool under its own name and schema.
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
