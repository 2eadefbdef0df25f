// Clawplane tool policy: the agent's CMA permission policies, enforced inside OpenClaw.
//
// Loaded by the gateway as a standalone plugin (`plugins.load.paths` in openclaw.json5, with its
// manifest beside it). The session's policy arrives in the plugin's config
// (`plugins.entries["clawplane-tool-policy"].config.policy`, no secrets; CLAWPLANE_TOOL_POLICY
// in the env is the fallback for gateways started without one), built by the Worker from the
// agent's tools (src/session/tool-policy.ts). Config, not env: OpenClaw re-runs register() on
// every config reload, so a pre-booted pool gateway takes the session's policy at claim. The rule
// that decides a call under it is in ./policy.mjs, tested against the Worker's own on one table
// of cases.
//
// Every tool call is decided in two steps:
//
// 1. A trusted tool policy (runs before any hook) answers:
//      allow → no decision (the call runs);
//      deny  → blocked (the tool is disabled for this agent; it never runs);
//      ask   → a plugin approval, which OpenClaw routes to approval clients: the session's
//              Durable Object, which asks the user (`requires_action`) and resolves it.
// 2. For an `ask` call the approval let through, `before_tool_call` (which OpenClaw runs after
//    a trusted policy's approval) checks the user's answer, which the Durable Object gives this
//    plugin first (gateway method `clawplane.toolPolicy.answer`): the call runs only if the user
//    allowed it, and a denial blocks it with the user's own words as the tool result. OpenClaw's
//    approval can only say "deny", and its denial hands the model a fixed text; so a denial
//    that carries the user's reason is released as allow-once and blocked here instead.
//    Without an answer the call is blocked: nothing runs that the user was not asked about.
// An unreadable policy blocks every tool: failing open would run tools nobody approved.

import { decide, parsePolicy } from "./policy.mjs";

const MAX_TIMEOUT_MS = 600_000; // OpenClaw's cap on plugin approvals (10 min)
const ANSWER_METHOD = "clawplane.toolPolicy.answer";
const MAX_REASON_CHARS = 4_000;
/** Answers for calls that never reached step 2 (their run ended) are dropped past this many. */
const MAX_KEPT_ANSWERS = 200;

function describeCall(params) {
  let text;
  try {
    text = JSON.stringify(params ?? {});
  } catch {
    text = "(unprintable input)";
  }
  return text.length > 480 ? `${text.slice(0, 477)}...` : text;
}

/**
 * The user's answers to `ask` calls, by OpenClaw's tool call id, until the call consumes them.
 * Kept on the process, not the module: OpenClaw loads this plugin more than once (the registry
 * serving gateway methods and the one running tool hooks are separate module instances).
 * Memory, not files: the agent's own tools can write files, and must not forge an answer.
 */
const ANSWERS_KEY = Symbol.for("clawplane.toolPolicy.answers");
globalThis[ANSWERS_KEY] ??= new Map();
const answers = globalThis[ANSWERS_KEY];

function recordAnswer(params) {
  const { toolCallId, allow, reason } = params ?? {};
  if (typeof toolCallId !== "string" || !toolCallId || typeof allow !== "boolean")
    return "toolCallId (a non-empty string) and allow (a boolean) are required";
  if (reason !== undefined && typeof reason !== "string") return "reason must be a string";
  answers.delete(toolCallId);
  answers.set(toolCallId, { allow, reason: reason?.slice(0, MAX_REASON_CHARS) });
  while (answers.size > MAX_KEPT_ANSWERS) answers.delete(answers.keys().next().value);
  return null;
}

/** What the model is told about an `ask` call the user denied (or was never asked about). */
function denial(toolName, answer) {
  if (!answer) return `The ${toolName} call was not approved by the user; it did not run.`;
  const why = answer.reason?.trim();
  return why
    ? `The user denied this ${toolName} call; it did not run. The user said: ${why}`
    : `The user denied this ${toolName} call; it did not run.`;
}

/**
 * Policies bound to one OpenClaw session key (a child thread's: its own agent's tools), by the
 * session's Durable Object over the gateway (`clawplane.toolPolicy.bindSession`, admin scope).
 * A call under any other key is decided by the session's own policy. On the process, in
 * memory, like the answers: the agent's tools must not be able to forge a binding.
 */
const BINDINGS_KEY = Symbol.for("clawplane.toolPolicy.bindings");
globalThis[BINDINGS_KEY] ??= new Map();
const bindings = globalThis[BINDINGS_KEY];
const BIND_METHOD = "clawplane.toolPolicy.bindSession";
const MAX_BINDINGS = 500;

function bindPolicy(params) {
  const { sessionKey, policy } = params ?? {};
  if (typeof sessionKey !== "string" || !sessionKey || !policy || typeof policy !== "object")
    return "sessionKey (a non-empty string) and policy (an object) are required";
  const key = sessionKey.toLowerCase();
  bindings.delete(key);
  bindings.set(key, parsePolicy(JSON.stringify(policy)));
  while (bindings.size > MAX_BINDINGS) bindings.delete(bindings.keys().next().value);
  return null;
}

const entry = {
  id: "clawplane-tool-policy",
  name: "Clawplane tool policy",
  description: "Applies the agent's per-tool permission policy (allow, ask, deny).",
  register(api) {
    const configured = api.pluginConfig?.policy;
    const sessionPolicy = parsePolicy(
      configured === undefined ? process.env.CLAWPLANE_TOOL_POLICY : JSON.stringify(configured),
    );
    /** The policy a call runs under: its session key's binding, else the session's own. */
    const policyOf = (ctx) =>
      (typeof ctx?.sessionKey === "string" && bindings.get(ctx.sessionKey.toLowerCase())) || sessionPolicy;
    api.registerTrustedToolPolicy({
      id: "agent-permissions",
      description: "The agent's per-tool permission policy (allow, ask, deny).",
      evaluate(event, ctx) {
        const policy = policyOf(ctx);
        if (policy.broken) {
          return { block: true, blockReason: "The tool policy could not be read; no tool may run." };
        }
        // The model is the agent definition's, never the agent's own choice: a session's model
        // pin is how a child thread's calls reach its agent's model (src/session/thread-model.ts).
        if (event.toolName === "session_status" && event.params?.model !== undefined) {
          return {
            block: true,
            blockReason: "The model is set by the agent's definition; it cannot be changed here.",
          };
        }
        const decision = decide(policy, event.toolName);
        if (decision === "deny") {
          return { block: true, blockReason: `The ${event.toolName} tool is disabled for this agent.` };
        }
        if (decision === "ask") {
          return {
            requireApproval: {
              // OpenClaw stamps a hook's approvals with its plugin, but not a trusted policy's;
              // the gateway refuses an approval request that names no owning plugin.
              pluginId: entry.id,
              title: `Run ${event.toolName}`.slice(0, 80),
              description: describeCall(event.params),
              severity: "warning",
              allowedDecisions: ["allow-once", "deny"],
              timeoutMs: MAX_TIMEOUT_MS,
            },
          };
        }
        return undefined;
      },
    });
    api.on(
      "before_tool_call",
      (event, ctx) => {
        const policy = policyOf(ctx);
        if (policy.broken || decide(policy, event.toolName) !== "ask") return undefined;
        const answer = answers.get(event.toolCallId);
        answers.delete(event.toolCallId);
        if (answer?.allow) return undefined;
        return { block: true, blockReason: denial(event.toolName, answer) };
      },
      { priority: 100 },
    );
    api.registerGatewayMethod(
      ANSWER_METHOD,
      ({ params, respond }) => {
        const problem = recordAnswer(params);
        if (problem) respond(false, undefined, { code: "INVALID_REQUEST", message: problem });
        else respond(true, { recorded: true });
      },
      { scope: "operator.approvals" },
    );
    api.registerGatewayMethod(
      BIND_METHOD,
      ({ params, respond }) => {
        const problem = bindPolicy(params);
        if (problem) respond(false, undefined, { code: "INVALID_REQUEST", message: problem });
        else respond(true, { bound: true });
      },
      { scope: "operator.admin" },
    );
  },
};

export default entry;
