/**
 * OpenClaw's admin HTTP RPC (`POST /api/v1/admin/rpc`, enabled by the `admin-http-rpc`
 * plugin in container/openclaw.json5) and the pairing step built on it.
 *
 * A new device identity connecting from outside loopback is refused with NOT_PAIRED and a
 * pending pairing request. The SessionDO holds the gateway's bearer token, which is a full
 * operator over HTTP, so it approves its own device with `device.pair.approve` and
 * reconnects — no human in the loop, and no loopback relay inside the container.
 */

import type { GatewayClient } from "./gateway-client";
import { PairingRequiredError } from "./gateway-errors";
import type { GatewayErrorShape, HelloOk } from "./protocol";

/** `fetch`-compatible function: global fetch, a container port's Fetcher, or a test double. */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** Path of the admin RPC endpoint on the gateway's single port. */
export const ADMIN_RPC_PATH = "/api/v1/admin/rpc";

/** A failed admin RPC: HTTP error, or `{ ok: false, error }` in the body. */
export class AdminRpcError extends Error {
  constructor(
    readonly method: string,
    readonly status: number,
    readonly error: GatewayErrorShape | undefined,
  ) {
    super(`admin rpc ${method} failed (HTTP ${status})${error ? `: ${error.code}: ${error.message}` : ""}`);
    this.name = "AdminRpcError";
  }
}

/**
 * Calls one allowlisted admin method (health, config.*, device.pair.*, …; not chat.*).
 * @param origin gateway origin, e.g. `http://127.0.0.1:18789` (any host when `fetchFn` routes by port)
 */
export async function adminRpc<T = unknown>(
  fetchFn: FetchLike,
  origin: string,
  token: string,
  method: string,
  params: unknown = {},
): Promise<T> {
  const response = await fetchFn(new URL(ADMIN_RPC_PATH, origin).toString(), {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ method, params }),
  });
  const text = await response.text();
  let body: { ok?: boolean; payload?: unknown; error?: GatewayErrorShape } | undefined;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!response.ok || body?.ok !== true) throw new AdminRpcError(method, response.status, body?.error);
  return body.payload as T;
}

/** What `device.pair.approve` returns (fields Clawplane reads). */
export interface PairingApproval {
  requestId: string;
  device: { deviceId: string; role: string; scopes: string[]; remoteIp?: string; approvedAtMs?: number };
}

/** Approves a pending device pairing request (the `requestId` from a NOT_PAIRED connect). */
export function approvePairing(
  fetchFn: FetchLike,
  origin: string,
  token: string,
  requestId: string,
): Promise<PairingApproval> {
  return adminRpc<PairingApproval>(fetchFn, origin, token, "device.pair.approve", { requestId });
}

/** Result of {@link connectWithPairing}. */
export interface PairedConnection {
  hello: HelloOk;
  /** The pairing request approved on the way, if the device was not yet paired. */
  approvedRequestId?: string;
}

/**
 * Connects `client`; if the gateway answers NOT_PAIRED, approves that request over the admin
 * RPC and connects once more. A second refusal is thrown as is (e.g. a scope upgrade that
 * needs another approval is not retried in a loop).
 */
export async function connectWithPairing(
  client: GatewayClient,
  admin: { fetch: FetchLike; origin: string; token: string },
): Promise<PairedConnection> {
  try {
    return { hello: await client.connect() };
  } catch (error) {
    if (!(error instanceof PairingRequiredError) || !error.requestId) throw error;
    await approvePairing(admin.fetch, admin.origin, admin.token, error.requestId);
    return { hello: await client.connect(), approvedRequestId: error.requestId };
  }
}
