/**
 * Request/response correlation for the gateway client: ids, per-request deadlines, and
 * turning a failed response into a typed error. Responses can arrive out of order.
 */

import { GatewayRequestError, GatewayTimeoutError, PairingRequiredError } from "./gateway-errors";
import type { ResponseFrame } from "./protocol";

interface Entry {
  method: string;
  resolve: (payload: unknown) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** The requests of one client awaiting their `res` frame. */
export class PendingRequests {
  private readonly entries = new Map<string, Entry>();
  private nextId = 0;

  /**
   * Registers a request and hands its id to `send`, which writes the frame. Rejects with
   * {@link GatewayTimeoutError} after `timeoutMs`, or with whatever `send` throws.
   */
  start<T>(method: string, timeoutMs: number, send: (id: string) => void): Promise<T> {
    const id = `clawplane-${++this.nextId}`;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.entries.delete(id);
        reject(new GatewayTimeoutError(method, timeoutMs));
      }, timeoutMs);
      this.entries.set(id, { method, resolve: resolve as (payload: unknown) => void, reject, timer });
      try {
        send(id);
      } catch (error) {
        clearTimeout(timer);
        this.entries.delete(id);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  /** Settles the matching request; a late answer to a timed-out request is ignored. */
  settle(frame: ResponseFrame): void {
    const entry = this.entries.get(frame.id);
    if (!entry) return;
    this.entries.delete(frame.id);
    clearTimeout(entry.timer);
    if (frame.ok) entry.resolve(frame.payload);
    else if (entry.method === "connect" && PairingRequiredError.matches(frame.error))
      entry.reject(new PairingRequiredError(frame.error));
    else entry.reject(new GatewayRequestError(entry.method, frame.error));
  }

  /** Rejects everything still pending (the socket is gone). */
  rejectAll(error: Error): void {
    for (const entry of this.entries.values()) {
      clearTimeout(entry.timer);
      entry.reject(error);
    }
    this.entries.clear();
  }
}
