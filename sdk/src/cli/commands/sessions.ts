/** `clawplane sessions create|ls|show|stream|rm` (`send` is in send.ts). */
import type { Command } from "commander";
import type { Session, SessionStatus, StreamEvent } from "../../types.js";
import { type Context, DEFAULT_LIST_LIMIT, MAX_PAGE_SIZE, positiveInt, take } from "../context.js";
import { keyValues, summarize, table } from "../format.js";
import { DEFAULT_ENVIRONMENT_NAME, defaultEnvironmentId } from "./environments.js";
import { registerSend } from "./send.js";

const STATUSES: SessionStatus[] = ["idle", "running", "rescheduling", "terminated"];

function sessionDetails(s: Session): string {
  const agent = s.agent as { id?: unknown; version?: unknown };
  return keyValues([
    ["id", s.id],
    ["status", s.status],
    ["title", s.title],
    ["agent", `${String(agent.id)} v${String(agent.version)}`],
    ["environment", s.environment_id],
    ["metadata", s.metadata],
    ["usage", s.usage],
    ["created", s.created_at],
    ["archived", s.archived_at],
  ]);
}

function parseStatus(value: string, previous: SessionStatus[] = []): SessionStatus[] {
  if (!STATUSES.includes(value as SessionStatus)) {
    throw new Error(`--status must be one of ${STATUSES.join(", ")}`);
  }
  return [...previous, value as SessionStatus];
}

/** One line per event: time, type, and what it says. */
export function eventLine(event: StreamEvent): string {
  const processed = "processed_at" in event ? event.processed_at : null;
  const time = (processed ?? new Date().toISOString()).slice(11, 19);
  return `${time}  ${event.type.padEnd(24)} ${summarize(event)}`.trimEnd();
}

export function registerSessions(program: Command, ctx: Context): void {
  const sessions = program.command("sessions").description("run agents in sessions");

  sessions
    .command("create")
    .description("start a session of an agent in an environment")
    .requiredOption("--agent <agent-id>", "the agent (its latest version)")
    .option(
      "--environment <environment-id>",
      `the environment (default: the one named '${DEFAULT_ENVIRONMENT_NAME}', created if missing)`,
    )
    .option("--title <title>", "a title")
    .action(async (opts: { agent: string; environment?: string; title?: string }, command: Command) => {
      const client = await ctx.client(command);
      const session = await client.sessions.create({
        agent: opts.agent,
        environment_id: opts.environment ?? (await defaultEnvironmentId(ctx, client)),
        title: opts.title,
      });
      ctx.print(command, session, () => sessionDetails(session));
    });

  sessions
    .command("ls")
    .description("list sessions, newest first")
    .option("--limit <n>", "most rows to show", positiveInt, DEFAULT_LIST_LIMIT)
    .option("--agent <agent-id>", "only this agent's sessions")
    .option("--status <status>", `only these statuses (${STATUSES.join("|")}); repeatable`, parseStatus)
    .option("--include-archived", "also list archived sessions")
    .action(
      async (
        opts: { limit: number; agent?: string; status?: SessionStatus[]; includeArchived?: boolean },
        command: Command,
      ) => {
        const client = await ctx.client(command);
        const page = await client.sessions.list({
          limit: Math.min(opts.limit, MAX_PAGE_SIZE),
          agent_id: opts.agent,
          "statuses[]": opts.status,
          include_archived: opts.includeArchived,
        });
        const rows = await take(page, opts.limit);
        ctx.print(command, rows, () =>
          table(
            ["id", "status", "title", "agent", "created"],
            rows.map((s) => [s.id, s.status, s.title, (s.agent as { id?: string }).id, s.created_at]),
          ),
        );
      },
    );

  sessions
    .command("show")
    .description("show a session with its live status and usage")
    .argument("<session-id>")
    .action(async (id: string, _opts: unknown, command: Command) => {
      const session = await (await ctx.client(command)).sessions.retrieve(id);
      ctx.print(command, session, () => sessionDetails(session));
    });

  sessions
    .command("rm")
    .description("delete a session, its runtime and its events")
    .argument("<session-id>")
    .action(async (id: string, _opts: unknown, command: Command) => {
      const deleted = await (await ctx.client(command)).sessions.delete(id);
      ctx.print(command, deleted, () => `deleted ${deleted.id}\n`);
    });

  sessions
    .command("stream")
    .description("follow a session's events live (Ctrl-C to stop)")
    .argument("<session-id>")
    .option("--last-event-id <id>", "first replay every event after this one")
    .option("--until <type>", "exit after the first event of this type (e.g. session.status_idle)")
    .action(async (id: string, opts: { lastEventId?: string; until?: string }, command: Command) => {
      const client = await ctx.client(command);
      const stream = await client.sessions.events.stream(id, {
        lastEventId: opts.lastEventId,
        signal: ctx.io.signal,
      });
      const asJson = ctx.globals(command).json === true;
      for await (const event of stream) {
        // One JSON object per line, so `clawplane sessions stream --json | jq` works as events arrive.
        ctx.io.stdout.write(asJson ? `${JSON.stringify(event)}\n` : `${eventLine(event)}\n`);
        if (event.type === opts.until) break;
      }
    });

  registerSend(sessions, ctx);
}
