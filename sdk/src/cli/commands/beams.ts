/** `clawplane beams ls|show|cancel|usage`: delegations to Teleport Beams. */
import type { Command } from "commander";
import type { BeamRun } from "../../types.js";
import { type Context, DEFAULT_LIST_LIMIT, MAX_PAGE_SIZE, positiveInt, take } from "../context.js";
import { keyValues, table } from "../format.js";

/** Where a run stands in one word: its status, with its place while queued. */
function standing(run: BeamRun): string {
  return run.status === "queued" && run.queue_position ? `queued (#${run.queue_position})` : run.status;
}

/** Tokens the agent CLI reported: in (cache reads), out. */
function tokens(u: {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}): string {
  return `${u.input_tokens} in (${u.cache_read_input_tokens} cache read, ${u.cache_creation_input_tokens} cache write), ${u.output_tokens} out`;
}

const usd = (n: number) => `$${n.toFixed(4)}`;

function details(run: BeamRun): string {
  const head = keyValues([
    ["id", run.id],
    ["status", standing(run)],
    ["session", run.session_id],
    ["tool call", run.tool_call_id],
    ["agent", `${run.agent.id} v${run.agent.version}`],
    ["cli", run.agent_cli],
    ["command", run.command.join(" ")],
    ["beam", run.beam.id ?? "-"],
    ["url", run.beam.url ?? "-"],
    ["exit code", run.exit_code ?? "-"],
    ["error", run.error ?? "-"],
    ["created", run.created_at],
    ["exec started", run.exec_started_at ?? "-"],
    ["ended", run.ended_at ?? "-"],
    ["wall ms", run.wall_ms ?? "-"],
    ["tokens", run.usage ? tokens(run.usage) : "-"],
    ["cost", run.usage?.cost_usd != null ? usd(run.usage.cost_usd) : "-"],
  ]);
  if (!run.output) return head;
  const cut = run.output.truncated ? `\n[output truncated at ${run.output.bytes} bytes]\n` : "";
  return `${head}\n--- output ---\n${run.output.text}${cut}`;
}

export function registerBeams(program: Command, ctx: Context): void {
  const beams = program.command("beams").description("delegations to Teleport Beams (beam runs)");
  beams
    .command("ls")
    .description("list beam runs, newest first")
    .option("--limit <n>", "most rows to show", positiveInt, DEFAULT_LIST_LIMIT)
    .option("--session <id>", "only runs of this session")
    .option("--status <status>", "only runs in this status (queued, running, succeeded, …)")
    .action(async (opts: { limit: number; session?: string; status?: string }, command: Command) => {
      const client = await ctx.client(command);
      const page = await client.beamRuns.list({
        limit: Math.min(opts.limit, MAX_PAGE_SIZE),
        session_id: opts.session,
        status: opts.status as BeamRun["status"] | undefined,
      });
      const rows = await take(page, opts.limit);
      ctx.print(command, rows, () =>
        table(
          ["id", "status", "session", "cli", "beam", "exit", "created"],
          rows.map((r) => [
            r.id,
            standing(r),
            r.session_id,
            r.agent_cli,
            r.beam.id ?? "-",
            r.exit_code ?? "-",
            r.created_at,
          ]),
        ),
      );
    });
  beams
    .command("show")
    .description("show a beam run and its output")
    .argument("<run-id>")
    .action(async (id: string, _opts: unknown, command: Command) => {
      const run = await (await ctx.client(command)).beamRuns.retrieve(id);
      ctx.print(command, run, () => details(run));
    });
  beams
    .command("usage")
    .description(
      "runs, their beams' total wall time and the usage their agent CLIs reported, for a session, plane member or plane",
    )
    .option("--session <id>", "only runs of this session")
    .option("--member <id>", "only runs of this plane member's agent")
    .option("--plane <id>", "only runs in this plane")
    .action(async (opts: { session?: string; member?: string; plane?: string }, command: Command) => {
      const usage = await (await ctx.client(command)).beamRuns.usage({
        session_id: opts.session,
        member_id: opts.member,
        plane_id: opts.plane,
      });
      ctx.print(command, usage, () =>
        keyValues([
          ["runs", usage.runs],
          ["ended", usage.ended_runs],
          ["wall time", `${(usage.wall_ms / 1000).toFixed(1)} s`],
          ["reported by cli", `${usage.reported_runs} runs`],
          ["tokens", tokens(usage)],
          ["cost", usd(usage.cost_usd)],
        ]),
      );
    });
  beams
    .command("cancel")
    .description("cancel a beam run (a running one stops and its beam is removed)")
    .argument("<run-id>")
    .action(async (id: string, _opts: unknown, command: Command) => {
      const run = await (await ctx.client(command)).beamRuns.cancel(id);
      ctx.print(command, run, () => `${run.id} ${run.status}\n`);
    });
}
