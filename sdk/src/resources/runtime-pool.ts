/** `client.runtimePool`: the deployment's warm pool of pre-booted runtimes (`GET /v1/runtime_pool`, admin scope). */
import type { RequestOptions } from "../core/http.js";
import type { RuntimePoolStatus } from "../types.js";
import { Resource } from "./resource.js";

export class RuntimePool extends Resource {
  /** Idle and warming runtimes, the pool's size, and its claims, misses and refills. */
  status(options?: RequestOptions): Promise<RuntimePoolStatus> {
    return this.http.json({ method: "GET", path: "/v1/runtime_pool", options });
  }
}
