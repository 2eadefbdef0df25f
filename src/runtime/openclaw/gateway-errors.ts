/**
 * Typed failures of the OpenClaw gateway client, so callers branch on classes instead of
 * parsing messages: a pairing to approve, a startup to wait out, a closed socket, a timeout.
 */

import {
  GatewayErrorCodes,
  type GatewayErrorShape,
  PAIRING_REQUIRED_DETAIL,
  STARTUP_SIDECARS_REASON,
} from "./protocol";

/** The gateway answered a request with `ok: false`. */
export class GatewayRequestError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(
    readonly method: string,
    error: GatewayErrorShape,
  ) {
    super(`${method} failed: ${error.code}: ${error.message}`);
    this.name = "GatewayRequestError";
    this.code = error.code;
    this.details = error.details;
    this.retryable = error.retryable === true;
    this.retryAfterMs = error.retryAfterMs;
  }

  /** True for the retryable `UNAVAILABLE` a gateway returns while startup sidecars finish. */
  get isStartupUnavailable(): boolean {
    return (
      this.code === GatewayErrorCodes.UNAVAILABLE &&
      this.retryable &&
      this.details?.reason === STARTUP_SIDECARS_REASON
    );
  }
}

/**
 * `connect` was refused until an operator approves the device (`NOT_PAIRED` with details
 * code `PAIRING_REQUIRED`). Approve `requestId` (e.g. with `approvePairing`) and reconnect.
 */
export class PairingRequiredError extends GatewayRequestError {
  /** The pending pairing request to approve. */
  readonly requestId: string;
  /** `not-paired`, `scope-upgrade`, `role-upgrade` or `metadata-upgrade`. */
  readonly reason: string | undefined;

  constructor(error: GatewayErrorShape) {
    super("connect", error);
    this.name = "PairingRequiredError";
    this.requestId = String(error.details?.requestId ?? "");
    this.reason = typeof error.details?.reason === "string" ? error.details.reason : undefined;
  }

  /** Whether a failed `connect` response means "pairing required". */
  static matches(error: GatewayErrorShape): boolean {
    return error.code === GatewayErrorCodes.NOT_PAIRED || error.details?.code === PAIRING_REQUIRED_DETAIL;
  }
}

/** The socket closed while a request or the handshake was pending, or before connecting. */
export class GatewayClosedError extends Error {
  constructor(
    readonly closeCode: number | undefined,
    readonly closeReason: string,
  ) {
    super(`gateway connection closed (${closeCode ?? "no code"}${closeReason ? `: ${closeReason}` : ""})`);
    this.name = "GatewayClosedError";
  }
}

/** No response within the request's deadline. The request may still run on the gateway. */
export class GatewayTimeoutError extends Error {
  constructor(
    readonly method: string,
    readonly timeoutMs: number,
  ) {
    super(`${method}: no response within ${timeoutMs} ms`);
    this.name = "GatewayTimeoutError";
  }
}
