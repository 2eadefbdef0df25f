/**
 * A session's Durable Object stub, for tests that reach inside it (`runInDurableObject`,
 * eviction, alarms). The Worker itself reaches sessions only through `sessionClient`.
 */
import { env } from "cloudflare:workers";

export function sessionObject(sessionId: string) {
  return env.SESSIONS.get(env.SESSIONS.idFromName(sessionId));
}
