#!/usr/bin/env node
// A small, faithful MCP server speaking the Streamable HTTP transport (MCP 2025-03-26 /
// 2025-06-18): the project's one double of a third-party MCP server.
//
//   POST <path>   JSON-RPC request or notification. `initialize` opens a session (the
//                 `Mcp-Session-Id` response header); later requests must carry it. Requests
//                 are answered with `application/json`, except `tools/call`, which answers
//                 with a `text/event-stream` (progress notifications, then the result) when
//                 the client accepts it. Notifications get 202 with no body.
//   GET  <path>   405: this server offers no server-initiated stream (allowed by the spec).
//   DELETE <path> ends the session.
//
// Tools: `echo {text}` → "echo: <text>"; `gated {label}` streams one progress notification at
// once and holds the result until `POST /__release` (so a test can prove a proxy streams).
//
// Test hooks: every MCP request is recorded with its headers (`requests`, `GET /__requests`,
// `DELETE /__requests`). With a required token (`requiredToken`, `POST /__token {token}`), a
// request without `Authorization: Bearer <token>` gets 401 (and is still recorded).
//
// OAuth: `POST /oauth/token` is a refresh-token grant endpoint (RFC 6749 §6). Configure the
// exchange with `POST /__oauth {refresh_token, access_token, expires_in}`: a matching refresh
// token gets the access token, which also becomes the required token. Token requests are
// recorded in `GET /__oauth/requests` (form fields and whether client auth was sent).
//
// Library: `const mcp = await startMcpServer({ path: "/mcp" })` → `mcp.url`.
// CLI: `node test/support/mcp-server.mjs --port 9200 [--token T]`.

import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { pathToFileURL } from "node:url";

const PROTOCOL_VERSIONS = ["2025-06-18", "2025-03-26", "2024-11-05"];
const SERVER_INFO = { name: "clawplane-mcp-double", version: "1.0.0" };
const TOOLS = [
  {
    name: "echo",
    description: "Echoes the given text back, prefixed with 'echo: '.",
    inputSchema: {
      type: "object",
      properties: { text: { type: "string", description: "Text to echo" } },
      required: ["text"],
    },
  },
  {
    name: "gated",
    description: "Reports progress at once, then finishes when the test releases it.",
    inputSchema: { type: "object", properties: { label: { type: "string" } } },
  },
];
/** Headers kept in each recorded request (lower-case). */
const RECORDED_HEADERS = [
  "authorization",
  "accept",
  "content-type",
  "mcp-session-id",
  "mcp-protocol-version",
];

/**
 * Starts the server on 127.0.0.1.
 * @param {{ port?: number, host?: string, path?: string, requiredToken?: string }} [options]
 */
export async function startMcpServer(options = {}) {
  const host = options.host ?? "127.0.0.1";
  const mcpPath = options.path ?? "/mcp";
  let requiredToken = options.requiredToken;
  /** @type {Array<{ seq: number, method: string, path: string, headers: Record<string, string>, rpc: any }>} */
  const requests = [];
  const sessions = new Set();
  /** Resolvers of `gated` calls waiting for `/__release`. */
  const gates = [];
  let seq = 0;
  /** @type {{ refresh_token: string, access_token: string, expires_in?: number } | undefined} */
  let oauth;
  /** @type {Array<{ form: Record<string, string>, basicAuth: boolean }>} */
  const tokenRequests = [];

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      if (!res.headersSent) sendJson(res, 500, { error: String(error?.message ?? error) });
      else res.end();
    });
  });

  async function handle(req, res) {
    const url = new URL(req.url ?? "/", "http://x");
    const text = await readText(req);
    if (url.pathname === "/__requests" && req.method === "GET") return sendJson(res, 200, requests);
    if (url.pathname === "/__requests" && req.method === "DELETE") {
      requests.length = 0;
      return sendJson(res, 200, { ok: true });
    }
    if (url.pathname === "/__token" && req.method === "POST") {
      requiredToken = JSON.parse(text || "{}").token ?? undefined;
      return sendJson(res, 200, { ok: true });
    }
    if (url.pathname === "/__oauth" && req.method === "POST") {
      oauth = JSON.parse(text || "{}");
      tokenRequests.length = 0;
      return sendJson(res, 200, { ok: true });
    }
    if (url.pathname === "/__oauth/requests" && req.method === "GET")
      return sendJson(res, 200, tokenRequests);
    if (url.pathname === "/oauth/token" && req.method === "POST") {
      const form = Object.fromEntries(new URLSearchParams(text));
      tokenRequests.push({ form, basicAuth: String(req.headers.authorization ?? "").startsWith("Basic ") });
      if (!oauth || form.grant_type !== "refresh_token" || form.refresh_token !== oauth.refresh_token) {
        return sendJson(res, 400, { error: "invalid_grant" });
      }
      requiredToken = oauth.access_token;
      return sendJson(res, 200, {
        access_token: oauth.access_token,
        token_type: "Bearer",
        expires_in: oauth.expires_in ?? 3600,
      });
    }
    if (url.pathname === "/__release" && req.method === "POST") {
      const released = gates.splice(0);
      for (const release of released) release();
      return sendJson(res, 200, { released: released.length });
    }
    if (url.pathname !== mcpPath) return sendJson(res, 404, { error: `no route for ${url.pathname}` });

    let rpc;
    try {
      rpc = text ? JSON.parse(text) : undefined;
    } catch {
      return sendJson(res, 400, rpcError(null, -32700, "parse error"));
    }
    const headers = Object.fromEntries(
      RECORDED_HEADERS.filter((name) => req.headers[name] !== undefined).map((name) => [
        name,
        String(req.headers[name]),
      ]),
    );
    requests.push({
      seq: ++seq,
      method: req.method ?? "",
      path: `${url.pathname}${url.search}`,
      headers,
      rpc,
    });

    if (requiredToken !== undefined && req.headers.authorization !== `Bearer ${requiredToken}`) {
      res.writeHead(401, { "content-type": "application/json", "www-authenticate": "Bearer" });
      return res.end(JSON.stringify({ error: "invalid_token" }));
    }
    if (req.method === "GET") {
      res.writeHead(405, { allow: "POST, DELETE" });
      return res.end();
    }
    const sessionId = req.headers["mcp-session-id"];
    if (req.method === "DELETE") {
      sessions.delete(sessionId);
      res.writeHead(200);
      return res.end();
    }
    if (req.method !== "POST") {
      res.writeHead(405, { allow: "GET, POST, DELETE" });
      return res.end();
    }
    if (!rpc || typeof rpc !== "object" || Array.isArray(rpc) || rpc.jsonrpc !== "2.0") {
      return sendJson(res, 400, rpcError(rpc?.id ?? null, -32600, "invalid request"));
    }
    if (rpc.method === "initialize") {
      const id = randomUUID();
      sessions.add(id);
      const asked = rpc.params?.protocolVersion;
      const protocolVersion = PROTOCOL_VERSIONS.includes(asked) ? asked : PROTOCOL_VERSIONS[0];
      return sendJson(
        res,
        200,
        {
          jsonrpc: "2.0",
          id: rpc.id,
          result: {
            protocolVersion,
            capabilities: { tools: { listChanged: false } },
            serverInfo: SERVER_INFO,
          },
        },
        { "mcp-session-id": id },
      );
    }
    if (typeof sessionId !== "string" || !sessions.has(sessionId)) {
      // The spec: a request with an unknown (or missing) session id after initialize gets 404.
      return sendJson(res, 404, rpcError(rpc.id ?? null, -32001, "session not found"));
    }
    if (rpc.id === undefined) {
      res.writeHead(202);
      return res.end();
    }
    if (rpc.method === "ping") return sendJson(res, 200, { jsonrpc: "2.0", id: rpc.id, result: {} });
    if (rpc.method === "tools/list") {
      return sendJson(res, 200, { jsonrpc: "2.0", id: rpc.id, result: { tools: TOOLS } });
    }
    if (rpc.method === "tools/call") return callTool(req, res, rpc);
    return sendJson(res, 200, rpcError(rpc.id, -32601, `method not found: ${rpc.method}`));
  }

  async function callTool(req, res, rpc) {
    const { name, arguments: args = {} } = rpc.params ?? {};
    const tool = TOOLS.find((t) => t.name === name);
    if (!tool) return sendJson(res, 200, rpcError(rpc.id, -32602, `unknown tool: ${name}`));
    const text =
      name === "echo" ? `echo: ${String(args.text ?? "")}` : `released: ${String(args.label ?? "")}`;
    const result = {
      jsonrpc: "2.0",
      id: rpc.id,
      result: { content: [{ type: "text", text }], isError: false },
    };
    const streams = String(req.headers.accept ?? "").includes("text/event-stream");
    if (!streams) {
      if (name === "gated") await new Promise((resolve) => gates.push(resolve));
      return sendJson(res, 200, result);
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const token = rpc.params?._meta?.progressToken ?? `progress-${rpc.id}`;
    const progress = {
      jsonrpc: "2.0",
      method: "notifications/progress",
      params: { progressToken: token, progress: 1, total: 2, message: `started ${name}` },
    };
    res.write(`event: message\ndata: ${JSON.stringify(progress)}\n\n`);
    if (name === "gated") await new Promise((resolve) => gates.push(resolve));
    res.end(`event: message\ndata: ${JSON.stringify(result)}\n\n`);
  }

  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, resolve);
  });
  const { port } = /** @type {import("node:net").AddressInfo} */ (server.address());
  const origin = `http://${host}:${port}`;
  return {
    url: `${origin}${mcpPath}`,
    origin,
    port,
    requests,
    /** Number of `gated` calls waiting for release. */
    pendingGates: () => gates.length,
    setRequiredToken(token) {
      requiredToken = token;
    },
    close: () =>
      new Promise((resolve) => {
        for (const release of gates.splice(0)) release();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function rpcError(id, code, message) {
  return { jsonrpc: "2.0", id, error: { code, message } };
}

function sendJson(res, status, value, headers = {}) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(value));
}

async function readText(req) {
  const parts = [];
  for await (const part of req) parts.push(part);
  return Buffer.concat(parts).toString("utf8");
}

// CLI: node test/support/mcp-server.mjs [--port N] [--host H] [--token T]
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const arg = (name) => {
    const i = process.argv.indexOf(name);
    return i === -1 ? undefined : process.argv[i + 1];
  };
  const server = await startMcpServer({
    port: Number(arg("--port") ?? 0),
    host: arg("--host"),
    requiredToken: arg("--token"),
  });
  process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
}
