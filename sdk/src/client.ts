/**
 * `Clawplane`: the typed client. One instance holds the configuration (base URL, key, fetch,
 * retries, timeout) and exposes each resource the Worker serves as a property.
 */
import { ClawplaneError } from "./core/errors.js";
import {
  DEFAULT_BASE_URL,
  DEFAULT_MAX_RETRIES,
  DEFAULT_TIMEOUT_MS,
  type FetchLike,
  HttpClient,
} from "./core/http.js";
import { Agents } from "./resources/agents.js";
import { ApiKeys } from "./resources/api-keys.js";
import { Channels } from "./resources/channels.js";
import { Audit } from "./resources/audit.js";
import { RuntimePool } from "./resources/runtime-pool.js";
import { BeamRuns, Teleport } from "./resources/beams.js";
import { Environments } from "./resources/environments.js";
import { Peers } from "./resources/peers.js";
import { Tailnet } from "./resources/tailnet.js";
import { Planes } from "./resources/planes.js";
import { Sessions } from "./resources/sessions.js";

export interface ClientOptions {
  /** Worker origin; default `CLAWPLANE_BASE_URL`, else `http://localhost:8787`. */
  baseURL?: string;
  /** Admin key, API key (`cpk_…`), plane admin token (`cpa_…`) or member token (`cpm_…`); default `CLAWPLANE_API_KEY`. */
  apiKey?: string;
  /** The fetch to use (default: the global one). Tests pass one that calls the Worker. */
  fetch?: FetchLike;
  /** Retries after the first attempt of each call (default 2). */
  maxRetries?: number;
  /** Per-attempt response deadline in ms (default 60 000). */
  timeoutMs?: number;
  /** Headers added to every request. */
  defaultHeaders?: Record<string, string>;
}

/** Reads an environment variable where there is a `process` (Node, Bun, nodejs_compat). */
function envVar(name: string): string | undefined {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return proc?.env?.[name] || undefined;
}

/** The Clawplane API client. */
export class Clawplane {
  readonly agents: Agents;
  readonly environments: Environments;
  readonly sessions: Sessions;
  readonly apiKeys: ApiKeys;
  readonly channels: Channels;
  readonly audit: Audit;
  readonly runtimePool: RuntimePool;
  readonly planes: Planes;
  readonly beamRuns: BeamRuns;
  readonly teleport: Teleport;
  readonly peers: Peers;
  readonly tailnet: Tailnet;
  /** The resolved base URL. */
  readonly baseURL: string;
  /** The transport, for calls the resources do not cover. */
  readonly http: HttpClient;

  constructor(options: ClientOptions = {}) {
    const apiKey = options.apiKey ?? envVar("CLAWPLANE_API_KEY");
    if (!apiKey) {
      throw new ClawplaneError("no API key: pass `apiKey` or set CLAWPLANE_API_KEY");
    }
    this.baseURL = options.baseURL ?? envVar("CLAWPLANE_BASE_URL") ?? DEFAULT_BASE_URL;
    // Bound so that a fetch stored on an object is never called with the client as `this`.
    const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.http = new HttpClient({
      baseURL: this.baseURL,
      apiKey,
      fetch: fetchImpl,
      maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      defaultHeaders: options.defaultHeaders,
    });
    this.agents = new Agents(this.http);
    this.environments = new Environments(this.http);
    this.sessions = new Sessions(this.http);
    this.apiKeys = new ApiKeys(this.http);
    this.channels = new Channels(this.http);
    this.audit = new Audit(this.http);
    this.runtimePool = new RuntimePool(this.http);
    this.planes = new Planes(this.http);
    this.beamRuns = new BeamRuns(this.http);
    this.teleport = new Teleport(this.http);
    this.peers = new Peers(this.http);
    this.tailnet = new Tailnet(this.http);
  }
}
