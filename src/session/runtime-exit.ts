/**
 * A runtime that exited on its own, in the session's words: `session.runtime_exited` with the
 * exit code the platform reported (see AgentRuntime.monitor), and the reason a turn it was
 * running is rescheduled with.
 */
import type { RuntimeExit } from "../runtime/agent-runtime";
import type { SessionEventBodyOf } from "../schemas/session-events";

/** "exited with code 137 (SIGKILL)", "exited with code 1", "exited". */
export function describeExit(exit: RuntimeExit): string {
  if (exit.exitCode === null) return exit.signal ? `was killed by ${exit.signal}` : "exited";
  return `exited with code ${exit.exitCode}${exit.signal ? ` (${exit.signal})` : ""}`;
}

export function runtimeExitedEvent(exit: RuntimeExit): SessionEventBodyOf<"session.runtime_exited"> {
  return {
    type: "session.runtime_exited",
    exit_code: exit.exitCode,
    signal: exit.signal,
    message:
      `The agent runtime ${describeExit(exit)}. The next turn starts a fresh runtime ` +
      "with the conversation and the workspace restored.",
  };
}
