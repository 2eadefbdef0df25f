// The HTTP server the chat platform doubles (telegram-double.mjs, slack-double.mjs,
// whatsapp-double.mjs) share: every API call is recorded per account (bot token, phone number
// id), and faults can be injected per account and method. Control endpoints, for tests in
// workerd that cannot reach the Node objects:
//   GET  /__calls?account=…            → recorded calls [{ method, params, at }]
//   POST /__fail { account, method, status, times, retryAfter } → the next `times` calls answer `status`
//   POST /__accounts { account, ... }   → registers an account (what the platform knows about it)

import { createServer } from "node:http";

/**
 * @param {{ route: (ctx: { method: string, path: string, url: URL, headers: import("node:http").IncomingHttpHeaders,
 *   body: any, raw: string, state: DoubleState }) => { status: number, json: unknown, headers?: Record<string,string> } | undefined,
 *   faultBody: (status: number, retryAfter: number | undefined) => unknown,
 *   accountOf: (path: string, headers: import("node:http").IncomingHttpHeaders) => { account: string, method: string } | undefined }} spec
 */
export async function startDoubleServer(spec) {
  /** @type {DoubleState} */
  const state = { calls: new Map(), faults: [], accounts: new Map(), seq: 0 };
  const server = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk) => {
      raw += chunk;
    });
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://double");
      let body = null;
      try {
        body = raw ? JSON.parse(raw) : null;
      } catch {
        body = Object.fromEntries(new URLSearchParams(raw));
      }
      const send = (status, json, headers = {}) => {
        res.writeHead(status, { "content-type": "application/json", ...headers });
        res.end(JSON.stringify(json));
      };
      if (url.pathname === "/__calls")
        return send(200, state.calls.get(url.searchParams.get("account") ?? "") ?? []);
      if (url.pathname === "/__fail") {
        state.faults.push({ ...body, times: body.times ?? 1 });
        return send(200, { ok: true });
      }
      if (url.pathname === "/__accounts") {
        state.accounts.set(body.account, body);
        return send(200, { ok: true });
      }
      const target = spec.accountOf(url.pathname, req.headers);
      if (target) {
        const list = state.calls.get(target.account) ?? [];
        state.calls.set(target.account, list);
        const fault = state.faults.find(
          (f) => f.account === target.account && f.method === target.method && f.times > 0,
        );
        list.push({
          method: target.method,
          params: body,
          at: Date.now(),
          answered: fault ? fault.status : 200,
        });
        if (fault) {
          fault.times -= 1;
          const headers = fault.retryAfter ? { "retry-after": String(fault.retryAfter) } : {};
          return send(fault.status, spec.faultBody(fault.status, fault.retryAfter), headers);
        }
      }
      const out = spec.route({
        method: req.method ?? "GET",
        path: url.pathname,
        url,
        headers: req.headers,
        body,
        raw,
        state,
        target,
      });
      if (!out) return send(404, { ok: false, error_code: 404, description: "Not Found" });
      if (target) state.calls.get(target.account).at(-1).answered = out.status;
      send(out.status, out.json, out.headers);
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = /** @type {import("node:net").AddressInfo} */ (server.address());
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    state,
    /** Calls recorded for an account, optionally of one method. */
    calls: (account, method) =>
      (state.calls.get(account) ?? []).filter((c) => !method || c.method === method),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** @typedef {{ calls: Map<string, any[]>, faults: any[], accounts: Map<string, any>, seq: number }} DoubleState */
