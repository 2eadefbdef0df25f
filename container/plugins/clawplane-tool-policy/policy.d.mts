export type ToolDecision = "allow" | "ask" | "deny";

export interface PluginToolPolicy {
  tools: Record<string, ToolDecision>;
  mcp: Record<string, ToolDecision>;
  default: ToolDecision;
  broken?: true;
}

export function parsePolicy(raw: string | undefined): PluginToolPolicy;
export function decide(policy: PluginToolPolicy, toolName: string): ToolDecision;
