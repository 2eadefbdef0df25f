/**
 * The `clawplane` command tree (commander) and `run`, which executes one command line against
 * an injected `CliIo` and returns the exit code instead of exiting, so tests run it in-process.
 *
 * Exit codes: 0 success, 1 the API or the agent's turn failed (the server's message and request
 * id go to stderr), 2 bad usage, 130 interrupted.
 */
import { Command, CommanderError } from "commander";
import { ClawplaneError } from "../core/errors.js";
import { registerAgents } from "./commands/agents.js";
import { registerBeams } from "./commands/beams.js";
import { registerChannels } from "./commands/channels.js";
import { registerEnvironments } from "./commands/environments.js";
import { registerEventsAndAudit } from "./commands/events-audit.js";
import { registerLogin } from "./commands/login.js";
import { registerPeers } from "./commands/peers.js";
import { registerPlanes } from "./commands/planes.js";
import { registerSessions } from "./commands/sessions.js";
import { CliExit, Context } from "./context.js";
import { errorLine } from "./format.js";
import type { CliIo } from "./io.js";

export const CLI_VERSION = "0.1.0";

/** Builds the command tree; output and exits go through `io` and exceptions. */
export function buildProgram(io: CliIo): Command {
  const ctx = new Context(io);
  const program = new Command("clawplane")
    .description(
      "Clawplane from the command line: agents, environments, sessions, events, audit, planes, peers, beams, channels",
    )
    .version(CLI_VERSION, "-V, --cli-version", "print the CLI version")
    .option(
      "--base-url <url>",
      "API base URL (default: CLAWPLANE_BASE_URL, the login config, localhost:8787)",
    )
    .option("--api-key <key>", "API key (default: CLAWPLANE_API_KEY, then the login config)")
    .option("--json", "print JSON (one object per line for streams) instead of tables")
    // Settings set here are copied to every subcommand created below.
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError("(add --help for usage)");
  registerLogin(program, ctx);
  registerAgents(program, ctx);
  registerEnvironments(program, ctx);
  registerChannels(program, ctx);
  registerSessions(program, ctx);
  registerEventsAndAudit(program, ctx);
  registerPlanes(program, ctx);
  registerBeams(program, ctx);
  registerPeers(program, ctx);
  return program;
}

/** Runs one command line (without the `node clawplane` prefix) and returns its exit code. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  try {
    await buildProgram(io).parseAsync(argv, { from: "user" });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version "errors" are successes; anything else commander rejects is usage.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof CliExit) {
      if (err.stderrMessage) io.stderr.write(`${err.stderrMessage}\n`);
      return err.exitCode;
    }
    if (err instanceof ClawplaneError) {
      io.stderr.write(errorLine(err));
      return 1;
    }
    io.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
