#!/usr/bin/env node
/**
 * Start benchmark: how long a new session waits for its first token, cold and from the warm pool.
 *
 *   SDK → Worker (`wrangler dev`) → SessionDO → local runtime supervisor (with its warm pool) →
 *   OpenClaw gateway → Worker LLM proxy → deterministic model server
 *
 * Measured, side by side in one run, with one stack:
 *   1. cold:  pool off (`PUT /pool {min:0,max:0}`); `sessions.create` → first token, --cold
 *             sessions one after another (each boots its own gateway);
 *   2. warm:  pool of --pool; before each session a warm runtime is idle (waiting for the refill
 *             is not counted); `sessions.create` → first token, --warm sessions; and claim →
 *             config applied (`apply_ms` of `span.runtime_warm_pool`);
 *   3. burst: 2 × --pool sessions created at once on a full pool: how many were served warm, the
 *             misses' reasons, and create → first token of each kind (`--burst 0` skips it).
 * "First token" is the first `event_delta` preview of agent.message, else the `agent.message`.
 * The warm sessions' time is split into phases (p50/p95 from before `sessions.create`): the
 * client's calls, the session object's `start timing` and `turn timing` log lines (LOG_LEVEL=info),
 * the model server's arrival of the turn's model request, and the first token.
 * `--pause MS`: a further warm phase whose message is sent MS after the create returned (a
 * client that reads the session first); its figure is send → first token.
 * `--claim-at-create off`: the Worker starts a session's runtime with its first message only
 * (RUNTIME_CLAIM_AT_CREATE=off), for a before/after pair of runs in one sitting.
 *
 *   node bench/start.mjs [--cold 10] [--warm 10] [--pool 2] [--burst 4] [--pause 0]
 *                        [--claim-at-create on|off] [--containers]
 *
 * `--containers`: the same phases with REAL containers (the e2e's setup: `wrangler dev
 * --enable-containers`, Docker through ../shared/tools/local-containers; run it
 * after `eval "$(../shared/tools/local-containers/setup.sh)"`). The
 * container pool's size is a Worker var, so each phase restarts the Worker with its size (not
 * counted), and its status is `GET /v1/runtime_pool`.
 *
 * Every session is deleted after its turn (its gateway with it). Timings come from this machine.
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import Anthropic from "@anthropic-ai/sdk";
import { SseSubscriber } from "./lib/sse.mjs";
import { ADMIN_KEY, cleanup, startContainerPlatform, startPlatform } from "./lib/stack.mjs";
import { ms, row, summary } from "./lib/stats.mjs";

const { values: args } = parseArgs({
  options: {
    cold: { type: "string", default: "10" },
    warm: { type: "string", default: "10" },
    pool: { type: "string", default: "2" },
    burst: { type: "string" },
    pause: { type: "string", default: "0" },
    "claim-at-create": { type: "string", default: "on" },
    containers: { type: "boolean", default: false },
  },
});
const CONTAINERS = args.containers;
const COLD = Number(args.cold);
const WARM = Number(args.warm);
const POOL = Number(args.pool);
const BURST = args.burst === undefined ? 2 * POOL : Number(args.burst);
const PAUSE_MS = Number(args.pause);
/** RUNTIME_CLAIM_AT_CREATE: "off" starts the runtime with the first message only (before/after runs). */
const CLAIM_AT_CREATE = args["claim-at-create"] === "off" ? "off" : "on";
const TURN_TIMEOUT_MS = 420_000;
const POOL_FILL_TIMEOUT_MS = 600_000;
const authHeaders = { authorization: `Bearer ${ADMIN_KEY}` };
const log = (line) => console.error(`[bench:start] ${line}`);

let ctx;

async function pool(method = "GET", body) {
  if (CONTAINERS) {
    if (method === "PUT") {
      // A new size is a new Worker (and a fresh D1: the agent and environment are made again).
      ctx.worker = await ctx.containers.startWorker({
        CONTAINER_POOL_MIN_IDLE: String(body.min),
        CONTAINER_POOL_MAX: String(body.max),
        RUNTIME_CLAIM_AT_CREATE: CLAIM_AT_CREATE,
        LOG_LEVEL: "info",
      });
      await setup();
    }
    const res = await fetch(`${ctx.worker.origin}/v1/runtime_pool`, { headers: authHeaders });
    return res.json();
  }
  const res = await fetch(`${ctx.supervisor.origin}/pool`, {
    method,
    headers: body ? { "content-type": "application/json" } : undefined,
    body: body ? JSON.stringify(body) : undefined,
  });
  return res.json();
}

/** Waits until `count` warm runtimes are idle (the wait is not part of any figure). */
async function poolIdle(count) {
  const deadline = Date.now() + POOL_FILL_TIMEOUT_MS;
  for (;;) {
    const status = await pool();
    if (status.idle >= count) return status;
    if (Date.now() > deadline) throw new Error(`the pool did not refill: ${JSON.stringify(status)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** The session's `span.runtime_warm_pool` from its event log (the first page holds it). */
async function loggedWarmPool(sessionId) {
  const page = await ctx.client.beta.sessions.events.list(sessionId, { limit: 100 });
  return page.data.find((e) => e.type === "span.runtime_warm_pool");
}

/** One new session's first turn, clocked from before `sessions.create` (`pauseMs` before the message). */
async function firstTurn(label, pauseMs = 0) {
  const t0 = performance.now();
  const epoch0 = Date.now();
  const text = `${label}: hello`;
  const session = await ctx.client.beta.sessions.create({
    agent: ctx.agentId,
    environment_id: ctx.environmentId,
  });
  const createdMs = performance.now() - t0;
  const sub = await SseSubscriber.open(
    `${ctx.worker.origin}/v1/sessions/${session.id}/events/stream?event_deltas%5B%5D=agent.message`,
    { headers: authHeaders },
  );
  try {
    if (pauseMs) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    const sendMs = performance.now() - t0;
    await ctx.client.beta.sessions.events.send(session.id, {
      events: [{ type: "user.message", content: [{ type: "text", text }] }],
    });
    const sentMs = performance.now() - t0;
    const first = await sub.waitFor(
      (e) => e.type === "event_delta" || e.type === "agent.message",
      TURN_TIMEOUT_MS,
      "first token",
    );
    await sub.waitFor((e) => e.type === "session.status_idle", TURN_TIMEOUT_MS, "idle");
    // A runtime claimed at create said so before this stream opened: the session's log has it.
    const pooled =
      sub.events.find((e) => e.type === "span.runtime_warm_pool")?.data ?? (await loggedWarmPool(session.id));
    return {
      firstMs: first.at - t0,
      sendToFirstMs: first.at - t0 - sendMs,
      pool: pooled,
      sessionId: session.id,
      text,
      epoch0,
      client: { created: createdMs, sent: sentMs },
    };
  } finally {
    sub.close();
    await ctx.client.beta.sessions.delete(session.id).catch(() => undefined);
  }
}

function line(label, values) {
  const s = summary(values);
  return row(label, [String(s.n).padStart(5), ms(s.p50), ms(percentileOf(values, 95)), ms(s.min), ms(s.max)]);
}

function percentileOf(values, p) {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] : Number.NaN;
}

/** The Worker's structured log lines with `msg` (JSON objects, one a line, among wrangler's output). */
function workerLogLines(msg) {
  const lines = [];
  for (const text of ctx.worker.logs().split("\n")) {
    const at = text.indexOf('{"level"');
    if (at === -1 || !text.includes(`"msg":"${msg}"`)) continue;
    try {
      lines.push(JSON.parse(text.slice(at)));
    } catch {
      // a line cut by wrangler's output buffering: skipped
    }
  }
  return lines;
}

/**
 * Where each session's wait went: ms from before `sessions.create` to the end of each step,
 * from the client, the session object's `start timing` / `turn timing` lines and the model
 * server's record of the turn's model request. Read right after the sessions ran (a restarted
 * container Worker loses its log).
 */
function attachPhases(turns) {
  const starts = new Map(workerLogLines("start timing").map((t) => [t.session_id, t]));
  const timings = new Map(workerLogLines("turn timing").map((t) => [t.session_id, t]));
  for (const turn of turns) {
    const s = starts.get(turn.sessionId) ?? {};
    const t = timings.get(turn.sessionId) ?? {};
    const request = ctx.model.requests.find(
      (r) => r.receivedAt >= turn.epoch0 && JSON.stringify(r.body?.messages ?? "").includes(turn.text),
    );
    const rel = (epoch) => (epoch === undefined ? Number.NaN : epoch - turn.epoch0);
    turn.phases = {
      "create returned": turn.client.created,
      "turn picked up": rel(t.picked_at),
      "runtime claimed (config applied)": rel(s.started_at),
      "gateway ready": rel(s.ready_at),
      "WS connected (handshake, pairing)": rel(s.connected_at),
      "session events subscribed": rel(s.subscribed_at),
      "chat.history": rel(s.history_at),
      "workspace restored": rel(s.restored_at),
      "chat.send": rel(t.sent_at),
      "model request arrives": rel(request?.receivedAt),
      "first token": turn.firstMs,
    };
  }
}

/** The phase table: p50/p95 of each step's end and of the step itself (from the previous step's end). */
function phaseTable(turns) {
  const out = [
    row("warm start, split (ms from create)", ["  end p50", "  end p95", " step p50", " step p95"], 40),
  ];
  const names = Object.keys(turns[0]?.phases ?? {});
  names.forEach((name, i) => {
    const ends = turns.map((t) => t.phases[name]).filter(Number.isFinite);
    // A step skipped in a turn (e.g. no chat.history on a runtime the link started) has no end;
    // the next step counts from the last one that happened.
    const before = (t) =>
      names
        .slice(0, i)
        .map((n) => t.phases[n])
        .filter(Number.isFinite)
        .reduce((a, b) => Math.max(a, b), 0);
    const steps = turns.map((t) => t.phases[name] - before(t)).filter(Number.isFinite);
    out.push(
      row(
        name,
        [
          ms(percentileOf(ends, 50)),
          ms(percentileOf(ends, 95)),
          ms(percentileOf(steps, 50)),
          ms(percentileOf(steps, 95)),
        ],
        40,
      ),
    );
  });
  // The client's send returns once the event is accepted, while the turn may already run.
  const sent = turns.map((t) => t.client.sent);
  out.push(
    `(events.send returned at p50 ${ms(percentileOf(sent, 50), 0)} ms, p95 ${ms(percentileOf(sent, 95), 0)} ms)`,
  );
  return out.join("\n");
}

/** The client, agent and environment on the current Worker. */
async function setup() {
  ctx.client = new Anthropic({ apiKey: ADMIN_KEY, baseURL: ctx.worker.origin, maxRetries: 0 });
  ctx.agentId = (
    await ctx.client.beta.agents.create({
      name: "Start bench",
      model: "claude-sonnet-4-6",
      system: "Be brief.",
      tools: [{ type: "agent_toolset_20260401" }],
    })
  ).id;
  ctx.environmentId = (await ctx.client.beta.environments.create({ name: `bench-start-${Date.now()}` })).id;
}

async function main() {
  const loadStart = loadavg()[0];
  if (CONTAINERS) {
    const containers = await startContainerPlatform();
    ctx = { containers, model: containers.model };
  } else {
    // LOG_LEVEL=info: the session object's "start timing" and "turn timing" lines.
    ctx = await startPlatform({ LOG_LEVEL: "info", RUNTIME_CLAIM_AT_CREATE: CLAIM_AT_CREATE });
    await setup();
  }

  await pool("PUT", { min: 0, max: 0 });
  const cold = [];
  for (let i = 0; i < COLD; i++) {
    const turn = await firstTurn(`cold ${i}`);
    cold.push(turn);
    log(
      `cold ${i + 1}/${COLD}: first token ${ms(turn.firstMs, 0)} ms (${turn.pool?.code ?? "no pool event"})`,
    );
  }

  await pool("PUT", { min: POOL, max: POOL });
  const warm = [];
  for (let i = 0; i < WARM; i++) {
    await poolIdle(1);
    const turn = await firstTurn(`warm ${i}`);
    warm.push(turn);
    log(
      `warm ${i + 1}/${WARM}: first token ${ms(turn.firstMs, 0)} ms (${turn.pool?.outcome}, apply ${turn.pool?.apply_ms} ms)`,
    );
  }
  attachPhases(warm);
  const paused = [];
  for (let i = 0; PAUSE_MS > 0 && i < WARM; i++) {
    await poolIdle(1);
    const turn = await firstTurn(`paused ${i}`, PAUSE_MS);
    paused.push(turn);
    log(
      `warm after a ${PAUSE_MS} ms pause ${i + 1}/${WARM}: send → first token ${ms(turn.sendToFirstMs, 0)} ms`,
    );
  }

  let burst = [];
  let burstMs = 0;
  if (BURST > 0) {
    await poolIdle(POOL);
    const burstStarted = performance.now();
    burst = await Promise.all(Array.from({ length: BURST }, (_, i) => firstTurn(`burst ${i}`)));
    burstMs = performance.now() - burstStarted;
  }
  const status = await pool();
  const loadEnd = loadavg()[0];

  const claimed = (turns) => turns.filter((t) => t.pool?.outcome === "claimed");
  const missed = (turns) => turns.filter((t) => t.pool?.outcome !== "claimed");
  console.log(
    `\nStart benchmark (${CONTAINERS ? "real containers" : "local gateways"}, pool ${POOL}, start at create ${CLAIM_AT_CREATE}; create → first token, ms; load ${loadStart.toFixed(1)} → ${loadEnd.toFixed(1)})\n`,
  );
  console.log(row("", ["    n", "      p50", "      p95", "      min", "      max"]));
  console.log(
    line(
      "cold (pool off)",
      cold.map((t) => t.firstMs),
    ),
  );
  console.log(
    line(
      "warm pool (claimed)",
      claimed(warm).map((t) => t.firstMs),
    ),
  );
  if (missed(warm).length)
    console.log(
      line(
        "warm pool (missed → cold)",
        missed(warm).map((t) => t.firstMs),
      ),
    );
  console.log(
    line(
      "claim → config applied",
      claimed(warm).map((t) => t.pool.apply_ms),
    ),
  );
  if (paused.length)
    console.log(
      line(
        `warm, sent after ${PAUSE_MS} ms: send → 1st`,
        claimed(paused).map((t) => t.sendToFirstMs),
      ),
    );
  console.log(`\n${phaseTable(claimed(warm))}\n`);
  if (!burst.length) {
    console.log(`pool at the end: ${status.idle} idle, ${status.warming} warming; claims ${status.claims}`);
    return;
  }
  console.log(
    line(
      `burst ×${BURST}: claimed`,
      claimed(burst).map((t) => t.firstMs),
    ),
  );
  console.log(
    line(
      `burst ×${BURST}: cold fallback`,
      missed(burst).map((t) => t.firstMs),
    ),
  );
  console.log(
    `\nburst: ${claimed(burst).length} warm, ${missed(burst).length} cold in ${ms(burstMs, 0)} ms; reasons:`,
  );
  for (const reason of new Set(missed(burst).map((t) => `${t.pool?.code}: ${t.pool?.reason}`)))
    console.log(`  ${reason}`);
  console.log(
    `pool at the end: ${status.idle} idle, ${status.warming} warming; claims ${status.claims}, misses ${status.misses}, refills ${status.refills}`,
  );
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => cleanup());
