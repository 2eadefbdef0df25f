#!/usr/bin/env node
/**
 * Sessions benchmark: the full Clawplane session path with real parts, on this machine.
 *
 *   SDK (@anthropic-ai/sdk) → Worker (`wrangler dev`: workerd, local D1) → SessionDO → local
 *   runtime supervisor → OpenClaw gateway (one process per session) → Worker LLM proxy →
 *   deterministic model server (test/support/model-server.mjs)
 *
 * All traffic stays on 127.0.0.1. Measured, in one run:
 *   1. Cold start: `sessions.create` → first token and → `session.status_idle`, for
 *      --cold fresh sessions run one after another (each boots its own gateway).
 *   2. Warm turn: `events.send` → first token and → idle on a warm session, --turns turns.
 *   3. Overhead: the same turns sent, interleaved, to a gateway run directly (no supervisor,
 *      no Worker) over OpenClaw's own `POST /v1/chat/completions` (stream: true, a fixed
 *      `user` so it keeps one conversation), talking to the same model server without proxy.
 *   4. SSE fan-out: N subscribers on one session's stream, one turn: per event, the delay from
 *      the first to the last subscriber receiving it; and the time until all N saw idle.
 * "First token" is the first `event_delta` preview of agent.message (stream opened with
 * `event_deltas[]=agent.message`), else the `agent.message` event; on the direct path the first
 * chunk with non-empty `delta.content`. Streams are opened before the clock starts, except in
 * cold start, where the clock starts before `sessions.create`.
 *
 *   node bench/sessions.mjs [--cold 3] [--turns 20] [--warmup 3] [--fanout 1,10,50,100]
 *                           [--logs DIR]   (keep wrangler and gateway logs)
 *
 * At most two gateways run at once (~1 GB each). Every process is stopped at the end, on
 * failure and on SIGINT/SIGTERM. Timings come from `wrangler dev` on this machine, not the edge.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import Anthropic from "@anthropic-ai/sdk";
import { printReport } from "./lib/report.mjs";
import { openChatCompletionStream, SseSubscriber } from "./lib/sse.mjs";
import {
  ADMIN_KEY,
  cleanup,
  groupRssMiB,
  PROVIDER_KEY,
  startDirectGateway,
  startPlatform,
} from "./lib/stack.mjs";
import { ms, summary } from "./lib/stats.mjs";

const { values: args } = parseArgs({
  options: {
    cold: { type: "string", default: "3" },
    turns: { type: "string", default: "20" },
    warmup: { type: "string", default: "3" },
    fanout: { type: "string", default: "1,10,50,100" },
    logs: { type: "string" }, // directory to keep wrangler and gateway logs in
  },
});
const COLD_SESSIONS = Number(args.cold);
const WARM_TURNS = Number(args.turns);
const WARMUP_TURNS = Number(args.warmup);
const FANOUT_SIZES = args.fanout.split(",").map(Number);
/** A cold turn includes a gateway boot (12–25 s on 2 vCPU); a warm one is ~1 s. */
const COLD_TURN_TIMEOUT_MS = 240_000;
const WARM_TURN_TIMEOUT_MS = 60_000;
const DIRECT_GATEWAY_TOKEN = "bench-direct-gateway-token";
const DIRECT_SESSION_TOKEN = "bench-direct-session"; // what the direct gateway sends the model
const DIRECT_USER = "bench-direct"; // stable OpenClaw session key for the direct conversation

const authHeaders = { authorization: `Bearer ${ADMIN_KEY}` };
const isFirstToken = (ev) => ev.type === "event_delta" || ev.type === "agent.message";
const isIdle = (ev) => ev.type === "session.status_idle";
const log = (line) => console.error(`[bench] ${line}`);

let ctx; // { model, supervisor, worker, client, agentId, environmentId, direct }

function streamUrl(sessionId) {
  return `${ctx.worker.origin}/v1/sessions/${sessionId}/events/stream?event_deltas%5B%5D=agent.message`;
}

/** Reads a finished turn's outcome from a subscriber: ok when it ended with an echo reply. */
function outcome(sub, idle) {
  const reply = sub.events.findLast((e) => e.type === "agent.message");
  const text = reply?.data?.content?.map((b) => b.text ?? "").join("") ?? "";
  return idle.data?.stop_reason?.type === "end_turn" && text.startsWith("echo:");
}

/**
 * One turn on the Clawplane path: opens the stream, starts the clock (unless `t0` is given,
 * as in cold start), sends the message, waits for first token and idle.
 */
async function clawplaneTurn(sessionId, text, { t0, timeoutMs = WARM_TURN_TIMEOUT_MS } = {}) {
  const sub = await SseSubscriber.open(streamUrl(sessionId), { headers: authHeaders });
  try {
    const start = t0 ?? performance.now();
    await ctx.client.beta.sessions.events.send(sessionId, {
      events: [{ type: "user.message", content: [{ type: "text", text }] }],
    });
    const first = await sub.waitFor(isFirstToken, timeoutMs, "first token");
    const idle = await sub.waitFor(isIdle, timeoutMs, "session.status_idle");
    const since = (type) => (sub.events.find((e) => e.type === type)?.at ?? Number.NaN) - start;
    return {
      text,
      runningMs: since("session.status_running"),
      spanMs: since("span.model_request_start"),
      startEpoch: performance.timeOrigin + start,
      firstMs: first.at - start,
      idleMs: idle.at - start,
      viaDelta: first.type === "event_delta",
      ok: outcome(sub, idle),
    };
  } finally {
    sub.close();
  }
}

/** The same turn sent straight to the baseline gateway's chat completions endpoint. */
async function directTurn(text, timeoutMs = WARM_TURN_TIMEOUT_MS) {
  const start = performance.now();
  const sub = await openChatCompletionStream(ctx.direct.origin, DIRECT_GATEWAY_TOKEN, DIRECT_USER, text);
  try {
    const first = await sub.waitFor(
      (e) => Boolean(e.data?.choices?.[0]?.delta?.content),
      timeoutMs,
      "first content chunk",
    );
    const done = await sub.waitFor((e) => e.data === "[DONE]", timeoutMs, "[DONE]");
    const reply = sub.events.map((e) => e.data?.choices?.[0]?.delta?.content ?? "").join("");
    return {
      text,
      startEpoch: performance.timeOrigin + start,
      firstMs: first.at - start,
      idleMs: done.at - start,
      ok: reply.startsWith("echo:"),
    };
  } finally {
    sub.close();
  }
}

/** Gateway pid of a session, from the supervisor (the runtime id is the session id). */
async function runtimeStatus(sessionId) {
  const res = await fetch(`${ctx.supervisor.origin}/runtimes/${encodeURIComponent(sessionId)}`);
  return res.ok ? res.json() : undefined;
}

async function coldStarts() {
  const results = [];
  let sessionId;
  for (let i = 0; i < COLD_SESSIONS; i++) {
    if (sessionId) await ctx.client.beta.sessions.delete(sessionId); // frees its gateway
    const t0 = performance.now();
    const session = await ctx.client.beta.sessions.create({
      agent: ctx.agentId,
      environment_id: ctx.environmentId,
    });
    sessionId = session.id;
    const turn = await clawplaneTurn(sessionId, `cold start ${i}: hello clawplane`, {
      t0,
      timeoutMs: COLD_TURN_TIMEOUT_MS,
    });
    const status = await runtimeStatus(sessionId);
    const bootMs =
      status?.readyAt && status?.startedAt ? Date.parse(status.readyAt) - Date.parse(status.startedAt) : NaN;
    results.push({ ...turn, bootMs });
    log(
      `cold ${i + 1}/${COLD_SESSIONS}: first token ${ms(turn.firstMs, 0)} ms, idle ${ms(turn.idleMs, 0)} ms`,
    );
  }
  return { results, warmSessionId: sessionId };
}

/** Warm-up, then `WARM_TURNS` turns alternating Clawplane and direct so drift hits both alike. */
async function warmTurns(sessionId) {
  for (let i = 0; i < WARMUP_TURNS; i++) {
    // The first runs after a boot are slow (lazy init in OpenClaw): not part of the figures.
    await clawplaneTurn(sessionId, `warm-up ${i}: hello clawplane`, { timeoutMs: COLD_TURN_TIMEOUT_MS });
    await directTurn(`warm-up ${i}: hello clawplane`, COLD_TURN_TIMEOUT_MS);
  }
  const clawplane = [];
  const direct = [];
  for (let i = 0; i < WARM_TURNS; i++) {
    clawplane.push(await clawplaneTurn(sessionId, `warm turn ${i}: hello clawplane`));
    direct.push(await directTurn(`warm turn ${i}: hello clawplane`));
  }
  log(`warm: ${WARM_TURNS} turns on each path done`);
  attachModelRequests(clawplane, `Bearer ${PROVIDER_KEY}`);
  attachModelRequests(direct, `Bearer ${DIRECT_SESSION_TOKEN}`);
  return { clawplane, direct };
}

/**
 * Finds each turn's first request at the model server (by the credential it arrived with and
 * the turn's text): ms from the turn's clock start to its arrival, and the prompt's size.
 */
function attachModelRequests(turns, authorization) {
  for (const turn of turns) {
    const request = ctx.model.requests.find(
      (r) =>
        r.authorization === authorization &&
        r.receivedAt >= Math.floor(turn.startEpoch) &&
        JSON.stringify(r.body?.messages ?? "").includes(turn.text),
    );
    turn.modelMs = request ? request.receivedAt - turn.startEpoch : Number.NaN;
    turn.promptChars = request ? JSON.stringify(request.body.messages).length : Number.NaN;
  }
}

/** N subscribers on one stream, one turn: per-event first→last arrival spread, time to all idle. */
async function fanOut(sessionId, n) {
  const subs = [];
  try {
    for (const sub of await Promise.allSettled(
      Array.from({ length: n }, () => SseSubscriber.open(streamUrl(sessionId), { headers: authHeaders })),
    )) {
      if (sub.status === "fulfilled") subs.push(sub.value);
      else throw sub.reason;
    }
    const t0 = performance.now();
    await ctx.client.beta.sessions.events.send(sessionId, {
      events: [{ type: "user.message", content: [{ type: "text", text: `fan-out ${n}: hello clawplane` }] }],
    });
    const idles = await Promise.all(subs.map((s) => s.waitFor(isIdle, WARM_TURN_TIMEOUT_MS, "idle")));
    // Previews carry no id: key them by type and ordinal so every subscriber's nth delta lines up.
    const arrivals = new Map();
    for (const sub of subs) {
      const ordinal = {};
      for (const ev of sub.events) {
        ordinal[ev.type] = (ordinal[ev.type] ?? 0) + 1;
        const key = ev.id ?? `${ev.type}#${ordinal[ev.type]}`;
        arrivals.set(key, [...(arrivals.get(key) ?? []), ev.at]);
      }
    }
    const complete = [...arrivals.values()].filter((times) => times.length === n);
    return {
      n,
      events: complete.length,
      incomplete: arrivals.size - complete.length,
      spread: summary(complete.map((times) => Math.max(...times) - Math.min(...times))),
      firstIdleMs: Math.min(...idles.map((e) => e.at)) - t0,
      allIdleMs: Math.max(...idles.map((e) => e.at)) - t0,
      ok: subs.every((s, i) => outcome(s, idles[i])),
    };
  } finally {
    for (const sub of subs) sub.close();
  }
}

/** --logs DIR: keeps the wrangler dev output and both gateways' logs for inspection. */
async function saveLogs(dir) {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "wrangler.log"), ctx.worker.logs());
  if (ctx.warmSessionId) {
    const res = await fetch(`${ctx.supervisor.origin}/runtimes/${ctx.warmSessionId}/logs`);
    await writeFile(join(dir, "session-gateway.log"), await res.text());
  }
  if (ctx.direct) await writeFile(join(dir, "direct-gateway.log"), ctx.direct.logs());
  log(`logs kept in ${dir}`);
}

try {
  log("starting model server, supervisor and wrangler dev…");
  const platform = await startPlatform();
  const client = new Anthropic({ apiKey: ADMIN_KEY, baseURL: platform.worker.origin, maxRetries: 0 });
  const agent = await client.beta.agents.create({
    name: "Bench",
    model: "claude-sonnet-4-6",
    system: "Be brief.",
  });
  const environment = await client.beta.environments.create({ name: `bench-${Date.now()}` });
  ctx = { ...platform, client, agentId: agent.id, environmentId: environment.id };

  const cold = await coldStarts();
  ctx.warmSessionId = cold.warmSessionId;
  log("starting the direct baseline gateway…");
  ctx.direct = await startDirectGateway(platform.model.url, {
    token: DIRECT_GATEWAY_TOKEN,
    sessionToken: DIRECT_SESSION_TOKEN,
  });
  const warm = await warmTurns(cold.warmSessionId);
  const pid = (await runtimeStatus(cold.warmSessionId))?.pid;
  const rss = {
    "session gateway (supervisor)": pid ? await groupRssMiB(pid) : undefined,
    "direct gateway": await groupRssMiB(ctx.direct.pid),
  };
  await ctx.direct.stop(); // not needed for fan-out: free its memory and CPU
  const fanouts = [];
  for (const n of FANOUT_SIZES) {
    fanouts.push(await fanOut(cold.warmSessionId, n));
    log(`fan-out ${n}: done`);
  }
  printReport(
    { cold: cold.results, warm, fanouts, rss },
    { coldSessions: COLD_SESSIONS, warmTurns: WARM_TURNS, warmupTurns: WARMUP_TURNS },
  );
} catch (error) {
  console.error(`benchmark failed: ${error?.stack ?? error}`);
  if (ctx?.worker) console.error(`--- wrangler dev log tail ---\n${ctx.worker.logs().slice(-3000)}`);
  if (ctx?.worker.logs().includes("Reloading local server")) {
    console.error(
      "note: wrangler dev reloaded the Worker mid-run (a source file changed); that drops streams",
    );
  }
  process.exitCode = 1;
} finally {
  if (args.logs && ctx) await saveLogs(args.logs).catch((e) => log(`saving logs failed: ${e.message}`));
  await cleanup();
}
