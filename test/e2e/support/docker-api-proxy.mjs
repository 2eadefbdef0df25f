/**
 * A pass-through proxy for the Docker Engine API on a private unix socket, given to workerd as
 * WRANGLER_DOCKER_HOST, that fills in one missing field.
 *
 * Why: workerd (wrangler 4.164) reads the default bridge network's IPAM `Gateway` to place the
 * containers' egress listener. Debian's docker.io 20.10 leaves it empty unless dockerd runs
 * with `--bip` ("Default bridge (docker0) is assigned with an IP address ...; Daemon option
 * --bip can be used ..."), and workerd then fails every `ctx.container.start()` with
 * `getaddrinfo(): DNS lookup failed. host = ;` before creating a container. The proper fix is
 * `dockerd --bip 172.17.0.1/16` in local-containers/setup.sh; until then this proxy answers
 * `GET /networks/bridge` with the docker0 address as the gateway. Every other request, streamed
 * responses and connection upgrades (attach) included, passes through unchanged.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, request as httpRequest } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const BRIDGE_INSPECT = /^\/(v[\d.]+\/)?networks\/bridge(\?|$)/;

/**
 * @param {{ upstreamSocket: string, listenSocket: string, gateway: string }} options
 * @returns {Promise<{ url: string, patched: () => number, close: () => Promise<void> }>}
 */
export function startDockerApiProxy({ upstreamSocket, listenSocket, gateway }) {
  let patched = 0;
  const server = createServer((req, res) => {
    if (process.env.CLAWPLANE_E2E_DEBUG) console.error(`[docker-api-proxy] ${req.method} ${req.url}`);
    const upstream = httpRequest(
      { socketPath: upstreamSocket, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        if (req.method === "GET" && BRIDGE_INSPECT.test(req.url ?? "") && up.statusCode === 200) {
          const chunks = [];
          up.on("data", (c) => chunks.push(c));
          up.on("end", () => {
            const network = JSON.parse(Buffer.concat(chunks).toString("utf8"));
            for (const cfg of network.IPAM?.Config ?? []) {
              if (!cfg.Gateway && cfg.Subnet && !cfg.Subnet.includes(":")) {
                cfg.Gateway = gateway;
                patched += 1;
              }
            }
            const body = JSON.stringify(network);
            const headers = { ...up.headers, "content-length": Buffer.byteLength(body) };
            delete headers["transfer-encoding"];
            res.writeHead(200, headers);
            res.end(body);
          });
          return;
        }
        res.writeHead(up.statusCode ?? 502, up.rawHeaders);
        up.pipe(res);
      },
    );
    upstream.on("error", (e) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
      res.end(`docker api proxy: ${e.message}`);
    });
    req.pipe(upstream);
  });
  // Hijacked connections (`Upgrade: tcp` for attach/exec): raw bytes both ways.
  server.on("upgrade", (req, socket, head) => {
    const up = connect(upstreamSocket, () => {
      const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
      for (let i = 0; i < req.rawHeaders.length; i += 2)
        lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      up.write(`${lines.join("\r\n")}\r\n\r\n`);
      if (head?.length) up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    up.on("error", () => socket.destroy());
    socket.on("error", () => up.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(listenSocket, () =>
      resolve({
        url: `unix://${listenSocket}`,
        patched: () => patched,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections?.();
            server.close(() => done());
          }),
      }),
    );
  });
}

/** Whether the engine's default bridge lacks the IPAM gateway workerd needs. */
export async function bridgeGatewayMissing(upstreamSocket) {
  const body = await new Promise((resolve, reject) => {
    const req = httpRequest({ socketPath: upstreamSocket, path: "/networks/bridge" }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    });
    req.on("error", reject);
    req.end();
  });
  const network = JSON.parse(body);
  return (network.IPAM?.Config ?? []).some((c) => c.Subnet && !c.Subnet.includes(":") && !c.Gateway);
}

/**
 * The Docker host to give workerd: the engine's own socket when its bridge has a gateway,
 * else a proxy (in a fresh temp dir) that fills it in. `close` stops the proxy and removes it.
 * @param {{ gateway: string, dockerHost?: string }} options
 */
export async function workerdDockerHost({ gateway, dockerHost }) {
  const host = dockerHost || process.env.WRANGLER_DOCKER_HOST || "unix:///var/run/docker.sock";
  const upstreamSocket = host.replace(/^unix:\/\//, "");
  if (!(await bridgeGatewayMissing(upstreamSocket))) {
    return { url: host, proxied: false, patched: () => 0, close: async () => {} };
  }
  const dir = mkdtempSync(join(tmpdir(), "clawplane-e2e-docker-"));
  const proxy = await startDockerApiProxy({
    upstreamSocket,
    listenSocket: join(dir, "docker.sock"),
    gateway,
  });
  return {
    url: proxy.url,
    proxied: true,
    patched: proxy.patched,
    close: async () => {
      await proxy.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
