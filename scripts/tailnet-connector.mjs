// The tailnet connector: the one process on the tailnet. In production it is the entrypoint of
// the connector's container (container/tailnet-connector/Dockerfile), driven by the org's
// TailnetConnectorDO (src/a2a/tailnet-connector-do.ts); locally and in tests it is this process,
// started like the runtime supervisor, reached at TAILNET_CONNECTOR_URL. Nothing else talks to
// it: every control request carries the shared connector token.
//
// Two listeners:
//   control (PORT, default 8080; the DO's side), every request with
//     `x-clawplane-connector-token: <CONNECTOR_TOKEN>`:
//     POST /boot {auth_key, hostname, tags[]} → joins the tailnet with a single-use key minted for
//          this boot; answers {transport, hostname, dns_name, addresses}. The key is not kept.
//     GET  /status → {booted, transport, hostname, dns_name, addresses, boots, forwarded}
//     ANY  /out with `x-clawplane-tailnet-target: http://<tailnet address>:<port><path>` → the
//          request, sent on to that peer (its own `authorization` passes through untouched);
//          no path → 502 with `tailscale-connect-error` (what tailscaled's proxy answers)
//   ingress (TAILNET_INGRESS_PORT, default 18789, OpenClaw's port; the tailnet's side): peers call our agents here,
//     `GET /a2a/agents/<id>/.well-known/agent-card.json`, `POST /a2a/agents/<id>/v1`. Each
//     request goes on to the Worker's A2A ingress (WORKER_ORIGIN; in a container the host the
//     DO intercepts) with the connector token and the connector's tailnet origin, so the cards
//     name tailnet URLs. Any other path is 404: nothing on the tailnet reaches anything else.
//
// The transport (TAILNET_TRANSPORT) is the one seam replaced off Cloudflare:
//   tailscaled (production): `tailscaled --tun=userspace-networking --state=mem:` with its HTTP
//     proxy on 127.0.0.1:1055 (`--outbound-http-proxy-listen`), `tailscale up --auth-key=file:…`;
//     outbound requests go to that proxy as absolute-URI requests; tailscaled hands inbound
//     tailnet connections to the local ingress port (userspace mode delivers them to localhost).
//   loopback_double (dev, tests): TAILNET_LOOPBACK_HOSTS maps tailnet names to 127.0.0.1 ports
//     (`name=127.0.0.1:port,...`, the Worker's format), and the node's own name reaches its own
//     ingress, as on a tailnet; boot checks the key's shape and refuses
//     a key it has seen (single-use, as Tailscale does); the node's name is
//     `<hostname>.<TAILNET_DOUBLE_DOMAIN>` (default tail0000.ts.net).
//
//   node scripts/tailnet-connector.mjs   (PORT, TAILNET_INGRESS_PORT, CONNECTOR_TOKEN,
//     WORKER_ORIGIN, TAILNET_TRANSPORT, TAILNET_LOOPBACK_HOSTS, TAILSCALED, TAILSCALE)

import { spawn } from "node:child_process";
import { createHash, timingSafeEqual } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const TOKEN_HEADER = "x-clawplane-connector-token";
const TARGET_HEADER = "x-clawplane-tailnet-target";
const ORIGIN_HEADER = "x-clawplane-tailnet-origin";
/** tailscaled's HTTP proxy (userspace networking): the only way out to 100.x addresses. */
const TAILSCALED_PROXY = { host: "127.0.0.1", port: 1055 };
/** Largest body relayed either way (OpenClaw's A2A channel and our ingress cap at 1 MiB too). */
const MAX_BODY_BYTES = 1_048_576;
/** Headers that describe one hop, never passed on. */
const HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "host",
  "content-length",
  TOKEN_HEADER,
  TARGET_HEADER,
  ORIGIN_HEADER,
]);
const INGRESS_PATH = /^\/a2a\/agents\/[A-Za-z0-9_-]{1,128}\/(v1|\.well-known\/agent-card\.json)$/;

/** `name=127.0.0.1:port` pairs (the Worker's TAILNET_LOOPBACK_HOSTS format). */
export function parseLoopbackHosts(raw) {
  const map = new Map();
  for (const pair of (raw ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [from, to] = pair.split("=");
    if (!from || !to || !/^(127\.0\.0\.1|localhost):\d{1,5}$/.test(to))
      throw new Error(`TAILNET_LOOPBACK_HOSTS: '${pair}' is not name=127.0.0.1:port`);
    map.set(from.toLowerCase(), to);
  }
  return map;
}

function sameSecret(a, b) {
  const ha = createHash("sha256").update(String(a)).digest();
  const hb = createHash("sha256").update(String(b)).digest();
  return timingSafeEqual(ha, hb);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on("data", (c) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(Object.assign(new Error("request body too large"), { status: 413 }));
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function json(res, status, body, headers = {}) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

function passHeaders(headers) {
  const out = {};
  for (const [k, v] of Object.entries(headers)) if (!HOP.has(k.toLowerCase()) && v !== undefined) out[k] = v;
  return out;
}

/** One HTTP exchange; resolves {status, headers, body} or rejects when no connection is made. */
function exchange({ host, port, path, method, headers, body, timeoutMs = 150_000 }) {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host, port, path, method, headers, timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
    req.end(body?.length ? body : undefined);
  });
}

function run(cmd, args, env) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", (e) => resolve({ code: 127, out, err: e.message }));
    child.on("close", (code) => resolve({ code: code ?? 1, out, err: err.trim() }));
  });
}

/** The real tailnet: tailscaled in userspace mode, its HTTP proxy for everything outbound. */
function tailscaledTransport({ tailscaled, tailscale }) {
  const stateDir = mkdtempSync(join(tmpdir(), "tailnet-connector-"));
  const socket = join(stateDir, "tailscaled.sock");
  let daemon = null;
  return {
    kind: "tailscaled",
    async join({ authKey, hostname, tags }) {
      if (!daemon) {
        daemon = spawn(
          tailscaled,
          [
            "--tun=userspace-networking",
            "--state=mem:",
            `--socket=${socket}`,
            `--statedir=${stateDir}`,
            `--outbound-http-proxy-listen=${TAILSCALED_PROXY.host}:${TAILSCALED_PROXY.port}`,
          ],
          { stdio: ["ignore", "inherit", "inherit"] },
        );
        daemon.on("exit", () => {
          daemon = null;
        });
      }
      // The key goes to `tailscale up` in a 0600 file (not argv, which /proc shows), deleted after.
      const keyFile = join(stateDir, "authkey");
      writeFileSync(keyFile, authKey, { mode: 0o600 });
      try {
        const up = await run(tailscale, [
          `--socket=${socket}`,
          "up",
          `--auth-key=file:${keyFile}`,
          `--hostname=${hostname}`,
          `--advertise-tags=${tags.join(",")}`,
          "--timeout=60s",
        ]);
        if (up.code !== 0) throw new Error(`tailscale up failed: ${up.err.slice(0, 500)}`);
      } finally {
        rmSync(keyFile, { force: true });
      }
      const status = await run(tailscale, [`--socket=${socket}`, "status", "--json"]);
      const self = JSON.parse(status.out || "{}").Self ?? {};
      return { dnsName: String(self.DNSName ?? "").replace(/\.$/, ""), addresses: self.TailscaleIPs ?? [] };
    },
    /** Absolute-URI request to tailscaled's proxy: it dials the tailnet (or answers 500 + Tailscale-Connect-Error). */
    route(target) {
      return { ...TAILSCALED_PROXY, path: target.href };
    },
    stop() {
      daemon?.kill("SIGTERM");
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** The double: no WireGuard, tailnet names mapped to loopback ports; the same requests, the same answers. */
function loopbackTransport({ hosts, domain }) {
  const seenKeys = new Set();
  return {
    kind: "loopback_double",
    async join({ authKey, hostname }) {
      if (!/^tskey-auth-[A-Za-z0-9-]{8,}$/.test(authKey))
        throw new Error("invalid key: not a tskey-auth- key");
      const digest = createHash("sha256").update(authKey).digest("hex");
      if (seenKeys.has(digest)) throw new Error("invalid key: this single-use key was already used");
      seenKeys.add(digest);
      return { dnsName: `${hostname}.${domain}`, addresses: ["100.100.0.1"] };
    },
    route(target, self) {
      const endpoint =
        hosts.get(`${target.hostname}:${target.port || 80}`) ??
        hosts.get(target.hostname) ??
        // A node dialling its own tailnet name reaches itself (as over tailscaled): our ingress.
        (self.dnsName && target.hostname === self.dnsName ? `127.0.0.1:${self.ingressPort}` : undefined);
      if (!endpoint) return null;
      const [host, port] = endpoint.split(":");
      return { host, port: Number(port), path: `${target.pathname}${target.search}` };
    },
    stop() {},
  };
}

/**
 * @param {{ token: string, workerOrigin: string, port?: number, ingressPort?: number,
 *   ingressHost?: string, transport?: "tailscaled" | "loopback_double", loopbackHosts?: string,
 *   doubleDomain?: string, tailscaled?: string, tailscale?: string }} opts
 */
export async function startTailnetConnector(opts) {
  const transport =
    (opts.transport ?? "tailscaled") === "loopback_double"
      ? loopbackTransport({
          hosts: parseLoopbackHosts(opts.loopbackHosts),
          domain: opts.doubleDomain ?? "tail0000.ts.net",
        })
      : tailscaledTransport({
          tailscaled: opts.tailscaled ?? "tailscaled",
          tailscale: opts.tailscale ?? "tailscale",
        });
  const state = {
    booted: false,
    hostname: null,
    dnsName: null,
    addresses: [],
    boots: 0,
    forwarded: { out: 0, in: 0 },
  };
  // The port peers reach (as bound: a requested 0 becomes the port picked).
  let ingressPort = opts.ingressPort ?? 18_789;

  async function boot(body) {
    const authKey = body?.auth_key;
    const hostname = body?.hostname;
    const tags = Array.isArray(body?.tags) ? body.tags : [];
    if (typeof authKey !== "string" || typeof hostname !== "string" || !/^[a-z0-9-]{1,63}$/.test(hostname))
      throw Object.assign(new Error("auth_key and hostname (a DNS label) are required"), { status: 400 });
    const joined = await transport.join({ authKey, hostname, tags });
    Object.assign(state, { booted: true, hostname, dnsName: joined.dnsName, addresses: joined.addresses });
    state.boots++;
    return { transport: transport.kind, hostname, dns_name: joined.dnsName, addresses: joined.addresses };
  }

  async function out(req, res) {
    let target;
    try {
      target = new URL(String(req.headers[TARGET_HEADER] ?? ""));
    } catch {
      return json(res, 400, { error: `${TARGET_HEADER}: an absolute http:// URL is required` });
    }
    if (target.protocol !== "http:") return json(res, 400, { error: `${TARGET_HEADER}: http:// only` });
    if (!state.booted) return json(res, 503, { error: "the connector has not joined the tailnet" });
    const route = transport.route(target, { dnsName: state.dnsName, ingressPort });
    const connectError = (message) =>
      json(res, 502, { error: message }, { "tailscale-connect-error": message });
    if (!route) return connectError(`no route to ${target.host} on the tailnet`);
    const body = await readBody(req);
    try {
      const answer = await exchange({
        ...route,
        method: req.method,
        headers: { ...passHeaders(req.headers), host: target.host },
        body,
      });
      state.forwarded.out++;
      res.writeHead(answer.status, passHeaders(answer.headers));
      res.end(answer.body);
    } catch (err) {
      connectError(`dial ${target.host}: ${err.message}`);
    }
  }

  const control = createServer(async (req, res) => {
    try {
      if (!sameSecret(req.headers[TOKEN_HEADER] ?? "", opts.token))
        return json(res, 401, { error: "unauthorized" });
      const path = new URL(req.url ?? "/", "http://connector").pathname;
      if (req.method === "POST" && path === "/boot") {
        return json(res, 200, await boot(JSON.parse((await readBody(req)).toString("utf8") || "{}")));
      }
      if (req.method === "GET" && path === "/status") {
        return json(res, 200, {
          booted: state.booted,
          transport: transport.kind,
          hostname: state.hostname,
          dns_name: state.dnsName,
          addresses: state.addresses,
          boots: state.boots,
          forwarded: state.forwarded,
        });
      }
      if (path === "/out") return await out(req, res);
      return json(res, 404, { error: "not found" });
    } catch (err) {
      json(res, err.status ?? 502, { error: err.message });
    }
  });

  // The tailnet's side: only our agents' A2A endpoints, relayed to the Worker.
  const ingress = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", "http://ingress");
      if (!INGRESS_PATH.test(url.pathname) || !["GET", "POST"].includes(req.method ?? ""))
        return json(res, 404, { error: "Not Found" });
      if (!state.booted) return json(res, 503, { error: "the connector has not joined the tailnet" });
      const body = await readBody(req);
      const origin = new URL(opts.workerOrigin);
      const tailnetOrigin = `http://${state.dnsName}${ingressPort === 80 ? "" : `:${ingressPort}`}`;
      const answer = await exchange({
        host: origin.hostname,
        port: Number(origin.port || 80),
        path: `${url.pathname}${url.search}`,
        method: req.method,
        headers: {
          ...passHeaders(req.headers),
          host: origin.host,
          [TOKEN_HEADER]: opts.token,
          [ORIGIN_HEADER]: tailnetOrigin,
        },
        body,
      });
      state.forwarded.in++;
      res.writeHead(answer.status, passHeaders(answer.headers));
      res.end(answer.body);
    } catch (err) {
      json(res, err.status ?? 502, { error: err.status ? err.message : "the Worker could not be reached" });
    }
  });

  const listen = (server, port, host) =>
    new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => resolve(server.address().port));
    });
  const port = await listen(control, opts.port ?? 8080, opts.controlHost ?? "127.0.0.1");
  const boundIngress = await listen(ingress, ingressPort, opts.ingressHost ?? "127.0.0.1");
  ingressPort = boundIngress;
  return {
    origin: `http://127.0.0.1:${port}`,
    ingressPort: boundIngress,
    state,
    async close() {
      transport.stop();
      await Promise.all([control, ingress].map((s) => new Promise((r) => s.close(() => r(undefined)))));
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const env = process.env;
  if (!env.CONNECTOR_TOKEN) {
    console.error("CONNECTOR_TOKEN is required");
    process.exit(2);
  }
  const connector = await startTailnetConnector({
    token: env.CONNECTOR_TOKEN,
    workerOrigin: env.WORKER_ORIGIN ?? "http://worker.clawplane.internal",
    port: Number(env.PORT ?? 8080),
    controlHost: env.CONTROL_HOST ?? "0.0.0.0",
    ingressPort: Number(env.TAILNET_INGRESS_PORT ?? 18_789),
    // tailscaled (userspace) hands tailnet connections to localhost. The double has no tailnet:
    // in its image (local e2e only) the Docker network stands in for it, so peers reach it there.
    ingressHost:
      env.TAILNET_INGRESS_HOST ?? (env.TAILNET_TRANSPORT === "loopback_double" ? "0.0.0.0" : "127.0.0.1"),
    transport: env.TAILNET_TRANSPORT === "loopback_double" ? "loopback_double" : "tailscaled",
    loopbackHosts: env.TAILNET_LOOPBACK_HOSTS,
    doubleDomain: env.TAILNET_DOUBLE_DOMAIN,
    tailscaled: env.TAILSCALED,
    tailscale: env.TAILSCALE,
  });
  console.log(
    JSON.stringify({
      msg: "tailnet connector listening",
      control: connector.origin,
      ingress: connector.ingressPort,
    }),
  );
  for (const sig of ["SIGTERM", "SIGINT"])
    process.on(sig, () => connector.close().then(() => process.exit(0)));
}
