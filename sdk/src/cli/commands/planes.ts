/**
 * `clawplane planes create|ls|status|upgrade` (members: plane-members.ts; logs: plane-logs.ts).
 *
 * A plane is a named fleet with defaults (agent template, instance type, budget per member);
 * each member gets an isolated agent of their own. Planes and members are named by id or name.
 */
import type { Command } from "commander";
import { collect } from "../../core/pagination.js";
import type { PlaneCreateParams, PlaneInstanceType, PlaneStatus, PlaneTemplate } from "../../types.js";
import {
  CliExit,
  type Context,
  DEFAULT_LIST_LIMIT,
  MAX_PAGE_SIZE,
  positiveInt,
  take,
  warmPoolSize,
} from "../context.js";
import { planeDetails, planeTable, rolloutDetails, statusReport, tokenBlock } from "../plane-format.js";
import {
  dollars,
  INSTANCE_TYPES,
  instanceType,
  readJsonFile,
  readTemplate,
  withProgress,
} from "../plane-input.js";
import { registerPlaneLogs } from "./plane-logs.js";
import { registerPlaneMembers } from "./plane-members.js";

export function registerPlanes(program: Command, ctx: Context): void {
  const planes = program
    .command("planes")
    .description("Agents Planes: one isolated agent per team member, with status, logs and upgrades");

  planes
    .command("create")
    .description("create a plane (org admin); prints its admin token once")
    .requiredOption("--name <name>", "plane name: lowercase letters, digits and -")
    .option("--description <text>", "description")
    .option("--template <file>", "JSON file of agent fields (model, system, tools, mcp_servers, …)")
    .option("--model <id>", "the members' model (overrides the template's)")
    .option("--system <text>", "the members' system prompt (overrides the template's)")
    .option("--environment <file>", "JSON file of each member's environment config (networking, packages)")
    .option("--instance-type <type>", `runtime size (${INSTANCE_TYPES.join("|")})`, instanceType)
    .option("--region <hint>", "placement hint, stored and shown (default auto)")
    .option("--budget <usd>", "monthly budget per member in USD", dollars)
    .option(
      "--warm-pool <min:max[:ttl]>",
      "warm runtimes reserved for the members, billed to the plane: min idle, max (0:0 = off), idle TTL s",
      warmPoolSize,
    )
    .action(
      async (
        opts: {
          name: string;
          description?: string;
          template?: string;
          model?: string;
          system?: string;
          environment?: string;
          instanceType?: PlaneInstanceType;
          region?: string;
          budget?: number;
          warmPool?: ReturnType<typeof warmPoolSize>;
        },
        command: Command,
      ) => {
        if (!opts.template && !opts.model)
          throw new CliExit(2, "error: give the members' model with --model or a --template file");
        const template: Record<string, unknown> = opts.template ? await readTemplate(ctx, opts.template) : {};
        if (opts.model !== undefined) template.model = opts.model;
        if (opts.system !== undefined) template.system = opts.system;
        const environment = opts.environment
          ? await readJsonFile(ctx, "--environment", opts.environment)
          : undefined;
        const body: PlaneCreateParams = {
          name: opts.name,
          description: opts.description,
          template: template as PlaneTemplate,
          environment: environment as PlaneCreateParams["environment"],
          instance_type: opts.instanceType,
          region: opts.region,
          monthly_budget_usd: opts.budget,
          warm_pool: opts.warmPool,
        };
        const client = await ctx.client(command);
        const plane = await withProgress(ctx, "creating the plane", () => client.planes.create(body));
        ctx.print(
          command,
          plane,
          () =>
            planeDetails(plane) +
            tokenBlock("Plane admin token", plane.admin_token, [
              "It manages this plane only: status, members, logs, upgrades; never secret values. Try:",
              "",
              `  CLAWPLANE_API_KEY=${plane.admin_token} clawplane planes status --plane ${plane.name}`,
            ]),
        );
      },
    );

  planes
    .command("ls")
    .description("list planes (an org admin sees all, a plane admin its own)")
    .option("--limit <n>", "most rows to show", positiveInt, DEFAULT_LIST_LIMIT)
    .action(async (opts: { limit: number }, command: Command) => {
      const client = await ctx.client(command);
      const rows = await take(
        await client.planes.list({ limit: Math.min(opts.limit, MAX_PAGE_SIZE) }),
        opts.limit,
      );
      ctx.print(command, rows, () => planeTable(rows));
    });

  registerPlaneMembers(planes, ctx);

  planes
    .command("status")
    .description("per-member health, sessions, runtime, activity, version and cost; totals; rollout")
    .option("--plane <plane>", "one plane (id or name); all planes when omitted")
    .option("--member <name>", "only this member (needs --plane)")
    .action(async (opts: { plane?: string; member?: string }, command: Command) => {
      if (opts.member && !opts.plane) throw new CliExit(2, "error: --member needs --plane");
      const client = await ctx.client(command);
      if (opts.plane) {
        const status = await client.planes.status(opts.plane, { member: opts.member });
        ctx.print(command, status, () => statusReport(status));
        return;
      }
      const all = await collect(await client.planes.list({ limit: MAX_PAGE_SIZE }));
      const statuses: PlaneStatus[] = [];
      for (const plane of all) statuses.push(await client.planes.status(plane.id));
      ctx.print(command, statuses, () =>
        statuses.length === 0 ? "(no planes)\n" : statuses.map(statusReport).join("\n"),
      );
    });

  registerPlaneLogs(planes, ctx);

  planes
    .command("upgrade")
    .description("roll a runtime version or template change across a plane, or roll one back")
    .requiredOption("--plane <plane>", "the plane (id or name)")
    .option("--runtime <version>", "OpenClaw runtime version to roll out")
    .option("--template <file>", "JSON file of agent fields to change in the plane's template")
    .option(
      "--rollback <rollout-id>",
      "roll back the plane's latest rollout: its previous versions become current",
    )
    .action(
      async (
        opts: { plane: string; runtime?: string; template?: string; rollback?: string },
        command: Command,
      ) => {
        if (opts.rollback && (opts.runtime || opts.template))
          throw new CliExit(2, "error: --rollback cannot be combined with --runtime or --template");
        if (!opts.rollback && !opts.runtime && !opts.template)
          throw new CliExit(
            2,
            "error: give --runtime <version>, --template <file> or --rollback <rollout-id>",
          );
        const template = opts.template ? await readTemplate(ctx, opts.template) : undefined;
        const client = await ctx.client(command);
        const rollout = opts.rollback
          ? await withProgress(ctx, "rolling back", () =>
              client.planes.upgrades.rollback(opts.plane, opts.rollback!),
            )
          : await withProgress(ctx, "starting the rollout", () =>
              client.planes.upgrades.create(opts.plane, { runtime_version: opts.runtime, template }),
            );
        const note = opts.rollback
          ? `Runtime ${rollout.from.runtime_version} and the template of v${rollout.from.template_version} are current again (as a new template version: versions never go backwards).`
          : "New sessions use it now; idle sessions switch on their next turn; running turns finish first.";
        ctx.print(command, rollout, () =>
          rollout.status === "failed"
            ? rolloutDetails(rollout)
            : `${rolloutDetails(rollout)}\n${note}\nProgress: clawplane planes status --plane ${opts.plane}\n`,
        );
        // A rollout that failed part-way is a failure of the command, with the way back.
        if (rollout.status === "failed" && !opts.rollback)
          throw new CliExit(
            1,
            `error: rollout ${rollout.id} failed: ${rollout.error ?? "unknown reason"}\n  undo it: clawplane planes upgrade --plane ${opts.plane} --rollback ${rollout.id}`,
          );
      },
    );

  planes
    .command("admin-token")
    .description("mint another admin token for a plane (org admin); prints it once")
    .requiredOption("--plane <plane>", "the plane (id or name)")
    .action(async (opts: { plane: string }, command: Command) => {
      const client = await ctx.client(command);
      const minted = await client.planes.createAdminToken(opts.plane);
      ctx.print(command, minted, () =>
        tokenBlock("Plane admin token", minted.token, [
          "It manages this plane only. Earlier admin tokens keep working.",
        ]).trimStart(),
      );
    });

  planes
    .command("admin-tokens")
    .description("list a plane's admin tokens (prefixes only), or revoke one with --revoke")
    .requiredOption("--plane <plane>", "the plane (id or name)")
    .option("--revoke <token-id>", "revoke this admin token")
    .action(async (opts: { plane: string; revoke?: string }, command: Command) => {
      const client = await ctx.client(command);
      if (opts.revoke) {
        const revoked = await client.planes.revokeAdminToken(opts.plane, opts.revoke);
        ctx.print(command, revoked, () => `revoked ${revoked.id} (${revoked.token_prefix}…)\n`);
        return;
      }
      const { data } = await client.planes.listAdminTokens(opts.plane);
      ctx.print(command, data, () =>
        data
          .map(
            (t) =>
              `${t.id}  ${t.token_prefix}…  created ${t.created_at} by ${t.created_by}` +
              (t.revoked_at ? `  revoked ${t.revoked_at}` : ""),
          )
          .join("\n")
          .concat(data.length ? "\n" : "no admin tokens\n"),
      );
    });

  planes
    .command("rm")
    .description("delete a plane that has no members (org admin)")
    .requiredOption("--plane <plane>", "the plane (id or name)")
    .option("-y, --yes", "do not ask for confirmation")
    .action(async (opts: { plane: string; yes?: boolean }, command: Command) => {
      if (ctx.io.interactive && !opts.yes) {
        const answer = await ctx.io.prompt(`Delete plane ${opts.plane}? [y/N] `);
        if (!/^y(es)?$/i.test(answer)) throw new CliExit(1, "not deleted");
      }
      const deleted = await (await ctx.client(command)).planes.delete(opts.plane);
      ctx.print(command, deleted, () => `deleted ${opts.plane} (${deleted.id})\n`);
    });
}
