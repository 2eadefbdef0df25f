// A double of the two Tailscale API calls the tailnet connector's key minting makes (docs
// kb/1215; Go client client/tailscale/keys.go), for tests (Tailscale cannot run here):
//
//   POST /api/v2/oauth/token       form client_id, client_secret (client credentials)
//        → {access_token, expires_in: 3600, token_type: "Bearer"}; unknown client → 401
//   POST /api/v2/tailnet/-/keys    Bearer access token, {capabilities:{devices:{create:
//        {reusable, ephemeral, preauthorized, tags}}}, expirySeconds, description}
//        → {id, key: "tskey-auth-…", created, expires, capabilities}; a tag the client does
//        not own → 400 "requested tags [...] are invalid or not permitted"; bad token → 401
//
// `minted` records every key created (with the capabilities asked for).

import { randomBytes } from "node:crypto";
import { createServer } from "node:http";

/** @param {{ clients: Record<string, { secret: string, tags: string[] }>, port?: number }} options */
export async function startTailscaleApi(options) {
  const tokens = new Map(); // access token → client id
  const minted = [];
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks).toString("utf8");
    const json = (status, value) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    };
    if (req.method === "POST" && req.url === "/api/v2/oauth/token") {
      const form = new URLSearchParams(body);
      const client = options.clients[form.get("client_id") ?? ""];
      if (!client || client.secret !== form.get("client_secret"))
        return json(401, { message: "invalid client" });
      const token = `tskey-access-${randomBytes(12).toString("hex")}`;
      tokens.set(token, form.get("client_id"));
      return json(200, { access_token: token, expires_in: 3600, token_type: "Bearer" });
    }
    if (req.method === "POST" && req.url === "/api/v2/tailnet/-/keys") {
      const clientId = tokens.get((req.headers.authorization ?? "").replace(/^Bearer /, ""));
      if (!clientId) return json(401, { message: "API token invalid" });
      let parsed;
      try {
        parsed = JSON.parse(body);
      } catch {
        return json(400, { message: "invalid JSON" });
      }
      const create = parsed?.capabilities?.devices?.create ?? {};
      const tags = create.tags ?? [];
      const owned = options.clients[clientId].tags;
      if (tags.length === 0 || tags.some((t) => !owned.includes(t))) {
        return json(400, { message: `requested tags [${tags.join(" ")}] are invalid or not permitted` });
      }
      const now = new Date();
      const key = {
        id: `k${randomBytes(6).toString("hex")}CNTRL`,
        key: `tskey-auth-k${randomBytes(6).toString("hex")}CNTRL-${randomBytes(16).toString("hex")}`,
        created: now.toISOString(),
        expires: new Date(now.getTime() + (parsed.expirySeconds ?? 7_776_000) * 1000).toISOString(),
        capabilities: parsed.capabilities,
      };
      minted.push({ clientId, ...key, description: parsed.description });
      return json(200, key);
    }
    json(404, { message: "not found" });
  });
  await new Promise((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    minted,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
