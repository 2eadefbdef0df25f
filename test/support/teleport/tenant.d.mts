// Types for tenant.mjs (plain JS so it runs under `node` without a build step).
export declare const TSH_DOUBLE: string;
export declare const TBOT_DOUBLE: string;
export declare const BEAM_BIN: string;
export interface TeleportTenant {
  connectorUrl: string;
  token: string;
  /** GET /beams: `tsh beams ls --format=json`; POST /add: a beam nobody records (a crash leftover);
   * GET /refused: how many creations the tenant refused for its limits. */
  doorUrl: string;
  /** Where the connector's tbot keeps the bot's identity (what must never reach an agent). */
  identityFile: string;
  /** Kills the connector as a crash would: its exec children die, its beams stay in the tenant. */
  killConnector(): Promise<void>;
  /** Starts a fresh connector process at the same URL (it must be configured again). */
  restartConnector(): Promise<void>;
  close(): Promise<void>;
}
export declare function startTeleportTenant(opts?: {
  token?: string;
  tbotArgs?: string[];
  /** The tsh double's rate window (ms); default Teleport's minute. */
  rateWindowMs?: number;
}): Promise<TeleportTenant>;
