#!/usr/bin/env node
/**
 * Agents Plane benchmark: provisioning time from add-agent to the member's first reply, with
 * real parts on this machine (the same stack as bench/sessions.mjs):
 *
 *   plane admin token → Worker (`wrangler dev`) → add-agent (agent, environment, vault, token)
 *   member token → sessions.create → events.send → SessionDO → local runtime supervisor →
 *   OpenClaw gateway (booted for this session) → Worker LLM proxy → model server
 *
 * For each of --members members, one after another (each first session boots its own gateway,
 * ~1 GB): the clock starts before `POST /v1/planes/{plane}/members`; recorded are add-agent
 * (provisioning) latency, session create latency, and the time from the clock's start to the
 * first token (first `event_delta` of agent.message) and to the first complete reply
 * (`agent.message`). Then a warm second turn, `GET …/status`, and remove-agent (which ends the
 * session and destroys its runtime) are timed too.
 *
 *   node bench/planes.mjs [--members 3] [--logs DIR]
 *
 * Every process is stopped at the end, on failure and on SIGINT/SIGTERM. Timings come from
 * `wrangler dev` on this machine, not the edge.
 */
import { parseArgs } from "node:util";
import { SseSubscriber } from "./lib/sse.mjs";
import { ADMIN_KEY, cleanup, startPlatform } from "./lib/stack.mjs";
import { ms, summary } from "./lib/stats.mjs";

const { values: args } = parseArgs({ options: { members: { type: "string", default: "3" } } });
const MEMBERS = Number(args.members);
const COLD_TIMEOUT_MS = 240_000;
const WARM_TIMEOUT_MS = 60_000;
const log = (line) => console.error(`[bench] ${line}`);

let origin;

async function api(path, { key = ADMIN_KEY, method, body } = {}) {
  const res = await fetch(`${origin}${path}`, {
    method: method ?? (body === undefined ? "GET" : "POST"),
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json().catch(() => null);
  if (!res.ok)
    throw new Error(`${method ?? "POST"} ${path}: HTTP ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
  return json;
}

/** Sends one message on an open stream; resolves with first-token and reply times from `t0`. */
async function turn(sessionId, token, text, t0, timeoutMs) {
  const sub = await SseSubscriber.open(
    `${origin}/v1/sessions/${sessionId}/events/stream?event_deltas%5B%5D=agent.message`,
    { headers: { authorization: `Bearer ${token}` } },
  );
  try {
    const start = t0 ?? performance.now();
    await api(`/v1/sessions/${sessionId}/events`, {
      key: token,
      body: { events: [{ type: "user.message", content: [{ type: "text", text }] }] },
    });
    const first = await sub.waitFor(
      (e) => e.type === "event_delta" || e.type === "agent.message",
      timeoutMs,
      "first token",
    );
    const reply = await sub.waitFor((e) => e.type === "agent.message", timeoutMs, "agent.message");
    const idle = await sub.waitFor((e) => e.type === "session.status_idle", timeoutMs, "idle");
    const replyText = reply.data?.content?.map((b) => b.text ?? "").join("") ?? "";
    return {
      firstMs: first.at - start,
      replyMs: reply.at - start,
      idleMs: idle.at - start,
      ok: idle.data?.stop_reason?.type === "end_turn" && replyText.startsWith("echo:"),
    };
  } finally {
    sub.close();
  }
}

async function main() {
  log("starting model server, runtime supervisor and wrangler dev…");
  const platform = await startPlatform();
  origin = platform.worker.origin;
  const plane = await api("/v1/planes", {
    body: {
      name: `bench-${Date.now().toString(36)}`,
      template: { model: "claude-sonnet-4-6", system: "Be brief." },
      monthly_budget_usd: 100,
    },
  });
  const adminToken = plane.admin_token;
  const rows = [];
  for (let i = 0; i < MEMBERS; i++) {
    const name = `member-${i}`;
    const t0 = performance.now();
    const member = await api(`/v1/planes/${plane.id}/members`, {
      key: adminToken,
      body: { name, owner: `${name}@bench.test` },
    });
    const provisionedMs = performance.now() - t0;
    const s0 = performance.now();
    const session = await api("/v1/sessions", {
      key: member.token,
      body: { agent: member.agent_id, environment_id: member.environment_id },
    });
    const sessionMs = performance.now() - s0;
    const cold = await turn(session.id, member.token, `hello from ${name}`, t0, COLD_TIMEOUT_MS);
    const warm = await turn(session.id, member.token, `again from ${name}`, undefined, WARM_TIMEOUT_MS);
    const st0 = performance.now();
    const status = await api(`/v1/planes/${plane.id}/status?member=${name}`, { key: adminToken });
    const statusMs = performance.now() - st0;
    const r0 = performance.now();
    const removed = await api(`/v1/planes/${plane.id}/members/${name}`, {
      key: adminToken,
      method: "DELETE",
    });
    const removeMs = performance.now() - r0;
    const row = {
      name,
      provisionedMs,
      sessionMs,
      firstTokenMs: cold.firstMs,
      firstReplyMs: cold.replyMs,
      warmReplyMs: warm.replyMs,
      statusMs,
      removeMs,
      ok: cold.ok && warm.ok && removed.sessions_ended === 1,
      cost: status.members[0]?.cost_this_month_usd,
    };
    rows.push(row);
    log(
      `${name}: add-agent ${ms(row.provisionedMs, 0)} ms, session ${ms(row.sessionMs, 0)} ms, first token ${ms(row.firstTokenMs, 0)} ms, first reply ${ms(row.firstReplyMs, 0)} ms, warm reply ${ms(row.warmReplyMs, 0)} ms, status ${ms(row.statusMs, 0)} ms, remove ${ms(row.removeMs, 0)} ms, ok=${row.ok}, cost $${row.cost}`,
    );
  }

  const table = [
    ["add-agent (provision agent, environment, vault, token)", "provisionedMs"],
    ["session create (member token)", "sessionMs"],
    ["add-agent start → first token", "firstTokenMs"],
    ["add-agent start → first reply (agent.message)", "firstReplyMs"],
    ["warm turn: send → reply", "warmReplyMs"],
    ["plane status (one member)", "statusMs"],
    ["remove-agent (session ended, runtime destroyed)", "removeMs"],
  ];
  console.log(`\nAgents Plane provisioning, ${rows.length} members, one after another (ms)`);
  console.log(`${"".padEnd(56)}${["min", "p50", "max"].map((h) => h.padStart(9)).join("")}`);
  for (const [label, key] of table) {
    const s = summary(rows.map((r) => r[key]));
    console.log(`${label.padEnd(56)}${[s.min, s.p50, s.max].map((v) => ms(v)).join("")}`);
  }
  console.log(`all turns completed with a reply and removal ended the session: ${rows.every((r) => r.ok)}`);
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => cleanup());
