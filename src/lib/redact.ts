/**
 * Secret redaction: masks secret values in text and JSON. Two layers:
 *
 * - exact secret values the caller knows (plane logs pass a member's vault credentials,
 *   decrypted inside the Worker only to know what to hide: src/planes/redact.ts);
 * - shapes of well-known credentials: Clawplane keys and tokens (`cpk_`, `cpa_`, `cpm_`,
 *   `cpst_`), provider keys (`sk-…`, Google `AIza…`), bearer and basic authorization values,
 *   GitHub, Slack and AWS access keys, the value of anything labelled as a key, token, secret or
 *   password (`api_key=…`, `"token": "…"`, `x-api-key: …`), and long random strings that look
 *   like a generated key (32+ characters mixing upper and lower case letters and digits — a
 *   session's gateway token is one).
 *
 * A session's own runtime secrets (gateway and session token) are also masked by the session
 * itself before its runtime log lines leave it (SessionRuntime.recentLogLines).
 *
 * Applied to every string inside an event or runtime log line, so keys and structure stay
 * readable. Event ids (`sevt_` + 24) and UUID or hex ids stay below or outside the
 * generated-key shape, so they remain usable.
 */
export const REDACTED = "[REDACTED]";

const PATTERNS: RegExp[] = [
  /\b(?:cpk|cpa|cpm|cpst)_[A-Za-z0-9_]{8,}/g,
  /\bsk-[A-Za-z0-9_-]{16,}/g,
  /\bgh[pousr]_[A-Za-z0-9]{20,}/g,
  /\bgithub_pat_[A-Za-z0-9_]{20,}/g,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/g,
  /\bAKIA[0-9A-Z]{16}\b/g,
  /\bAIza[0-9A-Za-z_-]{30,}/g,
  /(?<=\b(?:Bearer|Basic)\s+)[A-Za-z0-9._~+/=-]{12,}/gi,
  // A labelled secret: `api_key=…`, `"client_secret": "…"`, `x-api-key: …`, `PASSWORD=…`.
  /(?<=\b[\w-]*(?:api[_-]?key|apikey|token|secret|password|passwd)["']?\s*[:=]\s*["']?)[^\s"',;&]{8,}/gi,
  // A generated key without a known prefix: long, mixing upper, lower case and digits.
  /(?<![A-Za-z0-9_-])(?=[A-Za-z0-9_-]*[A-Z])(?=[A-Za-z0-9_-]*[a-z])(?=[A-Za-z0-9_-]*[0-9])[A-Za-z0-9_-]{32,}(?![A-Za-z0-9_-])/g,
];

/** Shortest vault secret matched literally; shorter values would redact ordinary words. */
const MIN_LITERAL_LENGTH = 4;

export type Redactor = (text: string) => string;

export function makeRedactor(literals: string[]): Redactor {
  const exact = [...new Set(literals.filter((s) => s.length >= MIN_LITERAL_LENGTH))].sort(
    (a, b) => b.length - a.length,
  );
  return (text) => {
    let out = text;
    for (const secret of exact) out = out.split(secret).join(REDACTED);
    for (const pattern of PATTERNS) out = out.replace(pattern, REDACTED);
    return out;
  };
}

/** Applies `redact` to every string in a JSON value. */
export function redactDeep<T>(value: T, redact: Redactor): T {
  if (typeof value === "string") return redact(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, redact)) as T;
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, redact)])) as T;
  }
  return value;
}
