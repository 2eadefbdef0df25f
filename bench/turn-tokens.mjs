#!/usr/bin/env node
/**
 * Turn-size benchmark: what one trivial turn ("hi") costs in input tokens, for agents with
 * different tools, on the full session path with real parts (SDK → Worker under `wrangler dev`
 * → SessionDO → local OpenClaw gateway → Worker LLM proxy → deterministic model server).
 *
 * Every tool OpenClaw offers the model travels in every request as a JSON schema, so the tools
 * an agent has (and only those) decide much of a turn's size. Per agent it prints the input
 * tokens the session reports (`span.model_request_end` → `model_usage.input_tokens`), the tools
 * the model was offered, and the size of the recorded request (all characters, and the tools'
 * JSON alone).
 *
 *   node bench/turn-tokens.mjs        (npm run bench:turn-tokens)
 *
 * Sessions run one after another (each boots its own ~1 GB gateway); every process is stopped
 * at the end, on failure and on SIGINT/SIGTERM.
 */
import Anthropic from "@anthropic-ai/sdk";
import { sendAndWait } from "../test/support/turns.mjs";
import { ADMIN_KEY, cleanup, startPlatform } from "./lib/stack.mjs";

/** A cold turn includes a gateway boot (12–25 s on 2 vCPU, more under load). */
const TURN_TIMEOUT_MS = 300_000;
const AGENTS = [
  { label: "tools: []", tools: [] },
  {
    label: "read + bash only",
    tools: [
      {
        type: "agent_toolset_20260401",
        default_config: { enabled: false },
        configs: [
          { name: "read", enabled: true },
          { name: "bash", enabled: true },
        ],
      },
    ],
  },
  { label: "full toolset", tools: [{ type: "agent_toolset_20260401" }] },
];

const log = (line) => console.error(`[bench] ${line}`);

async function main() {
  log("starting model server, supervisor and Worker…");
  const { model, worker } = await startPlatform();
  const client = new Anthropic({ apiKey: ADMIN_KEY, baseURL: worker.origin, maxRetries: 0 });
  const environment = await client.beta.environments.create({ name: `turn-tokens-${Date.now()}` });
  const rows = [];
  for (const spec of AGENTS) {
    const agent = await client.beta.agents.create({
      name: `turn-tokens ${spec.label}`,
      model: "claude-sonnet-4-6",
      tools: spec.tools,
    });
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    const before = model.requests.length;
    log(`${spec.label}: "hi" on a fresh session…`);
    const events = await sendAndWait(client, session.id, "hi", { timeoutMs: TURN_TIMEOUT_MS });
    const spans = events.filter((e) => e.type === "span.model_request_end");
    const request = model.requests.slice(before).at(-1);
    const tools = request?.body?.tools ?? [];
    rows.push({
      agent: spec.label,
      calls: spans.length,
      inputTokens: spans.reduce((sum, e) => sum + (e.model_usage?.input_tokens ?? 0), 0),
      toolsOffered: tools.length,
      requestChars: request ? JSON.stringify(request.body).length : 0,
      toolsChars: JSON.stringify(tools).length,
      names: tools.map((t) => t.function?.name).join(", ") || "(none)",
    });
    await client.beta.sessions.archive(session.id).catch(() => {});
  }
  console.log('\nInput size of one trivial turn ("hi") on a fresh session, per agent\n');
  console.table(rows.map(({ names, ...figures }) => figures));
  for (const row of rows) console.log(`${row.agent}: offered ${row.names}`);
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => cleanup());
