/** `clawplane planes add-agent|remove-agent|rotate-token`: a plane's members and their tokens. */
import type { Command } from "commander";
import type { PlaneMember } from "../../types.js";
import { CliExit, type Context } from "../context.js";
import { memberDetails, tokenBlock } from "../plane-format.js";
import { readTemplate, withProgress } from "../plane-input.js";

/** Copy-paste lines that use a member token with curl and the Anthropic / OpenAI SDKs. */
function memberTokenUsage(
  baseURL: string,
  member: Pick<PlaneMember, "name" | "owner" | "agent_id" | "environment_id">,
  token: string,
): string[] {
  const base = baseURL.replace(/\/+$/, "");
  const body = JSON.stringify({ model: member.agent_id, messages: [{ role: "user", content: "Hello" }] });
  return [
    `Give it to ${member.owner}. It is an ordinary API key that reaches only ${member.name}'s agent,`,
    "sessions and vault. For example:",
    "",
    `  curl -s ${base}/v1/chat/completions -H "authorization: Bearer ${token}" \\`,
    `    -H 'content-type: application/json' -d '${body}'`,
    "",
    `Anthropic SDK: new Anthropic({ baseURL: "${base}", apiKey: "<token>" }), then`,
    `  client.beta.sessions.create({ agent: "${member.agent_id}", environment_id: "${member.environment_id}" })`,
    `OpenAI SDK: new OpenAI({ baseURL: "${base}/v1", apiKey: "<token>" }), model "${member.agent_id}"`,
  ];
}

export function registerPlaneMembers(planes: Command, ctx: Context): void {
  planes
    .command("add-agent")
    .description("give a member an isolated agent of their own; prints their token once")
    .requiredOption("--plane <plane>", "the plane (id or name)")
    .requiredOption("--name <name>", "member name, unique in the plane (lowercase letters, digits, -)")
    .requiredOption("--owner <email>", "who the agent belongs to")
    .option("--template <file>", "JSON file of agent fields overriding the plane's template for this member")
    .action(
      async (opts: { plane: string; name: string; owner: string; template?: string }, command: Command) => {
        const template = opts.template ? await readTemplate(ctx, opts.template) : undefined;
        const client = await ctx.client(command);
        const member = await withProgress(ctx, `provisioning ${opts.name}'s agent`, () =>
          client.planes.members.add(opts.plane, { name: opts.name, owner: opts.owner, template }),
        );
        ctx.print(
          command,
          member,
          () =>
            memberDetails(member) +
            tokenBlock(
              `Member token for ${member.name}`,
              member.token,
              memberTokenUsage(client.baseURL, member, member.token),
            ),
        );
      },
    );

  planes
    .command("rotate-token")
    .description("issue a member a new token (printed once) and revoke the old one")
    .requiredOption("--plane <plane>", "the plane (id or name)")
    .requiredOption("--name <name>", "the member (name or id)")
    .action(async (opts: { plane: string; name: string }, command: Command) => {
      const client = await ctx.client(command);
      const rotated = await client.planes.members.rotateToken(opts.plane, opts.name);
      ctx.print(command, rotated, () =>
        tokenBlock(`New member token for ${opts.name}`, rotated.token, [
          "The previous token stopped working. Hand this one to the member.",
        ]).trimStart(),
      );
    });

  planes
    .command("remove-agent")
    .description("end a member's sessions, revoke their tokens and delete their secrets (audit stays)")
    .requiredOption("--plane <plane>", "the plane (id or name)")
    .requiredOption("--name <name>", "the member (name or id)")
    .option("-y, --yes", "do not ask for confirmation")
    .action(async (opts: { plane: string; name: string; yes?: boolean }, command: Command) => {
      if (ctx.io.interactive && !opts.yes) {
        const answer = await ctx.io.prompt(
          `Remove ${opts.name} from ${opts.plane}? This ends their sessions, revokes their token and deletes their secrets. [y/N] `,
        );
        if (!/^y(es)?$/i.test(answer)) throw new CliExit(1, "not removed");
      }
      const client = await ctx.client(command);
      const removed = await withProgress(ctx, `removing ${opts.name}`, () =>
        client.planes.members.remove(opts.plane, opts.name),
      );
      ctx.print(
        command,
        removed,
        () =>
          `removed ${opts.name} (${removed.id}): ${removed.sessions_ended} session${removed.sessions_ended === 1 ? "" : "s"} ended, token revoked, secrets deleted\n`,
      );
    });
}
