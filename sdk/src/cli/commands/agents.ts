/** `clawplane agents ls|create|show`. */
import type { Command } from "commander";
import type { Agent } from "../../types.js";
import { type Context, DEFAULT_LIST_LIMIT, MAX_PAGE_SIZE, positiveInt, take } from "../context.js";
import { keyValues, table } from "../format.js";

function agentDetails(a: Agent): string {
  return keyValues([
    ["id", a.id],
    ["name", a.name],
    ["model", a.model.id],
    ["version", a.version],
    ["description", a.description],
    ["system", a.system],
    ["tools", a.tools.map((t) => t.type).join(", ") || "-"],
    ["metadata", a.metadata],
    ["created", a.created_at],
    ["archived", a.archived_at],
  ]);
}

export function registerAgents(program: Command, ctx: Context): void {
  const agents = program.command("agents").description("list, create and inspect agents");

  agents
    .command("ls")
    .description("list agents, newest first")
    .option("--limit <n>", "most rows to show", positiveInt, DEFAULT_LIST_LIMIT)
    .option("--include-archived", "also list archived agents")
    .action(async (opts: { limit: number; includeArchived?: boolean }, command: Command) => {
      const client = await ctx.client(command);
      const page = await client.agents.list({
        limit: Math.min(opts.limit, MAX_PAGE_SIZE),
        include_archived: opts.includeArchived,
      });
      const rows = await take(page, opts.limit);
      ctx.print(command, rows, () =>
        table(
          ["id", "name", "model", "version", "created"],
          rows.map((a) => [a.id, a.name, a.model.id, a.version, a.created_at]),
        ),
      );
    });

  agents
    .command("create")
    .description("create an agent")
    .requiredOption("--name <name>", "agent name")
    .requiredOption("--model <model>", "model id, e.g. claude-sonnet-4-6")
    .option("--system <prompt>", "system prompt")
    .option("--description <text>", "description")
    .action(
      async (
        opts: { name: string; model: string; system?: string; description?: string },
        command: Command,
      ) => {
        const client = await ctx.client(command);
        const agent = await client.agents.create(opts);
        ctx.print(command, agent, () => agentDetails(agent));
      },
    );

  agents
    .command("show")
    .description("show an agent (latest version unless --version)")
    .argument("<agent-id>")
    .option("--version <n>", "a specific version", positiveInt)
    .action(async (id: string, opts: { version?: number }, command: Command) => {
      const client = await ctx.client(command);
      const agent = await client.agents.retrieve(id, { version: opts.version });
      ctx.print(command, agent, () => agentDetails(agent));
    });
}
