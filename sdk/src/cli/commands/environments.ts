/**
 * `clawplane environments ls|create|show|archive|rm`, and the `default` environment that
 * `sessions create` uses when no `--environment` is given.
 */
import { type Command, InvalidArgumentError } from "commander";
import type { Clawplane } from "../../client.js";
import { ConflictError } from "../../core/errors.js";
import type { Environment, EnvironmentCreateParams } from "../../types.js";
import {
  CliExit,
  type Context,
  collectValues,
  DEFAULT_LIST_LIMIT,
  MAX_PAGE_SIZE,
  positiveInt,
  take,
  warmPoolSize,
  warmPoolSummary,
} from "../context.js";
import { keyValues, table } from "../format.js";
import { readJsonFile } from "../plane-input.js";

type ConfigParams = NonNullable<EnvironmentCreateParams["config"]>;
type CloudConfigParams = Extract<ConfigParams, { type: "cloud" }>;
type PackageManager = Exclude<keyof NonNullable<CloudConfigParams["packages"]>, "type">;

/** Every package manager the API knows; a `Record` so the compiler flags one added to the API. */
const PACKAGE_MANAGERS = Object.keys({
  apt: true,
  cargo: true,
  gem: true,
  go: true,
  npm: true,
  pip: true,
} satisfies Record<PackageManager, true>) as PackageManager[];

const NETWORKING = ["unrestricted", "limited"] as const;
type Networking = (typeof NETWORKING)[number];

/** The environment `sessions create` runs in when none is named. */
export const DEFAULT_ENVIRONMENT_NAME = "default";

function parseNetworking(value: string): Networking {
  if (!NETWORKING.includes(value as Networking))
    throw new InvalidArgumentError(`expected one of ${NETWORKING.join(", ")}`);
  return value as Networking;
}

/** Parses `--package manager:name` (e.g. `pip:requests`, `npm:@scope/pkg@1.2`). */
function parsePackage(value: string, previous: [PackageManager, string][] = []): [PackageManager, string][] {
  const at = value.indexOf(":");
  const manager = value.slice(0, Math.max(at, 0)) as PackageManager;
  const name = value.slice(at + 1);
  if (at < 0 || !PACKAGE_MANAGERS.includes(manager) || name === "")
    throw new InvalidArgumentError(
      `expected <manager>:<package> with manager one of ${PACKAGE_MANAGERS.join(", ")}, e.g. pip:requests`,
    );
  return [...previous, [manager, name]];
}

interface CreateOptions {
  name: string;
  description?: string;
  networking?: Networking;
  allowedHost?: string[];
  allowMcpServers?: boolean;
  allowPackageManagers?: boolean;
  package?: [PackageManager, string][];
  sleepAfter?: number;
  workspaceMaxMb?: number;
  warmPool?: ReturnType<typeof warmPoolSize>;
  config?: string;
}

/** The `config` a create sends: a `--config` file as it is, or one built from the flags (or none). */
async function configFromFlags(ctx: Context, opts: CreateOptions): Promise<ConfigParams | undefined> {
  const limitedOnly = [
    opts.allowedHost && "--allowed-host",
    opts.allowMcpServers && "--allow-mcp-servers",
    opts.allowPackageManagers && "--allow-package-managers",
  ].filter((flag): flag is string => typeof flag === "string");
  const flags = [
    ...limitedOnly,
    opts.networking && "--networking",
    opts.package && "--package",
    opts.sleepAfter !== undefined && "--sleep-after",
    opts.workspaceMaxMb !== undefined && "--workspace-max-mb",
    opts.warmPool !== undefined && "--warm-pool",
  ].filter(Boolean);
  if (opts.config) {
    if (flags.length > 0) throw new CliExit(2, `error: --config cannot be combined with ${flags.join(", ")}`);
    // The server validates the file's content and names any bad field.
    return (await readJsonFile(ctx, "--config", opts.config)) as ConfigParams;
  }
  if (limitedOnly.length > 0 && opts.networking !== "limited")
    throw new CliExit(2, `error: ${limitedOnly.join(", ")} needs --networking limited`);
  if (flags.length === 0) return undefined;
  const config: CloudConfigParams = { type: "cloud" };
  if (opts.networking === "unrestricted") config.networking = { type: "unrestricted" };
  if (opts.networking === "limited") {
    config.networking = {
      type: "limited",
      allowed_hosts: opts.allowedHost ?? [],
      allow_mcp_servers: opts.allowMcpServers === true,
      allow_package_managers: opts.allowPackageManagers === true,
    };
  }
  if (opts.package) {
    const packages: NonNullable<CloudConfigParams["packages"]> = {};
    for (const [manager, name] of opts.package) packages[manager] = [...(packages[manager] ?? []), name];
    config.packages = packages;
  }
  if (opts.sleepAfter !== undefined) config.sleep_after_seconds = opts.sleepAfter;
  if (opts.workspaceMaxMb !== undefined) config.workspace_max_mb = opts.workspaceMaxMb;
  if (opts.warmPool !== undefined) config.warm_pool = opts.warmPool;
  return config;
}

/** `unrestricted`, or `limited: host, …` with what else is let through. */
function networkingSummary(e: Environment): string {
  if (e.config.type !== "cloud") return e.config.type;
  const net = e.config.networking;
  if (net.type === "unrestricted") return "unrestricted";
  const extras = [net.allow_mcp_servers && "MCP servers", net.allow_package_managers && "package managers"];
  const allowed = [...net.allowed_hosts, ...extras.filter(Boolean)];
  return `limited: ${allowed.join(", ") || "nothing"}`;
}

function packagesSummary(e: Environment): string {
  if (e.config.type !== "cloud") return "-";
  const { packages } = e.config;
  return PACKAGE_MANAGERS.flatMap((m) => packages[m].map((p) => `${m}:${p}`)).join(" ") || "-";
}

function environmentDetails(e: Environment): string {
  return keyValues([
    ["id", e.id],
    ["name", e.name],
    ["description", e.description],
    ["networking", networkingSummary(e)],
    ["packages", packagesSummary(e)],
    ["sleep after", e.config.type === "cloud" ? `${e.config.sleep_after_seconds} s idle` : "-"],
    ["workspace cap", e.config.type === "cloud" ? `${e.config.workspace_max_mb} MB` : "-"],
    [
      "warm pool",
      e.config.type === "cloud"
        ? warmPoolSummary(e.config.warm_pool, "none of its own (plane's or shared)")
        : "-",
    ],
    ["metadata", e.metadata],
    ["created", e.created_at],
    ["archived", e.archived_at],
  ]);
}

/** The live environment with `name`, if any (names are unique among live environments). */
async function findByName(client: Clawplane, name: string): Promise<Environment | undefined> {
  for await (const e of await client.environments.list({ limit: MAX_PAGE_SIZE })) {
    if (e.name === name) return e;
  }
  return undefined;
}

/**
 * The id of the live environment named `default`, created with unrestricted networking (and
 * announced on stderr) when there is none, so a first session needs no environment set-up.
 */
export async function defaultEnvironmentId(ctx: Context, client: Clawplane): Promise<string> {
  const found = await findByName(client, DEFAULT_ENVIRONMENT_NAME);
  if (found) return found.id;
  let created: Environment;
  try {
    created = await client.environments.create({
      name: DEFAULT_ENVIRONMENT_NAME,
      description: "Created by `clawplane sessions create` for sessions without --environment",
      config: { type: "cloud", networking: { type: "unrestricted" } },
    });
  } catch (err) {
    // Another client created it between our look and our create: use theirs.
    const raced =
      err instanceof ConflictError ? await findByName(client, DEFAULT_ENVIRONMENT_NAME) : undefined;
    if (!raced) throw err;
    return raced.id;
  }
  ctx.io.stderr.write(
    `Created environment '${DEFAULT_ENVIRONMENT_NAME}' (${created.id}, unrestricted networking) for sessions without --environment\n`,
  );
  return created.id;
}

export function registerEnvironments(program: Command, ctx: Context): void {
  const environments = program
    .command("environments")
    .description("list, create, inspect and remove the environments sessions run in");

  environments
    .command("ls")
    .description("list environments, newest first")
    .option("--limit <n>", "most rows to show", positiveInt, DEFAULT_LIST_LIMIT)
    .option("--include-archived", "also list archived environments")
    .action(async (opts: { limit: number; includeArchived?: boolean }, command: Command) => {
      const client = await ctx.client(command);
      const page = await client.environments.list({
        limit: Math.min(opts.limit, MAX_PAGE_SIZE),
        include_archived: opts.includeArchived,
      });
      const rows = await take(page, opts.limit);
      ctx.print(command, rows, () =>
        table(
          ["id", "name", "networking", "created", "archived"],
          rows.map((e) => [e.id, e.name, networkingSummary(e), e.created_at, e.archived_at]),
        ),
      );
    });

  environments
    .command("create")
    .description("create an environment (default: unrestricted networking, no packages)")
    .requiredOption("--name <name>", "environment name, unique among live environments")
    .option("--description <text>", "description")
    .option("--networking <type>", `outbound network access (${NETWORKING.join("|")})`, parseNetworking)
    .option(
      "--allowed-host <host>",
      "with limited networking: a host it may reach; repeatable",
      collectValues,
    )
    .option("--allow-mcp-servers", "with limited networking: let the agent's MCP servers through")
    .option("--allow-package-managers", "with limited networking: let package registries through")
    .option(
      "--package <manager:name>",
      `a package to install (${PACKAGE_MANAGERS.join("|")}), e.g. pip:requests; repeatable`,
      parsePackage,
    )
    .option(
      "--sleep-after <seconds>",
      "stop a session's runtime after this long without a turn (60-86400; default 600)",
      positiveInt,
    )
    .option(
      "--workspace-max-mb <mb>",
      "the most a session's durable workspace may hold, in MB (1-2048; default 100)",
      positiveInt,
    )
    .option(
      "--warm-pool <min:max[:ttl]>",
      "the environment's own warm pool: min idle, max (0:0 = off), idle TTL in seconds; members boot with its packages",
      warmPoolSize,
    )
    .option("--config <file>", "JSON file of the whole config (instead of the flags above)")
    .action(async (opts: CreateOptions, command: Command) => {
      const config = await configFromFlags(ctx, opts);
      const client = await ctx.client(command);
      const environment = await client.environments.create({
        name: opts.name,
        description: opts.description,
        config,
      });
      ctx.print(command, environment, () => environmentDetails(environment));
    });

  environments
    .command("show")
    .description("show an environment")
    .argument("<environment-id>")
    .action(async (id: string, _opts: unknown, command: Command) => {
      const environment = await (await ctx.client(command)).environments.retrieve(id);
      ctx.print(command, environment, () => environmentDetails(environment));
    });

  environments
    .command("archive")
    .description("archive an environment: no new sessions may use it, running ones go on")
    .argument("<environment-id>")
    .action(async (id: string, _opts: unknown, command: Command) => {
      const archived = await (await ctx.client(command)).environments.archive(id);
      ctx.print(command, archived, () => `archived ${archived.id}\n`);
    });

  environments
    .command("rm")
    .description("delete an environment for good")
    .argument("<environment-id>")
    .action(async (id: string, _opts: unknown, command: Command) => {
      const deleted = await (await ctx.client(command)).environments.delete(id);
      ctx.print(command, deleted, () => `deleted ${deleted.id}\n`);
    });
}
