/**
 * Prints the session benchmark's figures (see bench/sessions.mjs for what is measured) and
 * sets a failing exit code when any measured turn did not end with the expected reply.
 */
import { ms, row, summary } from "./stats.mjs";

export function printReport({ cold, warm, fanouts, rss }, { coldSessions, warmTurns, warmupTurns }) {
  const failures = (list) => list.filter((t) => !t.ok).length;
  const out = [];
  const head = (label, cols) =>
    out.push(
      row(
        label,
        cols.map((c) => c.padStart(9)),
      ),
    );
  out.push("", "Clawplane sessions on wrangler dev + local runtime supervisor (all on 127.0.0.1)", "");

  out.push(`1. Cold start: ${coldSessions} fresh sessions, sequential (each boots its own gateway)`);
  out.push("   clock: before sessions.create; includes create, stream open, send, gateway boot, turn");
  head("   ms", ["min", "median", "max"]);
  for (const [label, key] of [
    ["   create → first token", "firstMs"],
    ["   create → session.status_idle", "idleMs"],
    ["   gateway spawn → /readyz (part)", "bootMs"],
  ]) {
    const s = summary(cold.map((r) => r[key]));
    out.push(row(label, [ms(s.min), ms(s.p50), ms(s.max)]));
  }
  out.push(`   failed turns: ${failures(cold)}`, "");

  const cp = {
    first: summary(warm.clawplane.map((t) => t.firstMs)),
    idle: summary(warm.clawplane.map((t) => t.idleMs)),
  };
  const dr = {
    first: summary(warm.direct.map((t) => t.firstMs)),
    idle: summary(warm.direct.map((t) => t.idleMs)),
  };
  out.push(`2. Warm turn: ${warmTurns} turns on one warm session (after ${warmupTurns} warm-up turns)`);
  out.push("   clock: before events.send (stream already open)");
  head("   ms", ["p50", "p90", "max"]);
  for (const [label, key] of [
    ["   send → session.status_running", "runningMs"],
    ["   send → span.model_request_start", "spanMs"],
    ["   send → model server gets request", "modelMs"],
  ]) {
    const s = summary(warm.clawplane.map((t) => t[key]));
    out.push(row(label, [ms(s.p50), ms(s.p90), ms(s.max)]));
  }
  out.push(row("   send → first token", [ms(cp.first.p50), ms(cp.first.p90), ms(cp.first.max)]));
  out.push(row("   send → session.status_idle", [ms(cp.idle.p50), ms(cp.idle.p90), ms(cp.idle.max)]));
  const viaDelta = warm.clawplane.filter((t) => t.viaDelta).length;
  out.push(
    `   first token was an event_delta in ${viaDelta}/${warmTurns} turns; failed turns: ${failures(warm.clawplane)}`,
    "",
  );

  out.push("3. Platform overhead on a warm turn (same model server, same messages, interleaved)");
  out.push("   Clawplane: SDK → Worker (auth, rate limit) → SessionDO → supervisor proxy (WS) → gateway");
  out.push("              → Worker LLM proxy (metering) → model server; events back via DO → SSE");
  out.push("   direct:    fetch → gateway POST /v1/chat/completions (stream) → model server");
  const p50 = (turns, key) => summary(turns.map((t) => t[key])).p50;
  head("   p50 ms", ["Clawplane", "direct", "diff", "ratio"]);
  for (const [label, a, b] of [
    ["   → model request arrives", p50(warm.clawplane, "modelMs"), p50(warm.direct, "modelMs")],
    ["   → first token", cp.first.p50, dr.first.p50],
    ["   → done (idle / [DONE])", cp.idle.p50, dr.idle.p50],
  ]) {
    out.push(row(label, [ms(a), ms(b), ms(a - b), `${(a / b).toFixed(2)}×`.padStart(9)]));
  }
  out.push(
    `   prompt sent to the model, p50 chars: Clawplane ${p50(warm.clawplane, "promptChars")}, direct ${p50(warm.direct, "promptChars")}`,
  );
  out.push(
    `   direct p90 → done: ${ms(dr.idle.p90, 0)} ms; failed direct turns: ${failures(warm.direct)}`,
    "",
  );

  out.push("4. SSE fan-out: N subscribers on one session stream, one turn each");
  out.push("   spread = last minus first subscriber receiving the same event (one Node client reads all)");
  head("   N", ["events", "spread50", "spread99", "1st idle", "all idle"]);
  for (const f of fanouts) {
    out.push(
      row(`   ${f.n}`, [
        String(f.events).padStart(9),
        ms(f.spread.p50),
        ms(f.spread.p99),
        ms(f.firstIdleMs),
        ms(f.allIdleMs),
      ]) +
        (f.incomplete ? `   (${f.incomplete} events not seen by all)` : "") +
        (f.ok ? "" : "   FAILED"),
    );
  }
  out.push("");
  out.push("Gateway memory (RSS, MiB; process / process group incl. helpers)");
  for (const [label, r] of Object.entries(rss)) {
    out.push(
      row(
        `   ${label}`,
        r ? [r.ownMiB.toFixed(0).padStart(9), r.groupMiB.toFixed(0).padStart(9)] : ["        —"],
      ),
    );
  }
  console.log(out.join("\n"));
  const anyFailed =
    failures(cold) + failures(warm.clawplane) + failures(warm.direct) + fanouts.filter((f) => !f.ok).length;
  if (anyFailed) process.exitCode = 1;
}
