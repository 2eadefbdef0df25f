/**
 * Gateway paths benchmark: one OpenClaw gateway (Clawplane's config template, the model server
 * double) driven three ways, turn for turn, to see which of OpenClaw's own entry points is the
 * cheapest way to start a turn:
 *
 *   chat.send   the operator WebSocket method the session object uses
 *   agent       the WebSocket `agent` method (the in-process path of `/v1/chat/completions`)
 *   http        `POST /v1/chat/completions` (stream), what bench/turn-tax.mjs calls "direct"
 *
 * Each path has its own OpenClaw session; turns alternate between the paths (the load of
 * other processes hits all alike). Per path, p50 from the request to: the model request
 * arriving at the model server, the first live text, the model's last byte, OpenClaw's
 * `lifecycle finishing` and `lifecycle end` (the WS paths), and the path's own end (`chat final`
 * on the WS paths, `[DONE]` over HTTP). With --dump, every frame an operator gets during one
 * `agent` run is printed (what that method would give a session object).
 *
 *   npx tsx bench/gateway-paths.ts [--turns 8] [--warmup 3] [--dump]   (npm run bench:gateway-paths)
 *
 * Run it under the runtime lock: it boots a gateway (~1 GB, 15–100 s).
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { connectWithPairing } from "../src/runtime/openclaw/admin-rpc";
import { DeviceIdentity } from "../src/runtime/openclaw/device-identity";
import { GatewayClient } from "../src/runtime/openclaw/gateway-client";
import type { EventFrame } from "../src/runtime/openclaw/protocol";
import { openSocket } from "../test/runtime/support";
import { startModelServer } from "../test/support/model-server.mjs";
import { openChatCompletionStream } from "./lib/sse.mjs";
import { cleanup, onCleanup, startDirectGateway } from "./lib/stack.mjs";

const { values: args } = parseArgs({
  options: {
    turns: { type: "string", default: "8" },
    warmup: { type: "string", default: "3" },
    dump: { type: "boolean", default: false },
  },
});
const TURNS = Number(args.turns);
const WARMUP = Number(args.warmup);
const TOKEN = "bench-paths-gateway-token";
const SESSION_TOKEN = "bench-paths-session";
const TIMEOUT_MS = 60_000;

type Turn = {
  model: number;
  first: number;
  modelDone: number;
  finishing: number;
  runEnd: number;
  done: number;
};
type Payload = { runId?: string; stream?: string; state?: string; data?: { phase?: string } };

const frames: { at: number; frame: EventFrame }[] = [];
const payloadOf = (f: EventFrame) => (f.payload ?? {}) as Payload;

function p50(values: number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  return sorted.length ? (sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN) : Number.NaN;
}

/** When the first frame since `since` matching `pred` arrived (epoch ms), waiting for it. */
async function frameAt(
  pred: (f: EventFrame) => boolean,
  since: number,
  timeoutMs = TIMEOUT_MS,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hit = frames.find((f) => f.at >= since && pred(f.frame));
    if (hit) return hit.at;
    if (Date.now() > deadline) throw new Error("timed out waiting for a gateway frame");
    await new Promise((resolve) => setTimeout(resolve, 2)); // polling a condition
  }
}
const ofRun = (runId: string, event: string, pred: (p: Payload) => boolean) => (f: EventFrame) =>
  f.event === event && payloadOf(f).runId === runId && pred(payloadOf(f));
const lifecycle = (phase: string) => (p: Payload) => p.stream === "lifecycle" && p.data?.phase === phase;

const model = await startModelServer();
onCleanup(() => model.close());
try {
  const loadStart = loadavg();
  console.error("[bench] booting the gateway…");
  const gateway = await startDirectGateway(model.url, {
    token: TOKEN,
    sessionToken: SESSION_TOKEN,
    readyTimeoutMs: 300_000,
  });
  const client = new GatewayClient({
    connect: () => openSocket(`ws://127.0.0.1:${gateway.port}/`),
    token: TOKEN,
    identity: await DeviceIdentity.generate(),
  });
  onCleanup(() => client.close());
  client.on("*", (_payload, frame) => frames.push({ at: Date.now(), frame }));
  await connectWithPairing(client, { fetch, origin: gateway.origin, token: TOKEN });
  const keys = { chat: "agent:main:bench-chat-send", agent: "agent:main:bench-agent" };
  for (const key of Object.values(keys)) await client.request("sessions.messages.subscribe", { key });
  await client.request("sessions.subscribe", {});

  const modelCall = (text: string, since: number) =>
    model.requests.find(
      (r: { receivedAt: number; body?: { messages?: unknown } }) =>
        r.receivedAt >= since && JSON.stringify(r.body?.messages ?? "").includes(text),
    );

  /** A WebSocket turn: `send` starts run `runId`; timings from the frames every operator gets. */
  async function wsTurn(text: string, runId: string, send: () => Promise<unknown>): Promise<Turn> {
    const start = Date.now();
    await send();
    const first = await frameAt(
      ofRun(runId, "agent", (p) => p.stream === "assistant"),
      start,
    );
    const finishing = await frameAt(ofRun(runId, "agent", lifecycle("finishing")), start);
    const runEnd = await frameAt(ofRun(runId, "agent", lifecycle("end")), start);
    const done = await frameAt(
      ofRun(runId, "chat", (p) => p.state === "final"),
      start,
    );
    const call = modelCall(text, start);
    return {
      model: (call?.receivedAt ?? Number.NaN) - start,
      first: first - start,
      modelDone: (call?.completedAt ?? Number.NaN) - start,
      finishing: finishing - start,
      runEnd: runEnd - start,
      done: done - start,
    };
  }

  const chatSendTurn = (text: string) => {
    const runId = `bench-chat-${frames.length}-${Date.now()}`;
    return wsTurn(text, runId, () =>
      client.chatSend({ sessionKey: keys.chat, message: text, idempotencyKey: runId }),
    );
  };
  const agentTurn = (text: string) => {
    const runId = `bench-agent-${frames.length}-${Date.now()}`;
    return wsTurn(text, runId, () =>
      client.request("agent", {
        sessionKey: keys.agent,
        message: text,
        idempotencyKey: runId,
        deliver: false,
      }),
    );
  };
  async function httpTurn(text: string): Promise<Turn> {
    const start = Date.now();
    const startPerf = performance.now();
    const sub = await openChatCompletionStream(gateway.origin, TOKEN, "bench-http", text);
    try {
      const first = await sub.waitFor(
        (e: { data?: { choices?: { delta?: { content?: string } }[] } }) =>
          Boolean(e.data?.choices?.[0]?.delta?.content),
        TIMEOUT_MS,
      );
      const done = await sub.waitFor((e: { data?: unknown }) => e.data === "[DONE]", TIMEOUT_MS);
      const call = modelCall(text, start);
      return {
        model: (call?.receivedAt ?? Number.NaN) - start,
        first: first.at - startPerf,
        modelDone: (call?.completedAt ?? Number.NaN) - start,
        finishing: Number.NaN,
        runEnd: Number.NaN,
        done: done.at - startPerf,
      };
    } finally {
      sub.close();
    }
  }

  const paths = { "chat.send": chatSendTurn, agent: agentTurn, http: httpTurn };
  for (let i = 0; i < WARMUP; i++) for (const run of Object.values(paths)) await run(`warm-up ${i}: hello`);
  if (args.dump) {
    const since = Date.now();
    await agentTurn("dump: hello");
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // the run's late frames
    console.log("Frames an operator gets during one `agent` run (ms from the request):");
    for (const { at, frame } of frames.filter((f) => f.at >= since))
      console.log(
        `${String(at - since).padStart(5)} ${frame.event} ${JSON.stringify(frame.payload).slice(0, 200)}`,
      );
  }
  const results: Record<string, Turn[]> = { "chat.send": [], agent: [], http: [] };
  for (let i = 0; i < TURNS; i++)
    for (const [name, run] of Object.entries(paths)) results[name]?.push(await run(`turn ${i}: hello`));

  const loadEnd = loadavg();
  const cols: [string, keyof Turn][] = [
    ["model arrives", "model"],
    ["first text", "first"],
    ["model done", "modelDone"],
    ["finishing", "finishing"],
    ["lifecycle end", "runEnd"],
    ["path's end", "done"],
  ];
  const cell = (v: number) => (Number.isFinite(v) ? `${Math.round(v)}` : "—").padStart(14);
  console.log(
    `\nGateway paths: ${TURNS} turns per path, alternating, after ${WARMUP} warm-up turns each; ` +
      `load ${loadStart.map((l) => l.toFixed(2)).join(" ")} → ${loadEnd.map((l) => l.toFixed(2)).join(" ")} (2 cores)`,
  );
  console.log(`${"p50 ms from request".padEnd(20)}${cols.map(([label]) => label.padStart(14)).join("")}`);
  for (const [name, turns] of Object.entries(results))
    console.log(`${name.padEnd(20)}${cols.map(([, key]) => cell(p50(turns.map((t) => t[key])))).join("")}`);
} catch (error) {
  console.error(`benchmark failed: ${(error as Error)?.stack ?? error}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
