// Types for dropping-server.mjs.
export interface DroppingServer {
  port: number;
  /** When each connection was accepted (ms since epoch). */
  attempts: number[];
  close(): Promise<void>;
}
export function startDroppingServer(): Promise<DroppingServer>;
