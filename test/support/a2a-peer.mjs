// A double of a remote OpenClaw gateway's A2A channel (`channels.a2a`, openclaw 2026.9.6), for
// the workerd tests, which cannot start a real gateway. Faithful to what two real gateways did
// when we ran them (README "Tailnet peers", reference connectors.md §4.3):
//
// - `GET /.well-known/agent-card.json` (and `/agent.json`): public, no `securitySchemes`, one
//   JSONRPC interface with protocolVersion "1.0", streaming false.
// - `POST /a2a/v1` with `Authorization: Bearer <peer token>` (anything else: HTTP 401):
//   JSON-RPC 2.0 `SendMessage` / `message/send` → `result.task` COMPLETED with one artifact
//   (blocking) or WORKING (`configuration.returnImmediately`), `GetTask` / `tasks/get` → the bare
//   Task; -32601 unknown method, -32004 unsupported, -32001 unknown task, -32602 bad params,
//   -32000 past `rateLimitPerMinute` (GetTask counts), -32700 parse. Text starting "/" → REJECTED.
//
// The "agent" answers `reply(text, contextId, peer)` (default: `peer-b heard: <text>`), so tests
// see their message come back. Every request is recorded in `requests` (headers included).
//
//   const peer = await startA2aPeer({ tokens: { clawplane: "tok" } }); ... await peer.close();

import { randomUUID } from "node:crypto";
import { createServer } from "node:http";

/**
 * @param {{ port?: number, name?: string, tokens: Record<string, string>, rateLimitPerMinute?: number,
 *   reply?: (text: string, contextId: string, peer: string) => string, delayMs?: number }} options
 */
export async function startA2aPeer(options) {
  const name = options.name ?? "peer-b";
  const reply = options.reply ?? ((text) => `${name} heard: ${text}`);
  const tasks = new Map();
  const hits = new Map(); // peer → request times in the last minute
  const requests = [];
  let origin = "";

  const card = () => ({
    name,
    description: `OpenClaw gateway ${name}`,
    supportedInterfaces: [{ url: `${origin}/a2a/v1`, protocolBinding: "JSONRPC", protocolVersion: "1.0" }],
    version: "2026.9.6",
    capabilities: { streaming: false, pushNotifications: false },
    defaultInputModes: ["text/plain"],
    defaultOutputModes: ["text/plain"],
    skills: [{ id: "main", name: "main", description: "main agent", tags: [] }],
  });

  function peerOf(req) {
    const auth = req.headers.authorization ?? "";
    const token = auth.startsWith("Bearer ") ? auth.slice(7) : "";
    return Object.entries(options.tokens).find(([, t]) => t === token)?.[0] ?? null;
  }

  function limited(peer) {
    const limit = options.rateLimitPerMinute ?? 30;
    if (limit === 0) return false;
    const now = Date.now();
    const recent = (hits.get(peer) ?? []).filter((t) => now - t < 60_000);
    recent.push(now);
    hits.set(peer, recent);
    return recent.length > limit;
  }

  async function handle(peer, call) {
    const { id = null, method, params } = call ?? {};
    const error = (code, message) => ({ jsonrpc: "2.0", id, error: { code, message } });
    if (limited(peer)) return error(-32000, "Rate limit exceeded");
    if (method === "SendMessage" || method === "message/send") {
      const m = params?.message;
      const text = Array.isArray(m?.parts)
        ? m.parts
            .map((p) => p.text ?? "")
            .filter(Boolean)
            .join("\n")
        : "";
      if (!m || typeof m.messageId !== "string" || !text) return error(-32602, "Invalid params");
      const contextId = typeof m.contextId === "string" ? m.contextId : `ctx-${randomUUID()}`;
      const task = {
        id: randomUUID(),
        contextId,
        status: { state: "TASK_STATE_WORKING" },
        artifacts: [],
        history: [],
        peer,
      };
      tasks.set(task.id, task);
      const finish = () => {
        if (text.startsWith("/")) task.status = { state: "TASK_STATE_REJECTED" };
        else {
          task.status = { state: "TASK_STATE_COMPLETED" };
          task.artifacts = [{ artifactId: randomUUID(), parts: [{ text: reply(text, contextId, peer) }] }];
        }
      };
      const { peer: _owner, ...wire } = task;
      if (params?.configuration?.returnImmediately) {
        setTimeout(finish, options.delayMs ?? 0);
        return { jsonrpc: "2.0", id, result: { task: { ...wire } } };
      }
      if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
      finish();
      const { peer: _p, ...done } = task;
      return { jsonrpc: "2.0", id, result: { task: done } };
    }
    if (method === "GetTask" || method === "tasks/get") {
      const task = tasks.get(params?.id);
      if (!task || task.peer !== peer) return error(-32001, "Task not found");
      const { peer: _p, ...wire } = task;
      return { jsonrpc: "2.0", id, result: wire };
    }
    if (["CancelTask", "ListTasks", "SendStreamingMessage", "SubscribeToTask"].includes(method)) {
      return error(-32004, "Unsupported operation");
    }
    return error(-32601, "Method not found");
  }

  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks).toString("utf8");
    requests.push({ method: req.method, url: req.url, headers: req.headers, body });
    const json = (status, value) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    };
    if (
      req.method === "GET" &&
      (req.url === "/.well-known/agent-card.json" || req.url === "/.well-known/agent.json")
    ) {
      return json(200, card());
    }
    if (req.method === "POST" && req.url === "/a2a/v1") {
      const peer = peerOf(req);
      if (!peer) return json(401, { error: "Unauthorized" });
      let call;
      try {
        call = JSON.parse(body);
      } catch {
        return json(200, { jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error" } });
      }
      return json(200, await handle(peer, call));
    }
    json(404, { error: "Not Found" });
  });
  await new Promise((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    port: server.address().port,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
