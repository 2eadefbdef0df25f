/**
 * `clawplane planes logs`: the events of a member's sessions (secret values redacted by the
 * server), one per line; `--follow` streams them live until Ctrl-C (exit 130).
 */
import type { Command } from "commander";
import { CliExit, type Context, MAX_PAGE_SIZE, positiveInt, take } from "../context.js";
import { logLine } from "../plane-format.js";

export function registerPlaneLogs(planes: Command, ctx: Context): void {
  planes
    .command("logs")
    .description("the events of a member's sessions, secrets redacted (--follow: live)")
    .requiredOption("--plane <plane>", "the plane (id or name)")
    .requiredOption("--name <name>", "the member (name or id)")
    .option("-f, --follow", "stream new log items as they happen, until Ctrl-C")
    .option("--limit <n>", "most items to show (without --follow)", positiveInt, 100)
    .action(
      async (opts: { plane: string; name: string; follow?: boolean; limit: number }, command: Command) => {
        const client = await ctx.client(command);
        const asJson = ctx.globals(command).json === true;
        if (!opts.follow) {
          const page = await client.planes.logs(opts.plane, opts.name, {
            limit: Math.min(opts.limit, MAX_PAGE_SIZE),
          });
          const items = await take(page, opts.limit);
          ctx.print(command, items, () =>
            items.length === 0 ? "(no logs)\n" : items.map((i) => `${logLine(i)}\n`).join(""),
          );
          return;
        }
        const signal = ctx.io.signal;
        const stream = await client.planes.followLogs(opts.plane, opts.name, { signal });
        if (ctx.io.stderr.isTTY)
          ctx.io.stderr.write(`following ${opts.name}'s logs in ${opts.plane} (Ctrl-C to stop)\n`);
        try {
          for await (const item of stream) {
            // One JSON object per line (NDJSON), so `--json … | jq` sees items as they arrive.
            ctx.io.stdout.write(
              asJson ? `${JSON.stringify(item)}\n` : `${logLine(item, new Date().toISOString())}\n`,
            );
          }
        } finally {
          stream.close();
        }
        if (signal?.aborted) throw new CliExit(130, "interrupted");
      },
    );
}
