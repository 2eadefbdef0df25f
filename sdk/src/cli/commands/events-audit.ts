/** `clawplane events ls <session>` and `clawplane audit`. */
import type { Command } from "commander";
import {
  type Context,
  collectValues,
  DEFAULT_LIST_LIMIT,
  MAX_PAGE_SIZE,
  positiveInt,
  take,
} from "../context.js";
import { summarize, table } from "../format.js";

export function registerEventsAndAudit(program: Command, ctx: Context): void {
  program
    .command("events")
    .description("a session's stored events")
    .command("ls")
    .description("list a session's events, oldest first")
    .argument("<session-id>")
    .option("--limit <n>", "most rows to show", positiveInt, 100)
    .option("--type <type>", "only events of this type; repeatable", collectValues)
    .option("--desc", "newest first")
    .action(
      async (id: string, opts: { limit: number; type?: string[]; desc?: boolean }, command: Command) => {
        const client = await ctx.client(command);
        const page = await client.sessions.events.list(id, {
          limit: Math.min(opts.limit, MAX_PAGE_SIZE),
          "types[]": opts.type,
          order: opts.desc ? "desc" : "asc",
        });
        const rows = await take(page, opts.limit);
        ctx.print(command, rows, () =>
          table(
            ["id", "type", "processed", "summary"],
            rows.map((e) => [e.id, e.type, e.processed_at, summarize(e)]),
          ),
        );
      },
    );

  program
    .command("audit")
    .description("query the audit log (admin scope), newest first")
    .option("--limit <n>", "most rows to show", positiveInt, DEFAULT_LIST_LIMIT)
    .option("--action <pattern>", "action, with * wildcards (agents.*)")
    .option("--actor <id>", "admin or an API key id")
    .option("--target <id>", "resource id acted on")
    .option("--since <time>", "RFC 3339 start time")
    .option("--until <time>", "RFC 3339 end time")
    .action(
      async (
        opts: {
          limit: number;
          action?: string;
          actor?: string;
          target?: string;
          since?: string;
          until?: string;
        },
        command: Command,
      ) => {
        const client = await ctx.client(command);
        const { limit, ...filters } = opts;
        const page = await client.audit.list({ limit: Math.min(limit, MAX_PAGE_SIZE), ...filters });
        const rows = await take(page, limit);
        ctx.print(command, rows, () =>
          table(
            ["at", "action", "target", "actor", "outcome", "status"],
            rows.map((a) => [a.at, a.action, a.target, a.actor.id, a.outcome, a.status]),
          ),
        );
      },
    );
}
