/**
 * `clawplane login`: saves a base URL and key to the user's config, after checking that the
 * key works (a wrong URL or key is reported now, not at the next command).
 */
import type { Command } from "commander";
import { Clawplane } from "../../client.js";
import { DEFAULT_BASE_URL } from "../../core/http.js";
import type { Context } from "../context.js";

export function registerLogin(program: Command, ctx: Context): void {
  program
    .command("login")
    .description("save the base URL and API key (prompts for what is not given)")
    .option("--no-verify", "save without checking the key against the server")
    .action(async (options: { verify: boolean }, command: Command) => {
      const flags = ctx.globals(command);
      const saved = await ctx.io.config.read().catch(() => undefined);
      const defaultUrl = saved?.baseURL ?? ctx.io.env.CLAWPLANE_BASE_URL ?? DEFAULT_BASE_URL;
      const baseURL = flags.baseUrl ?? ((await ctx.io.prompt(`Base URL [${defaultUrl}]: `)) || defaultUrl);
      const apiKey = flags.apiKey ?? (await ctx.io.prompt("API key: ", { secret: true }));
      if (!apiKey) throw new Error("an API key is required");
      if (options.verify) {
        const client = new Clawplane({ baseURL, apiKey, fetch: ctx.io.fetch, maxRetries: 1 });
        await client.agents.list({ limit: 1 });
      }
      await ctx.io.config.write({ baseURL, apiKey });
      ctx.print(
        command,
        { baseURL, config: ctx.io.config.path },
        () => `Logged in to ${baseURL}\nSaved ${ctx.io.config.path}\n`,
      );
    });
}
