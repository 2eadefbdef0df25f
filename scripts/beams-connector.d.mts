// Types for beams-connector.mjs.
export interface BeamsConnector {
  url: string;
  /** Stops like a crash: children killed, nothing cleaned up. */
  close(): Promise<void>;
}
export declare function startBeamsConnector(opts: {
  token: string;
  tsh: string;
  tbot: string;
  stateDir: string;
  port?: number;
  /** Listen address (default 127.0.0.1; the container image sets 0.0.0.0). */
  host?: string;
  env?: Record<string, string>;
  tbotArgs?: string[];
}): Promise<BeamsConnector>;
