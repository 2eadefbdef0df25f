/**
 * Per-session LLM proxy tokens: `cpst_<sessionId>_<random>`.
 *
 * A session's OpenClaw gateway presents this token to the LLM proxy as its "API key". The
 * session id is embedded so the proxy can find the session's Durable Object from the token
 * alone (no lookup table); the random part is what makes the token a secret, and only the
 * session's DO can say whether a token is currently valid (`SessionMeter.authorize`).
 * Parsing here is purely syntactic: a well-formed token is not yet an authorised one.
 */
import { randomBase62 } from "../lib/ids";

/** Every session token starts with this (Clawplane Session Token). */
export const SESSION_TOKEN_PREFIX = "cpst_";
/** Random base62 characters per token: 43 × log2(62) ≈ 256 bits, beyond guessing. */
export const SESSION_TOKEN_RANDOM_CHARS = 43;
/** Longest session id accepted inside a token; real ids are ~30 characters. */
const MAX_SESSION_ID_CHARS = 128;

// The random part is base62 (no `_`), so the last `_` always separates it from the session
// id, even when the id itself contains underscores (`sesn_...`).
const SESSION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
const RANDOM_PATTERN = new RegExp(`^[0-9A-Za-z]{${SESSION_TOKEN_RANDOM_CHARS}}$`);

/**
 * Mints a fresh token for `sessionId`. The caller (the session DO) stores it, or a hash of
 * it, and hands it to the container at start; it is never logged.
 * @throws TypeError when `sessionId` could not be recovered from the token it would produce
 */
export function mintSessionToken(sessionId: string): string {
  if (!isValidSessionId(sessionId)) throw new TypeError("session id cannot be embedded in a session token");
  return `${SESSION_TOKEN_PREFIX}${sessionId}_${randomBase62(SESSION_TOKEN_RANDOM_CHARS)}`;
}

/**
 * The session id embedded in a well-formed token, or `null` when `token` is not a session
 * token at all. Does not check that the token is valid for that session.
 */
export function sessionIdFromToken(token: string): string | null {
  if (!token.startsWith(SESSION_TOKEN_PREFIX)) return null;
  const rest = token.slice(SESSION_TOKEN_PREFIX.length);
  const cut = rest.lastIndexOf("_");
  if (cut <= 0) return null;
  const sessionId = rest.slice(0, cut);
  if (!isValidSessionId(sessionId) || !RANDOM_PATTERN.test(rest.slice(cut + 1))) return null;
  return sessionId;
}

function isValidSessionId(sessionId: string): boolean {
  return sessionId.length <= MAX_SESSION_ID_CHARS && SESSION_ID_PATTERN.test(sessionId);
}
