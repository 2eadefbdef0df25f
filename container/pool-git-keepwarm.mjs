// Keeps an idle pool member's OpenClaw git worker thread running, so a claimed session's first
// turn finds it started. See the README ("Where a warm start goes").
//
// Why: OpenClaw (2026.9.6) runs `checkout.baseline` on the first turn of every session an
// operator client creates (`reply.capture_session_diff_baseline`, 0.4–0.7 s on a claimed
// runtime's first turn). Most of it is starting the git worker thread of the "content" family,
// which exits after 30 s idle. Nothing in OpenClaw starts it ahead of a session, and the admin
// HTTP RPC refuses the one method that runs the same family (`sessions.diff` → `checkout.diff`),
// so an idle member holds one operator WebSocket and asks `sessions.diff` for the pool's own
// warm-up session (data-free; its workspace is the member's empty one) every 20 s. The pool stops
// it at the claim, before anything of the session reaches the member.
//
// The connection speaks OpenClaw's control protocol v4 with its own Ed25519 device (a pool-only
// identity, never stored, with `operator.read` only), paired through the admin RPC with the
// member's pool-only token if the gateway asks for it, as src/runtime/openclaw/{gateway-client,
// admin-rpc}.ts do for a session. Connecting over loopback, it is let in without a pairing record
// (checked: `device.pair.list` stays empty while it is connected, and removing it is refused), so
// the claimed session's gateway lists no device of the pool's.

import { createHash, generateKeyPairSync, randomUUID, sign } from "node:crypto";

/** Node 24's WebSocket in the container; the `ws` package under the local supervisor's Node. */
const WebSocketClass = globalThis.WebSocket ?? (await import("ws")).default;

/** Below OpenClaw's worker idle timeout (30 s), with room for a slow ping on a loaded machine. */
export const GIT_KEEPWARM_INTERVAL_MS = 20_000;
/** How soon to ask again while the warm-up session does not exist yet. */
const UNKNOWN_SESSION_RETRY_MS = 1_000;
const PROTOCOL_VERSION = 4; // src/runtime/openclaw/protocol.ts
const SCOPES = ["operator.read"];
const CLIENT = { id: "gateway-client", version: "0.1.0", platform: "linux", mode: "backend" };
const REQUEST_TIMEOUT_MS = 15_000;

/**
 * Starts keeping the member's git worker warm. Resolves once the first `sessions.diff` answered
 * (the worker is running if the warm-up session existed; `pings` counts the calls that ran git);
 * rejects when the connection or that first call failed.
 * @param {{ origin: string, token: string, sessionKey: string, intervalMs?: number, log?: (line: string) => void }} options
 * @returns {Promise<{ stop(): void, readonly pings: number, readonly stopped: boolean }>}
 */
export async function startGitKeepWarm(options) {
  const identity = deviceIdentity();
  let link = await connect(options, identity).catch(async (error) => {
    if (!error.pairingRequestId) throw error;
    await adminRpc(options, "device.pair.approve", { requestId: error.pairingRequestId });
    return connect(options, identity);
  });
  const state = { pings: 0, stopped: false, timer: undefined };
  // `unknown_session` runs no git: the warm-up turn has not created its session yet (a container
  // starts this at boot, before its pool member object runs the warm-up turn).
  const ping = async () => {
    const diff = await link.request("sessions.diff", { sessionKey: options.sessionKey });
    const known = diff?.unavailableReason !== "unknown_session";
    if (known) state.pings += 1;
    return known;
  };
  let known;
  try {
    known = await ping();
  } catch (error) {
    link.close();
    throw error;
  }
  const schedule = (delayMs) => {
    state.timer = setTimeout(async () => {
      let again = false;
      try {
        if (link.closed) link = await connect(options, identity);
        // Stopped while reconnecting: the claim may already be applying; this link must not stay.
        if (state.stopped) return link.close();
        again = !(await ping());
      } catch (error) {
        options.log?.(`git keep-warm ping failed: ${error?.message ?? error}`);
      }
      if (!state.stopped) schedule(again ? UNKNOWN_SESSION_RETRY_MS : interval);
    }, delayMs);
    state.timer.unref?.();
  };
  const interval = options.intervalMs ?? GIT_KEEPWARM_INTERVAL_MS;
  schedule(known ? interval : UNKNOWN_SESSION_RETRY_MS);
  return {
    /** Closes the connection; a loopback operator leaves no pairing record to remove (OpenClaw
     * refuses `device.pair.remove` for its device id: "unknown deviceId"). */
    stop() {
      state.stopped = true;
      clearTimeout(state.timer);
      link.close();
    },
    get pings() {
      return state.pings;
    },
    get stopped() {
      return state.stopped && link.closed;
    },
  };
}

function deviceIdentity() {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  // The raw 32-byte key is the tail of the SPKI encoding.
  const raw = publicKey.export({ format: "der", type: "spki" }).subarray(-32);
  return {
    deviceId: createHash("sha256").update(raw).digest("hex"),
    publicKey: raw.toString("base64url"),
    privateKey,
  };
}

/** Opens one operator connection: challenge, signed `connect`, then requests by id. */
function connect(options, identity) {
  const url = `${options.origin.replace(/^http/, "ws")}/`;
  return new Promise((resolve, reject) => {
    const socket = new WebSocketClass(url);
    const pending = new Map();
    const link = {
      closed: false,
      request(method, params) {
        if (link.closed) return Promise.reject(new Error("the keep-warm connection is closed"));
        const id = randomUUID();
        return new Promise((res, rej) => {
          const timer = setTimeout(() => {
            pending.delete(id);
            rej(new Error(`${method} timed out`));
          }, REQUEST_TIMEOUT_MS);
          pending.set(id, { res, rej, timer, method });
          socket.send(JSON.stringify({ type: "req", id, method, params }));
        });
      },
      close() {
        link.closed = true;
        socket.close();
      },
    };
    socket.addEventListener("message", (event) => {
      let frame;
      try {
        frame = JSON.parse(String(event.data));
      } catch {
        return;
      }
      if (frame.type === "event" && frame.event === "connect.challenge") {
        const { nonce, ts } = frame.payload ?? {};
        // v3 payload, as buildConnectPayloadV3 in src/runtime/openclaw/device-identity.ts.
        const signed = [
          "v3",
          identity.deviceId,
          CLIENT.id,
          CLIENT.mode,
          "operator",
          SCOPES.join(","),
          String(ts),
        ];
        signed.push(options.token, nonce, CLIENT.platform, "");
        const signature = sign(null, Buffer.from(signed.join("|")), identity.privateKey).toString(
          "base64url",
        );
        link
          .request("connect", {
            minProtocol: PROTOCOL_VERSION,
            maxProtocol: PROTOCOL_VERSION,
            client: CLIENT,
            role: "operator",
            scopes: SCOPES,
            caps: [],
            auth: { token: options.token },
            device: { id: identity.deviceId, publicKey: identity.publicKey, signature, signedAt: ts, nonce },
          })
          .then(
            () => resolve(link),
            (error) => {
              link.close();
              reject(error);
            },
          );
        return;
      }
      if (frame.type !== "res") return;
      const entry = pending.get(frame.id);
      if (!entry) return;
      pending.delete(frame.id);
      clearTimeout(entry.timer);
      if (frame.ok) return entry.res(frame.payload);
      const error = new Error(`${entry.method} failed: ${frame.error?.code}: ${frame.error?.message}`);
      const details = frame.error?.details ?? {};
      if (frame.error?.code === "NOT_PAIRED" || details.code === "PAIRING_REQUIRED") {
        error.pairingRequestId = details.requestId ? String(details.requestId) : undefined;
      }
      entry.rej(error);
    });
    const fail = (error) => {
      link.closed = true;
      for (const entry of pending.values()) {
        clearTimeout(entry.timer);
        entry.rej(error);
      }
      pending.clear();
      reject(error);
    };
    socket.addEventListener("error", () => fail(new Error("the keep-warm connection failed")));
    socket.addEventListener("close", () => fail(new Error("the keep-warm connection closed")));
  });
}

/** One admin HTTP RPC call with the member's pool-only token (src/runtime/openclaw/admin-rpc.ts). */
async function adminRpc(options, method, params) {
  const res = await fetch(`${options.origin}/api/v1/admin/rpc`, {
    method: "POST",
    headers: { authorization: `Bearer ${options.token}`, "content-type": "application/json" },
    body: JSON.stringify({ method, params }),
  });
  const body = await res.json().catch(() => undefined);
  if (!res.ok || body?.ok !== true) throw new Error(`admin rpc ${method} failed (HTTP ${res.status})`);
  return body.payload;
}
