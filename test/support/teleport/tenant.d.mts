// Types for tenant.mjs (plain JS so it runs under `node` without a build step).
export declare const TSH_DOUBLE: string;
export declare const TBOT_DOUBLE: string;
export declare const BEAM_BIN: string;
export interface TeleportTenant {
  connectorUrl: string;
  token: string;
  /** GET /beams: `tsh beams ls --format=json`; POST /add: a beam nobody records (a crash leftover). */
  doorUrl: string;
  /** Where the connector's tbot keeps the bot's identity (what must never reach an agent). */
  identityFile: string;
  close(): Promise<void>;
}
export declare function startTeleportTenant(opts?: {
  token?: string;
  tbotArgs?: string[];
}): Promise<TeleportTenant>;
