/**
 * The agent's CMA custom tools as its OpenClaw runtime gets them.
 *
 * A custom tool (`{"type":"custom", name, description, input_schema}`) is run by the API
 * client, not by the agent: the runtime's custom-tools plugin
 * (container/plugins/clawplane-custom-tools) registers each one under its own name and schema,
 * and a call waits there until the session hands it the client's `user.custom_tool_result`
 * over the gateway connection (see ApprovalDesk for the waiting and the resumption).
 */
import type { AgentTool, CustomTool } from "../schemas/agent-tools";

/**
 * Env var carrying {@link customToolDefinitions} as JSON (no secrets); the plugin's install
 * step (run by container/entrypoint.sh and the local runtime) writes its manifest from it.
 */
export const CUSTOM_TOOLS_ENV = "CLAWPLANE_CUSTOM_TOOLS";

/** The plugin's gateway method that takes a call's answer (`{ toolCallId, text, isError }`). */
export const CUSTOM_TOOL_ANSWER_METHOD = "clawplane.customTools.answer";

/**
 * A call of a custom tool as the turn reports it: OpenClaw's `toolCallId` (how its answer is
 * handed back) and the `agent.custom_tool_use` event `toolUseId` the client answers.
 */
export interface CustomToolCall {
  toolCallId: string;
  toolUseId: string;
  name: string;
  input: Record<string, unknown>;
}

/** The agent's custom tools, as the plugin registers them. */
export function customToolDefinitions(tools: readonly AgentTool[]): Omit<CustomTool, "type">[] {
  return tools.flatMap((tool) =>
    tool.type === "custom"
      ? [{ name: tool.name, description: tool.description, input_schema: tool.input_schema }]
      : [],
  );
}

/** The names of the agent's custom tools (how the session tells their calls apart). */
export function customToolNames(tools: readonly AgentTool[]): Set<string> {
  return new Set(customToolDefinitions(tools).map((tool) => tool.name));
}
