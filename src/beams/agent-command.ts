/**
 * What a `beam_agent` call runs: the agent CLI's argv with the task as its last argument (never
 * through a shell, so a task cannot inject a command), the timeout within the tool's maximum,
 * and whether it may publish port 8080 — checked against the agent's tool entry.
 */
import type { FieldError } from "../errors";
import type { BeamAgentCli, BeamAgentTool } from "../schemas/agent-tools";
import type { BeamCall } from "../schemas/beams";

/**
 * The well-known CLIs, as the public openclaw-teleport-beams plugin runs them non-interactively,
 * in their documented machine-readable output format, so the run records the usage they report
 * (src/beams/cli-output.ts reads it and shows their words as plain text).
 */
const WELL_KNOWN: Record<Exclude<BeamAgentCli, "custom">, string[]> = {
  claude: [
    "claude",
    "--print",
    "--output-format",
    "stream-json",
    "--verbose",
    "--permission-mode",
    "bypassPermissions",
  ],
  codex: ["codex", "exec", "--json", "--full-auto"],
};

export interface ResolvedBeamCall {
  agentCli: BeamAgentCli;
  command: string[];
  timeoutSeconds: number;
  publish: boolean;
}

/** Resolves a call against the tool entry; problems name the argument the model got wrong. */
export function resolveBeamCall(tool: BeamAgentTool, call: BeamCall): ResolvedBeamCall | FieldError[] {
  const problems: FieldError[] = [];
  const agentCli = call.agent ?? tool.default_agent;
  if (agentCli === "custom" && !tool.custom_command) {
    problems.push({ path: "agent", message: "this agent has no custom command; use claude or codex" });
  }
  const timeoutSeconds = call.timeout ?? tool.default_timeout_seconds;
  if (timeoutSeconds > tool.max_timeout_seconds) {
    problems.push({ path: "timeout", message: `must be at most ${tool.max_timeout_seconds} seconds` });
  }
  const publish = call.publish ?? false;
  if (publish && !tool.allow_publish) {
    problems.push({ path: "publish", message: "this agent may not publish a beam's port" });
  }
  if (problems.length > 0) return problems;
  const base = agentCli === "custom" ? (tool.custom_command ?? []) : WELL_KNOWN[agentCli];
  return { agentCli, command: [...base, call.task], timeoutSeconds, publish };
}
