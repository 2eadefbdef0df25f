/**
 * Warm-turn tax benchmark: what Clawplane adds to a turn over the same OpenClaw gateway driven
 * directly, side by side in one run, and where the difference goes.
 *
 *   Clawplane: SDK → Worker → SessionDO → gateway WebSocket (chat.send) → OpenClaw → Worker
 *              LLM proxy → model server; events back over the session stream. Two sessions,
 *              each with its own warm gateway, one per way into the local Worker:
 *                workerd   the Worker's own workerd socket, as production's edge hands a request
 *                          to the Worker (the session's runtime calls the LLM proxy there too)
 *                wrangler  `wrangler dev`'s port: its ProxyWorker, a second workerd process
 *                          that forwards every request and stream (a local-only hop each way)
 *   Direct:    one gateway of the same build and config run by the bench, driven two ways:
 *                ws    OpenClaw's own operator WebSocket (`chat.send`, the protocol Clawplane
 *                      speaks and OpenClaw's own clients use); done at `lifecycle finishing`, the
 *                      settled reply Clawplane's idle also waits for
 *                http  `POST /v1/chat/completions` (stream), OpenClaw's OpenAI-compatible
 *                      endpoint, a different path inside the gateway; done at `[DONE]`
 *              Clawplane minus direct ws is what Clawplane adds; direct ws minus direct http
 *              is OpenClaw's own `chat.send` path against its HTTP one.
 *
 * Turns rotate between the paths (drift and the load of other processes hit all alike; the
 * rotation moves each path through every position). Per path, p50 over --turns warm turns
 * (after --warmup): model request arrives at the model server, first token, done (Clawplane:
 * `session.status_idle`; direct ws: `lifecycle finishing`; direct http: `[DONE]`), and the
 * ratios. The Clawplane agent carries the built-in toolset, so its model requests hold
 * OpenClaw's tools as the direct gateway's (OpenClaw's defaults) do. Then the Clawplane turn split into phases from the Worker's own log lines
 * ("turn timing" from the session object, "llm call" from the LLM proxy; LOG_LEVEL=info) and
 * the model server's clock, all on this machine's clock:
 *
 *   send → accepted                  client → Worker (auth, rate limiter, route) → SessionDO accept
 *   accepted → picked up             the session object's queue and pump
 *   picked up → chat.send            turn start (status event, connect, packages)
 *   chat.send → proxy received       gateway (WS frame in, agent run, model call out)
 *   proxy received → forwarded       LLM proxy (authorize with the session, read the body)
 *   forwarded → model arrives        the hop to the provider
 *   model done → run ended           gateway's end of run back to the session object
 *   run ended → idle emitted         after the turn (workspace save) and the idle events
 *   idle emitted → idle at client    session stream delivery
 *
 *   tsx bench/turn-tax.mjs [--turns 30] [--warmup 3] [--auth admin|api-key]
 *                          [--ways workerd,wrangler] [--log-level info|warn]
 *                                                                (npm run bench:turn-tax)
 *
 * tsx, not node: the direct ws path speaks OpenClaw's protocol with the session object's own
 * TypeScript client (src/runtime/openclaw/gateway-client.ts). `--ways workerd` alone saves a
 * gateway; finding the workerd socket needs Linux's /proc.
 *
 * Each figure is a p50 with its spread (p25–p75) over the turns; "extra" is the p50 of the
 * per-turn difference (Clawplane turn i − direct turn i, sent within the same rotation), which
 * cancels most of the drift a shared machine adds to both. `--auth api-key` drives the Clawplane
 * path with an API key (what production clients send) instead of the admin key, so
 * authentication reads the key from D1 (or its isolate cache) as it does for them.
 *
 * The load average is printed with the figures: the machine is shared, compare ratios from one
 * run, not absolute figures across runs. Every process is stopped at the end and on signals.
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import Anthropic from "@anthropic-ai/sdk";
import { connectWithPairing } from "../src/runtime/openclaw/admin-rpc";
import { DeviceIdentity } from "../src/runtime/openclaw/device-identity";
import { GatewayClient } from "../src/runtime/openclaw/gateway-client";
import { openSocket } from "../test/runtime/support";
import { openChatCompletionStream, SseSubscriber } from "./lib/sse.mjs";
import {
  ADMIN_KEY,
  cleanup,
  PROVIDER_KEY,
  startDirectGateway,
  startPlatform,
  workerdSocketOrigin,
} from "./lib/stack.mjs";
import { ms, percentile, row, summary } from "./lib/stats.mjs";

const { values: args } = parseArgs({
  options: {
    turns: { type: "string", default: "30" },
    warmup: { type: "string", default: "3" },
    auth: { type: "string", default: "admin" },
    ways: { type: "string", default: "workerd,wrangler" },
    "log-level": { type: "string", default: "info" },
  },
});
const TURNS = Number(args.turns);
const WARMUP = Number(args.warmup);
const COLD_TIMEOUT_MS = 300_000;
const WARM_TIMEOUT_MS = 60_000;
const DIRECT_GATEWAY_TOKEN = "bench-direct-gateway-token";
const DIRECT_SESSION_TOKEN = "bench-direct-session";
const DIRECT_USER = "bench-direct";
/** The direct ws path's OpenClaw session (the http path's is derived from DIRECT_USER). */
const DIRECT_WS_SESSION_KEY = "agent:main:bench-direct-ws";
if (args.auth !== "admin" && args.auth !== "api-key") throw new Error("--auth is admin or api-key");
const WAYS = args.ways.split(",").filter(Boolean);
if (!WAYS.length || WAYS.some((w) => w !== "workerd" && w !== "wrangler")) {
  throw new Error("--ways is a comma-separated list of workerd and wrangler");
}
// The credential the Clawplane turns are sent with (set once the platform runs).
let authHeaders = { authorization: `Bearer ${ADMIN_KEY}` };
const log = (line) => console.error(`[bench] ${line}`);
const epochOf = (perf) => performance.timeOrigin + perf;

let ctx; // { model, worker, ways: { [way]: { origin, client, sessionId } }, direct }

/**
 * Round trips that split "send → accepted": `GET /healthz` (wrangler dev's front and the Worker,
 * no auth, limiter or session object) and `GET /v1/sessions/{id}` (the same plus authentication,
 * the rate limiter and one RPC to the session object), each measured just before a turn.
 */
async function probeRoundTrips(way) {
  const time = async (path, headers) => {
    const start = performance.now();
    const res = await fetch(`${way.origin}${path}`, { headers });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
    return performance.now() - start;
  };
  return {
    healthMs: await time("/healthz", {}),
    describeMs: await time(`/v1/sessions/${way.sessionId}`, authHeaders),
  };
}

async function clawplaneTurn(way, text, timeoutMs = WARM_TIMEOUT_MS) {
  const url = `${way.origin}/v1/sessions/${way.sessionId}/events/stream?event_deltas%5B%5D=agent.message`;
  const sub = await SseSubscriber.open(url, { headers: authHeaders });
  try {
    const start = performance.now();
    const sent = await way.client.beta.sessions.events.send(way.sessionId, {
      events: [{ type: "user.message", content: [{ type: "text", text }] }],
    });
    const acceptedAt = performance.now();
    const first = await sub.waitFor((e) => e.type === "event_delta" || e.type === "agent.message", timeoutMs);
    const idle = await sub.waitFor((e) => e.type === "session.status_idle", timeoutMs);
    const reply = sub.events.findLast((e) => e.type === "agent.message");
    const replyText = reply?.data?.content?.map((b) => b.text ?? "").join("") ?? "";
    return {
      text,
      eventId: sent.data[0]?.id,
      start: epochOf(start),
      acceptedMs: acceptedAt - start,
      firstMs: first.at - start,
      doneMs: idle.at - start,
      idleAt: epochOf(idle.at),
      ok: idle.data?.stop_reason?.type === "end_turn" && replyText.startsWith("echo:"),
    };
  } finally {
    sub.close();
  }
}

async function directTurn(text, timeoutMs = WARM_TIMEOUT_MS) {
  const start = performance.now();
  const sub = await openChatCompletionStream(ctx.direct.origin, DIRECT_GATEWAY_TOKEN, DIRECT_USER, text);
  try {
    const first = await sub.waitFor((e) => Boolean(e.data?.choices?.[0]?.delta?.content), timeoutMs);
    const done = await sub.waitFor((e) => e.data === "[DONE]", timeoutMs);
    const reply = sub.events.map((e) => e.data?.choices?.[0]?.delta?.content ?? "").join("");
    return {
      text,
      start: epochOf(start),
      firstMs: first.at - start,
      doneMs: done.at - start,
      ok: reply.startsWith("echo:"),
    };
  } finally {
    sub.close();
  }
}

/**
 * The bench's own operator connection to the direct gateway: every frame stamped on arrival, and
 * `waitFor` resolving on the first frame (past or future) that matches.
 */
async function connectDirectWs(gateway) {
  const frames = [];
  const waiters = new Set();
  const client = new GatewayClient({
    connect: () => openSocket(`ws://127.0.0.1:${gateway.port}/`),
    token: DIRECT_GATEWAY_TOKEN,
    identity: await DeviceIdentity.generate(),
  });
  client.on("*", (_payload, frame) => {
    const entry = { at: performance.now(), frame };
    frames.push(entry);
    for (const w of waiters) {
      if (entry.at >= w.since && w.pred(frame)) {
        waiters.delete(w);
        w.resolve(entry.at);
      }
    }
  });
  await connectWithPairing(client, { fetch, origin: gateway.origin, token: DIRECT_GATEWAY_TOKEN });
  const waitFor = (pred, since, timeoutMs) => {
    const hit = frames.find((f) => f.at >= since && pred(f.frame));
    if (hit) return Promise.resolve(hit.at);
    return new Promise((resolve, reject) => {
      // The deadline is cleared once the frame came: a pending one would hold the process open
      // for up to a minute after the report.
      const timer = setTimeout(() => {
        if (waiters.delete(w)) reject(new Error("timed out waiting for a gateway frame"));
      }, timeoutMs);
      const w = {
        pred,
        since,
        resolve: (at) => {
          clearTimeout(timer);
          resolve(at);
        },
      };
      waiters.add(w);
    });
  };
  return { client, frames, waitFor };
}

let directWsRuns = 0;
async function directWsTurn(text, timeoutMs = WARM_TIMEOUT_MS) {
  const { client, waitFor } = ctx.directWs;
  const runId = `bench-direct-ws-${++directWsRuns}`;
  const ofRun = (pred) => (f) => f.event === "agent" && f.payload?.runId === runId && pred(f.payload);
  const start = performance.now();
  await client.chatSend({ sessionKey: DIRECT_WS_SESSION_KEY, message: text, idempotencyKey: runId });
  const first = await waitFor(
    ofRun((p) => p.stream === "assistant"),
    start,
    timeoutMs,
  );
  const done = await waitFor(
    ofRun((p) => p.stream === "lifecycle" && p.data?.phase === "finishing"),
    start,
    timeoutMs,
  );
  const reply = ctx.directWs.frames
    .filter((f) => f.frame.event === "agent" && f.frame.payload?.runId === runId)
    .findLast((f) => f.frame.payload?.stream === "assistant");
  return {
    text,
    start: epochOf(start),
    firstMs: first - start,
    doneMs: done - start,
    ok: String(reply?.frame.payload?.data?.text ?? "").startsWith("echo:"),
  };
}

/** The model server's record of a turn's (first) model call: arrival and completion, epoch ms. */
function modelCall(turn, authorization) {
  const request = ctx.model.requests.find(
    (r) =>
      r.authorization === authorization &&
      r.receivedAt >= Math.floor(turn.start) &&
      JSON.stringify(r.body?.messages ?? "").includes(turn.text),
  );
  turn.modelMs = request ? request.receivedAt - turn.start : Number.NaN;
  turn.modelDoneAt = request?.completedAt ?? Number.NaN;
}

/** The Worker's structured log lines with `msg` (JSON objects, one a line, among wrangler's output). */
function workerLogLines(msg) {
  const lines = [];
  for (const line of ctx.worker.logs().split("\n")) {
    const at = line.indexOf('{"level"');
    if (at === -1 || !line.includes(`"msg":"${msg}"`)) continue;
    try {
      lines.push(JSON.parse(line.slice(at)));
    } catch {
      // a line cut by wrangler's output buffering: skipped
    }
  }
  return lines;
}

/** Attaches the session object's and the LLM proxy's timings to each Clawplane turn. */
function attachPhases(turns) {
  const timings = new Map(workerLogLines("turn timing").map((t) => [t.event_id, t]));
  const calls = workerLogLines("llm call").map((c) => {
    const settledAt = Date.parse(c.time);
    const receivedAt = settledAt - c.duration_ms;
    return { receivedAt, forwardedAt: receivedAt + (c.authorize_ms ?? Number.NaN) };
  });
  for (const turn of turns) {
    const t = timings.get(turn.eventId);
    const call = t && calls.find((c) => c.receivedAt >= t.sent_at);
    const rel = (epoch) => (epoch ?? Number.NaN) - turn.start;
    turn.phases = {
      accepted: rel(t?.accepted_at),
      picked: rel(t?.picked_at),
      sent: rel(t?.sent_at),
      proxyIn: rel(call?.receivedAt),
      forwarded: rel(call?.forwardedAt),
      model: turn.modelMs,
      modelDone: rel(turn.modelDoneAt),
      ended: rel(t?.ended_at),
      saved: rel(t?.saved_at),
      idleEmitted: rel(t?.idle_at),
      idleSeen: turn.doneMs,
    };
  }
}

function p50(values) {
  return summary(values.filter(Number.isFinite)).p50;
}

/** "p25–p75" of the finite values: the spread printed beside each p50. */
function spread(values) {
  const s = values.filter(Number.isFinite).sort((a, b) => a - b);
  const fmt = (v) => (Number.isFinite(v) ? v.toFixed(0) : "—");
  return `${fmt(percentile(s, 25))}–${fmt(percentile(s, 75))}`.padStart(12);
}

/** What each way into the Worker is called in the report. */
const WAY_LABELS = {
  workerd: "Clawplane through the Worker's own workerd socket (production's shape)",
  wrangler: "Clawplane through `wrangler dev`'s port (its ProxyWorker: one more local hop each way)",
};

function report(turnsByWay, directs, load) {
  const out = [];
  const cell = (v) => ms(v);
  const ratio = (a, b) => `${(a / b).toFixed(2)}×`.padStart(8);
  out.push(
    "",
    `Warm turn tax: ${TURNS} turns per path, rotating, after ${WARMUP} warm-up turns each; ` +
      `Clawplane authenticated with ${args.auth === "api-key" ? "an API key" : "the admin key"}`,
    `load average at start ${load.start.map((l) => l.toFixed(2)).join(" ")}, ` +
      `at end ${load.end.map((l) => l.toFixed(2)).join(" ")} (2 cores; shared machine)`,
  );
  out.push(
    "",
    "Direct: the bench drives a gateway of the same build and config itself, over OpenClaw's operator",
    "WebSocket (ws: chat.send, done at `lifecycle finishing`) and its OpenAI-compatible HTTP endpoint",
    "(http: done at [DONE]). Ratios and the paired extra per turn are Clawplane over each.",
  );
  for (const way of WAYS) {
    const clawplane = turnsByWay[way];
    out.push(
      "",
      `${WAY_LABELS[way]}:`,
      row("p50 ms from send", [
        "direct ws".padStart(10),
        "direct http".padStart(12),
        "clawplane".padStart(10),
        "".padStart(12),
        "/ ws".padStart(8),
        "/ http".padStart(8),
        "extra vs ws".padStart(12),
        "".padStart(12),
        "vs http".padStart(9),
      ]),
    );
    for (const [label, key] of [
      ["model request arrives", "modelMs"],
      ["first token", "firstMs"],
      ["done (idle / finishing / [DONE])", "doneMs"],
    ]) {
      const cv = clawplane.map((t) => t[key]);
      const paired = (base) => clawplane.map((t, i) => t[key] - (base[i]?.[key] ?? Number.NaN));
      const ws = p50(directs.ws.map((t) => t[key]));
      const http = p50(directs.http.map((t) => t[key]));
      const c = p50(cv);
      out.push(
        row(label, [
          ms(ws, 10),
          ms(http, 12),
          ms(c, 10),
          spread(cv),
          ratio(c, ws),
          ratio(c, http),
          ms(p50(paired(directs.ws)), 12),
          spread(paired(directs.ws)),
          ms(p50(paired(directs.http)), 9),
        ]),
      );
    }
  }
  // Direct paths' p50 of the same span, where one exists (ws first, then http).
  const both = (f) => [p50(directs.ws.map(f)), p50(directs.http.map(f))];
  const modelDoneMs = (t) => (t.phases ? t.phases.modelDone : t.modelDoneAt - t.start);
  out.push(
    "",
    "Clawplane turn by phase (p50 and p25–p75 of each phase's duration, ms; the direct paths' p50 where one exists)",
  );
  out.push(
    row("phase", [
      ...WAYS.flatMap((w) => [w.padStart(9), "".padStart(12)]),
      "direct ws".padStart(10),
      "direct http".padStart(12),
    ]),
  );
  const line = (label, valuesOf, [ws, http] = [Number.NaN, Number.NaN]) => {
    const cells = WAYS.flatMap((w) => {
      const values = turnsByWay[w].map(valuesOf);
      return [cell(p50(values)), spread(values)];
    });
    out.push(row(label, [...cells, ms(ws, 10), ms(http, 12)]));
  };
  const phase = (label, from, to) => line(label, (t) => t.phases[to] - (from ? t.phases[from] : 0));
  line("  POST /events answered (client)", (t) => t.acceptedMs);
  phase("  send → accepted (Worker route)", null, "accepted");
  line("    round trip GET /healthz", (t) => t.healthMs);
  line("    round trip GET /v1/sessions/{id}", (t) => t.describeMs);
  phase("  accepted → picked up (queue)", "accepted", "picked");
  phase("  picked up → chat.send", "picked", "sent");
  phase("  chat.send → proxy received", "sent", "proxyIn");
  phase("  proxy received → forwarded", "proxyIn", "forwarded");
  phase("  forwarded → model arrives", "forwarded", "model");
  const toModel = (t) => t.modelMs;
  line("  = send → model arrives", toModel, both(toModel));
  const toFirst = (t) => t.firstMs - t.modelMs;
  line("  model arrives → first token", toFirst, both(toFirst));
  const toDone = (t) => t.doneMs - t.firstMs;
  line("  first token → done", toDone, both(toDone));
  const afterModel = (t) => t.doneMs - modelDoneMs(t);
  line("  model's last byte → done", afterModel, both(afterModel));
  phase("    model done → run ended (DO)", "modelDone", "ended");
  phase("    run ended → saved (afterTurn)", "ended", "saved");
  phase("    saved → idle emitted", "saved", "idleEmitted");
  phase("    idle emitted → idle at client", "idleEmitted", "idleSeen");
  const failed = [...Object.values(turnsByWay).flat(), ...directs.ws, ...directs.http].filter(
    (t) => !t.ok,
  ).length;
  out.push("", `turns without the expected reply: ${failed}`);
  console.log(out.join("\n"));
  if (failed) process.exitCode = 1;
}

try {
  const loadStart = loadavg();
  log("starting model server, supervisor and wrangler dev…");
  // LOG_LEVEL=info: the session object's "turn timing" and the proxy's "llm call" lines (the
  // phase table). Each line costs the Worker's thread ≈ 1 ms under wrangler dev (`--log-level
  // warn` leaves them out: ratios without that cost, no phases).
  const platform = await startPlatform({ LOG_LEVEL: args["log-level"] });
  let apiKey = ADMIN_KEY;
  if (args.auth === "api-key") {
    const created = await fetch(`${platform.worker.origin}/v1/api_keys`, {
      method: "POST",
      headers: { ...authHeaders, "content-type": "application/json" },
      body: JSON.stringify({ name: "turn-tax", scopes: ["read", "write"] }),
    });
    if (!created.ok) throw new Error(`creating the API key: ${created.status} ${await created.text()}`);
    apiKey = (await created.json()).key;
    authHeaders = { authorization: `Bearer ${apiKey}` };
  }
  const origins = { wrangler: platform.worker.origin };
  if (WAYS.includes("workerd")) {
    origins.workerd = await workerdSocketOrigin(platform.worker);
    if (!origins.workerd) throw new Error("the Worker's workerd socket was not found (Linux /proc needed)");
  }
  const setup = new Anthropic({ apiKey, baseURL: platform.worker.origin, maxRetries: 0 });
  // The built-in toolset, as most agents carry: the model request then holds OpenClaw's tools, as
  // the direct gateway's (OpenClaw's defaults) does.
  const agent = await setup.beta.agents.create({
    name: "Turn tax",
    model: "claude-sonnet-4-6",
    system: "Be brief.",
    tools: [{ type: "agent_toolset_20260401" }],
  });
  const environment = await setup.beta.environments.create({ name: `turn-tax-${Date.now()}` });
  ctx = { ...platform, ways: {} };
  // One session per way, created through that way (its runtime calls the LLM proxy there), and
  // one gateway boot at a time: two at once on a loaded 2-core machine can take minutes each.
  for (const way of WAYS) {
    const client = new Anthropic({ apiKey, baseURL: origins[way], maxRetries: 0 });
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    ctx.ways[way] = { origin: origins[way], client, sessionId: session.id };
    log(`booting the ${way} session's gateway…`);
    await clawplaneTurn(ctx.ways[way], `boot: hello ${way}`, COLD_TIMEOUT_MS);
  }
  log("booting the direct gateway…");
  ctx.direct = await startDirectGateway(platform.model.url, {
    token: DIRECT_GATEWAY_TOKEN,
    sessionToken: DIRECT_SESSION_TOKEN,
    readyTimeoutMs: COLD_TIMEOUT_MS,
  });
  // Turn i runs the paths in an order rotated by i, so no path always follows another.
  ctx.directWs = await connectDirectWs(ctx.direct);
  const paths = [...WAYS, "direct-ws", "direct-http"];
  const runPath = async (path, text, timeoutMs) =>
    path === "direct-http"
      ? directTurn(text, timeoutMs)
      : path === "direct-ws"
        ? directWsTurn(text, timeoutMs)
        : {
            ...(await probeRoundTrips(ctx.ways[path])),
            ...(await clawplaneTurn(ctx.ways[path], text, timeoutMs)),
          };
  for (let i = 0; i < WARMUP; i++) {
    for (const path of paths) await runPath(path, `warm-up ${i}: hello ${path}`, COLD_TIMEOUT_MS);
  }
  const turns = Object.fromEntries(paths.map((p) => [p, []]));
  for (let i = 0; i < TURNS; i++) {
    for (let k = 0; k < paths.length; k++) {
      const path = paths[(i + k) % paths.length];
      turns[path].push(await runPath(path, `turn ${i}: hello ${path}`));
    }
  }
  for (const way of WAYS) for (const t of turns[way]) modelCall(t, `Bearer ${PROVIDER_KEY}`);
  for (const t of [...turns["direct-ws"], ...turns["direct-http"]])
    modelCall(t, `Bearer ${DIRECT_SESSION_TOKEN}`);
  for (const way of WAYS) attachPhases(turns[way]);
  const { "direct-ws": ws, "direct-http": http, ...turnsByWay } = turns;
  ctx.directWs.client.close();
  report(turnsByWay, { ws, http }, { start: loadStart, end: loadavg() });
} catch (error) {
  console.error(`benchmark failed: ${error?.stack ?? error}`);
  if (ctx?.worker) console.error(`--- wrangler dev log tail ---\n${ctx.worker.logs().slice(-3000)}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
