/**
 * `clawplane peers add|ls|show|test|rm|issue-credential|revoke-credential`: tailnet peers,
 * remote agents our agents talk to over Tailscale by A2A. The token to present to a peer is
 * read from a file or an environment variable (never a flag value: shell history, `ps`).
 */
import { type Command, InvalidArgumentError } from "commander";
import type { Peer, PeerCreateParams } from "../../types.js";
import {
  CliExit,
  type Context,
  collectValues,
  DEFAULT_LIST_LIMIT,
  MAX_PAGE_SIZE,
  positiveInt,
  take,
} from "../context.js";
import { keyValues, table } from "../format.js";

const DIRECTIONS = ["outbound", "inbound", "both"] as const;
const PROTOCOLS = ["a2a", "openclaw_tools_invoke"] as const;

function oneOf<T extends string>(values: readonly T[]) {
  return (value: string): T => {
    if (!values.includes(value as T)) throw new InvalidArgumentError(`expected one of ${values.join(", ")}`);
    return value as T;
  };
}

function peerDetails(p: Peer): string {
  return keyValues([
    ["id", p.id],
    ["name", p.name],
    ["address", `${p.address}:${p.port}`],
    ["protocol", p.protocol],
    ["direction", p.direction],
    ["agents", p.agent_ids.join(", ")],
    ["rate limit", `${p.rate_limit_per_minute}/min`],
    ["outbound token", p.has_outbound_token ? "stored (write-only)" : "-"],
    [
      "inbound credentials",
      p.inbound_credentials
        .map((c) => `${c.id} ${c.token_prefix}… ${c.revoked_at ? "revoked" : "live"}`)
        .join("; ") || "-",
    ],
    ["plane", p.plane_id],
    ["created", p.created_at],
  ]);
}

/** The token from `--token-file` or `--token-env`; never a flag value (shell history, `ps`). */
async function readToken(ctx: Context, opts: AddOptions): Promise<string | undefined> {
  if (opts.tokenFile && opts.tokenEnv)
    throw new CliExit(2, "error: give --token-file or --token-env, not both");
  let text: string | undefined;
  if (opts.tokenEnv) {
    text = ctx.io.env[opts.tokenEnv];
    if (text === undefined) throw new CliExit(2, `error: --token-env: ${opts.tokenEnv} is not set`);
  } else if (opts.tokenFile) {
    if (!ctx.io.readFile) throw new CliExit(2, "error: --token-file needs a file system");
    text = await ctx.io.readFile(opts.tokenFile).catch(() => {
      throw new CliExit(2, `error: --token-file ${opts.tokenFile} cannot be read`);
    });
  }
  if (text === undefined) return undefined;
  const token = text.trim();
  if (!token) throw new CliExit(2, "error: the peer token is empty");
  return token;
}

interface AddOptions {
  address: string;
  port?: number;
  path?: string;
  protocol?: (typeof PROTOCOLS)[number];
  direction?: (typeof DIRECTIONS)[number];
  agent: string[];
  rateLimit?: number;
  tokenFile?: string;
  tokenEnv?: string;
}

export function registerPeers(program: Command, ctx: Context): void {
  const peers = program
    .command("peers")
    .description("tailnet peers: remote agents your agents talk to over Tailscale (A2A)");

  peers
    .command("add <name>")
    .description("add a peer; an inbound peer's token is printed once")
    .requiredOption("--address <host>", "MagicDNS name (machine.tailnet.ts.net) or tailnet IP (100.x)")
    .option("--port <n>", "the peer gateway's port (default 18789)", positiveInt)
    .option("--path <path>", "the peer's A2A path (default /a2a/v1; another Clawplane: /a2a/agents/<id>/v1)")
    .option("--protocol <p>", `one of ${PROTOCOLS.join(", ")} (default a2a)`, oneOf(PROTOCOLS))
    .option("--direction <d>", `one of ${DIRECTIONS.join(", ")} (default outbound)`, oneOf(DIRECTIONS))
    .requiredOption("--agent <id>", "an agent that may talk to this peer (repeatable)", collectValues)
    .option("--rate-limit <n>", "messages per minute, each way (default 30)", positiveInt)
    .option("--token-file <path>", "file holding the token the peer expects from us")
    .option("--token-env <name>", "environment variable holding the token the peer expects from us")
    .action(async (name: string, opts: AddOptions, command: Command) => {
      const client = await ctx.client(command);
      const body: PeerCreateParams = { name, address: opts.address, agent_ids: opts.agent };
      if (opts.port !== undefined) body.port = opts.port;
      if (opts.path) body.path = opts.path;
      if (opts.protocol) body.protocol = opts.protocol;
      if (opts.direction) body.direction = opts.direction;
      if (opts.rateLimit !== undefined) body.rate_limit_per_minute = opts.rateLimit;
      const token = await readToken(ctx, opts);
      if (token) body.outbound_token = token;
      const created = await client.peers.create(body);
      ctx.print(command, created, () => {
        const token = created.inbound_token
          ? `\ninbound token (give it to the peer; shown once):\n${created.inbound_token}\n`
          : "";
        return peerDetails(created) + token;
      });
    });

  peers
    .command("ls")
    .description("list peers, newest first")
    .option("--limit <n>", "most rows to show", positiveInt, DEFAULT_LIST_LIMIT)
    .option("--agent <id>", "only peers this agent may talk to")
    .action(async (opts: { limit: number; agent?: string }, command: Command) => {
      const client = await ctx.client(command);
      const page = await client.peers.list({
        limit: Math.min(opts.limit, MAX_PAGE_SIZE),
        agent_id: opts.agent,
      });
      const rows = await take(page, opts.limit);
      ctx.print(command, rows, () =>
        table(
          ["id", "name", "address", "protocol", "direction", "agents"],
          rows.map((p) => [
            p.id,
            p.name,
            `${p.address}:${p.port}`,
            p.protocol,
            p.direction,
            p.agent_ids.join(","),
          ]),
        ),
      );
    });

  peers
    .command("show <peer_id>")
    .description("show a peer (never its tokens)")
    .action(async (peerId: string, _opts: unknown, command: Command) => {
      const peer = await (await ctx.client(command)).peers.retrieve(peerId);
      ctx.print(command, peer, () => peerDetails(peer));
    });

  peers
    .command("test <peer_id>")
    .description("probe a peer over the tailnet: reachability, latency, its agent card")
    .action(async (peerId: string, _opts: unknown, command: Command) => {
      const result = await (await ctx.client(command)).peers.test(peerId);
      ctx.print(command, result, () =>
        keyValues([
          ["reachable", result.reachable ? "yes" : "no"],
          ["latency", result.latency_ms === null ? "-" : `${result.latency_ms} ms`],
          ["agent", (result.agent_card?.name as string | undefined) ?? "-"],
          ["card", result.agent_card],
          ["error", result.error],
        ]),
      );
      if (!result.reachable || result.error) throw new CliExit(1);
    });

  peers
    .command("traffic <peer_id>")
    .description("a peer's messages, newest first: direction, agent, session, size, outcome")
    .option("--limit <n>", "most rows to show", positiveInt, DEFAULT_LIST_LIMIT)
    .action(async (peerId: string, opts: { limit: number }, command: Command) => {
      const client = await ctx.client(command);
      const page = await client.peers.messages(peerId, { limit: Math.min(opts.limit, MAX_PAGE_SIZE) });
      ctx.print(command, page.data, () =>
        table(
          ["at", "dir", "agent", "session", "bytes in/out", "outcome", "state", "via"],
          page.data.map((m) => [
            m.at,
            m.direction,
            m.agent_id ?? "-",
            m.session_id ?? "-",
            `${m.bytes_in}/${m.bytes_out}`,
            m.outcome,
            m.state,
            m.via,
          ]),
        ),
      );
    });

  peers
    .command("rm <peer_id>")
    .description("delete a peer: its token is erased, its inbound credentials stop working")
    .action(async (peerId: string, _opts: unknown, command: Command) => {
      const deleted = await (await ctx.client(command)).peers.delete(peerId);
      ctx.print(command, deleted, () => `deleted ${deleted.id}\n`);
    });

  peers
    .command("issue-credential <peer_id>")
    .description("issue another inbound credential for a peer (printed once)")
    .action(async (peerId: string, _opts: unknown, command: Command) => {
      const issued = await (await ctx.client(command)).peers.issueCredential(peerId);
      ctx.print(
        command,
        issued,
        () => `${issued.id}\ntoken (give it to the peer; shown once):\n${issued.token}\n`,
      );
    });

  peers
    .command("revoke-credential <peer_id> <credential_id>")
    .description("revoke an inbound credential at once")
    .action(async (peerId: string, credentialId: string, _opts: unknown, command: Command) => {
      const revoked = await (await ctx.client(command)).peers.revokeCredential(peerId, credentialId);
      ctx.print(command, revoked, () => `revoked ${revoked.id}\n`);
    });
}
