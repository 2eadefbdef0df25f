#!/usr/bin/env node
/**
 * Control-plane benchmark: create, get and list agents against `wrangler dev` (workerd with a
 * local D1, the real middleware chain including the rate limiter Durable Object), with N
 * concurrent clients. Prints requests/s and latency percentiles per operation.
 *
 *   npm run bench                      # defaults
 *   npm run bench -- --clients 32 --requests 4000
 *
 * Everything runs on this machine: the server binds 127.0.0.1 and its state lives in a
 * temporary directory that is removed afterwards.
 */
import { parseArgs } from "node:util";
import { startWorker } from "../test/support/worker-process.mjs";

const { values: args } = parseArgs({
  options: {
    clients: { type: "string", default: "16" },
    requests: { type: "string", default: "2000" },
    warmup: { type: "string", default: "200" },
  },
});
const CLIENTS = Number(args.clients);
const REQUESTS = Number(args.requests);
const WARMUP = Number(args.warmup);
const ADMIN_KEY = "bench-admin-key";

async function startServer() {
  return startWorker({
    vars: {
      ADMIN_API_KEY: ADMIN_KEY,
      LOG_LEVEL: "warn",
      // Keep the limiter in the path (its cost is part of every request) but never trip it.
      RATE_LIMIT_PER_MINUTE: "100000000",
      RATE_LIMIT_BURST: "100000000",
    },
  });
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Runs `total` requests from `clients` concurrent loops; returns throughput and latencies. */
async function phase(total, clients, request) {
  let next = 0;
  let failures = 0;
  const latencies = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < total) {
        const i = next++;
        const t0 = performance.now();
        const res = await request(i);
        const body = await res.text();
        latencies.push(performance.now() - t0);
        if (!res.ok) {
          failures++;
          if (failures === 1) console.error(`first failure: ${res.status} ${body.slice(0, 200)}`);
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    rps: total / seconds,
    p50: percentile(latencies, 50),
    p90: percentile(latencies, 90),
    p99: percentile(latencies, 99),
    failures,
  };
}

const { origin, stop } = await startServer();
const headers = { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" };
const createBody = (i) =>
  JSON.stringify({
    name: `bench-${i}`,
    model: "claude-sonnet-4-6",
    system: "You are a benchmark agent.",
    tools: [{ type: "agent_toolset_20260401" }],
    metadata: { run: "bench" },
  });
const create = (i) => fetch(`${origin}/v1/agents`, { method: "POST", headers, body: createBody(i) });

try {
  await phase(WARMUP, CLIENTS, create);
  const ids = (await (await fetch(`${origin}/v1/agents?limit=1000`, { headers })).json()).data.map(
    (a) => a.id,
  );
  const results = {
    "create agent": await phase(REQUESTS, CLIENTS, create),
    "get agent": await phase(REQUESTS, CLIENTS, (i) =>
      fetch(`${origin}/v1/agents/${ids[i % ids.length]}`, { headers }),
    ),
    "list agents (20)": await phase(REQUESTS, CLIENTS, () =>
      fetch(`${origin}/v1/agents?limit=20`, { headers }),
    ),
    healthz: await phase(REQUESTS, CLIENTS, () => fetch(`${origin}/healthz`)),
  };
  console.log(
    `\nClawplane control plane on wrangler dev — ${CLIENTS} concurrent clients, ${REQUESTS} requests per operation\n`,
  );
  console.log("operation            req/s     p50 ms   p90 ms   p99 ms   failures");
  for (const [name, r] of Object.entries(results)) {
    console.log(
      `${name.padEnd(18)} ${r.rps.toFixed(0).padStart(7)} ${r.p50.toFixed(1).padStart(10)} ${r.p90.toFixed(1).padStart(8)} ${r.p99.toFixed(1).padStart(8)} ${String(r.failures).padStart(10)}`,
    );
  }
  if (Object.values(results).some((r) => r.failures > 0)) process.exitCode = 1;
} finally {
  await stop();
}
