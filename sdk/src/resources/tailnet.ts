/** `client.tailnet`: the org's Tailscale OAuth client and the tailnet connector it boots (`/v1/tailnet`). */
import type { RequestOptions } from "../core/http.js";
import type { TailnetConnection, TailnetConnectionPutParams, TailnetConnectorStatus } from "../types.js";
import { Resource } from "./resource.js";

export class Tailnet extends Resource {
  /** Sets the OAuth client (its secret is write-only) and boots the connector with a fresh join key. */
  put(body: TailnetConnectionPutParams, options?: RequestOptions): Promise<TailnetConnection> {
    return this.http.json({ method: "PUT", path: "/v1/tailnet", body, options });
  }

  /** The connection (never its secret) and the connector's state. */
  retrieve(options?: RequestOptions): Promise<TailnetConnection> {
    return this.http.json({ method: "GET", path: "/v1/tailnet", options });
  }

  /** Boots the connector again: a new single-use join key, a fresh node. */
  boot(options?: RequestOptions): Promise<TailnetConnectorStatus> {
    return this.http.json({ method: "POST", path: "/v1/tailnet/connector/boot", options });
  }
}
