#!/usr/bin/env node
/**
 * Warm-turn tax benchmark: what Clawplane adds to a turn over the same OpenClaw gateway driven
 * directly, side by side in one run, and where the difference goes.
 *
 *   Clawplane: SDK → Worker (`wrangler dev`) → SessionDO → gateway WebSocket (chat.send) →
 *              OpenClaw → Worker LLM proxy → model server; events back over the session stream
 *   Direct:    HTTP `POST /v1/chat/completions` (stream) → the same gateway build and config →
 *              model server
 *
 * Turns alternate between the two paths (drift and the load of other processes hit both
 * alike). Per path, p50 over --turns warm turns (after --warmup): model request arrives at the
 * model server, first token, done (Clawplane: `session.status_idle`; direct: `[DONE]`), and
 * the ratios. Then the Clawplane turn split into phases from the Worker's own log lines
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
 *   node bench/turn-tax.mjs [--turns 30] [--warmup 3] [--auth admin|api-key]
 *                                                         (npm run bench:turn-tax)
 *
 * Each figure is a p50 with its spread (p25–p75) over the turns; "extra" is the p50 of the
 * per-turn difference (Clawplane turn i − direct turn i, the two sent one after the other), which
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
import { openChatCompletionStream, SseSubscriber } from "./lib/sse.mjs";
import { ADMIN_KEY, cleanup, PROVIDER_KEY, startDirectGateway, startPlatform } from "./lib/stack.mjs";
import { ms, percentile, row, summary } from "./lib/stats.mjs";

const { values: args } = parseArgs({
  options: {
    turns: { type: "string", default: "30" },
    warmup: { type: "string", default: "3" },
    auth: { type: "string", default: "admin" },
  },
});
const TURNS = Number(args.turns);
const WARMUP = Number(args.warmup);
const COLD_TIMEOUT_MS = 300_000;
const WARM_TIMEOUT_MS = 60_000;
const DIRECT_GATEWAY_TOKEN = "bench-direct-gateway-token";
const DIRECT_SESSION_TOKEN = "bench-direct-session";
const DIRECT_USER = "bench-direct";
if (args.auth !== "admin" && args.auth !== "api-key") throw new Error("--auth is admin or api-key");
// The credential the Clawplane turns are sent with (set once the platform runs).
let authHeaders = { authorization: `Bearer ${ADMIN_KEY}` };
const log = (line) => console.error(`[bench] ${line}`);
const epochOf = (perf) => performance.timeOrigin + perf;

let ctx; // { model, worker, client, sessionId, direct }

/**
 * Round trips that split "send → accepted": `GET /healthz` (wrangler dev's front and the Worker,
 * no auth, limiter or session object) and `GET /v1/sessions/{id}` (the same plus authentication,
 * the rate limiter and one RPC to the session object), each measured just before a turn.
 */
async function probeRoundTrips() {
  const time = async (path, headers) => {
    const start = performance.now();
    const res = await fetch(`${ctx.worker.origin}${path}`, { headers });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
    return performance.now() - start;
  };
  return {
    healthMs: await time("/healthz", {}),
    describeMs: await time(`/v1/sessions/${ctx.sessionId}`, authHeaders),
  };
}

async function clawplaneTurn(text, timeoutMs = WARM_TIMEOUT_MS) {
  const url = `${ctx.worker.origin}/v1/sessions/${ctx.sessionId}/events/stream?event_deltas%5B%5D=agent.message`;
  const sub = await SseSubscriber.open(url, { headers: authHeaders });
  try {
    const start = performance.now();
    const sent = await ctx.client.beta.sessions.events.send(ctx.sessionId, {
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

function report(clawplane, direct, load) {
  const out = [];
  const cell = (v) => ms(v);
  const ratio = (a, b) => `${(a / b).toFixed(2)}×`.padStart(9);
  out.push(
    "",
    `Warm turn tax: ${TURNS} turns per path, alternating, after ${WARMUP} warm-up turns each; ` +
      `Clawplane authenticated with ${args.auth === "api-key" ? "an API key" : "the admin key"}`,
    `load average at start ${load.start.map((l) => l.toFixed(2)).join(" ")}, ` +
      `at end ${load.end.map((l) => l.toFixed(2)).join(" ")} (2 cores; shared machine)`,
    "",
    row("p50 ms from send (p25–p75)", [
      "direct".padStart(9),
      "".padStart(12),
      "clawplane".padStart(9),
      "".padStart(12),
      "ratio".padStart(9),
      "extra/turn".padStart(11),
      "".padStart(12),
    ]),
  );
  for (const [label, key] of [
    ["model request arrives", "modelMs"],
    ["first token", "firstMs"],
    ["done (idle / [DONE])", "doneMs"],
  ]) {
    const dv = direct.map((t) => t[key]);
    const cv = clawplane.map((t) => t[key]);
    const paired = clawplane.map((t, i) => t[key] - (direct[i]?.[key] ?? Number.NaN));
    const d = p50(dv);
    const c = p50(cv);
    out.push(
      row(label, [
        cell(d),
        spread(dv),
        cell(c),
        spread(cv),
        ratio(c, d),
        ms(p50(paired), 11),
        spread(paired),
      ]),
    );
  }
  const directModel = p50(direct.map((t) => t.modelMs));
  const directFirstAfterModel = p50(direct.map((t) => t.firstMs - t.modelMs));
  const directDoneAfterFirst = p50(direct.map((t) => t.doneMs - t.firstMs));
  out.push(
    "",
    "Clawplane turn by phase (p50 and p25–p75 of each phase's duration, ms; direct's p50 where one exists)",
  );
  out.push(row("phase", ["clawplane".padStart(9), "".padStart(12), "direct".padStart(9)]));
  const phase = (label, from, to, directValue = Number.NaN) => {
    const values = clawplane.map((t) => t.phases[to] - (from ? t.phases[from] : 0));
    out.push(row(label, [cell(p50(values)), spread(values), cell(directValue)]));
  };
  const derived = (label, values, directValue) =>
    out.push(row(label, [cell(p50(values)), spread(values), cell(directValue)]));
  derived(
    "  POST /events answered (client)",
    clawplane.map((t) => t.acceptedMs),
    Number.NaN,
  );
  phase("  send → accepted (Worker route)", null, "accepted");
  derived(
    "    round trip GET /healthz",
    clawplane.map((t) => t.healthMs),
    Number.NaN,
  );
  derived(
    "    round trip GET /v1/sessions/{id}",
    clawplane.map((t) => t.describeMs),
    Number.NaN,
  );
  phase("  accepted → picked up (queue)", "accepted", "picked");
  phase("  picked up → chat.send", "picked", "sent");
  phase("  chat.send → proxy received", "sent", "proxyIn");
  phase("  proxy received → forwarded", "proxyIn", "forwarded");
  phase("  forwarded → model arrives", "forwarded", "model");
  derived(
    "  = send → model arrives",
    clawplane.map((t) => t.modelMs),
    directModel,
  );
  derived(
    "  model arrives → first token",
    clawplane.map((t) => t.firstMs - t.modelMs),
    directFirstAfterModel,
  );
  derived(
    "  first token → done",
    clawplane.map((t) => t.doneMs - t.firstMs),
    directDoneAfterFirst,
  );
  phase("    model done → run ended (DO)", "modelDone", "ended");
  phase("    run ended → saved (afterTurn)", "ended", "saved");
  phase("    saved → idle emitted", "saved", "idleEmitted");
  phase("    idle emitted → idle at client", "idleEmitted", "idleSeen");
  const failed = [...clawplane, ...direct].filter((t) => !t.ok).length;
  out.push("", `turns without the expected reply: ${failed}`);
  console.log(out.join("\n"));
  if (failed) process.exitCode = 1;
}

try {
  const loadStart = loadavg();
  log("starting model server, supervisor and wrangler dev…");
  // LOG_LEVEL=info: the session object's "turn timing" and the proxy's "llm call" lines.
  const platform = await startPlatform({ LOG_LEVEL: "info" });
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
  const client = new Anthropic({ apiKey, baseURL: platform.worker.origin, maxRetries: 0 });
  const agent = await client.beta.agents.create({
    name: "Turn tax",
    model: "claude-sonnet-4-6",
    system: "Be brief.",
  });
  const environment = await client.beta.environments.create({ name: `turn-tax-${Date.now()}` });
  const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
  ctx = { ...platform, client, sessionId: session.id };
  // One gateway boot at a time: two at once on a loaded 2-core machine can take minutes each.
  log("booting the session's gateway…");
  await clawplaneTurn("boot: hello clawplane", COLD_TIMEOUT_MS);
  log("booting the direct gateway…");
  ctx.direct = await startDirectGateway(platform.model.url, {
    token: DIRECT_GATEWAY_TOKEN,
    sessionToken: DIRECT_SESSION_TOKEN,
    readyTimeoutMs: COLD_TIMEOUT_MS,
  });
  for (let i = 0; i < WARMUP; i++) {
    await clawplaneTurn(`warm-up ${i}: hello clawplane`, COLD_TIMEOUT_MS);
    await directTurn(`warm-up ${i}: hello clawplane`, COLD_TIMEOUT_MS);
  }
  const clawplane = [];
  const directTurns = [];
  for (let i = 0; i < TURNS; i++) {
    const probes = await probeRoundTrips();
    clawplane.push({ ...(await clawplaneTurn(`turn ${i}: hello clawplane`)), ...probes });
    directTurns.push(await directTurn(`turn ${i}: hello clawplane`));
  }
  for (const t of clawplane) modelCall(t, `Bearer ${PROVIDER_KEY}`);
  for (const t of directTurns) modelCall(t, `Bearer ${DIRECT_SESSION_TOKEN}`);
  attachPhases(clawplane);
  report(clawplane, directTurns, { start: loadStart, end: loadavg() });
} catch (error) {
  console.error(`benchmark failed: ${error?.stack ?? error}`);
  if (ctx?.worker) console.error(`--- wrangler dev log tail ---\n${ctx.worker.logs().slice(-3000)}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
