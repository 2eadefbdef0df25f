/**
 * Reads the credential the way the SDKs send it: `Authorization: Bearer <key>` or
 * `x-api-key: <key>`. A request must say unambiguously who it is: a malformed header (an empty
 * Bearer, `Basic …`, an empty `x-api-key`) or two headers carrying different keys is refused
 * with 401 rather than silently resolved by picking one of them.
 */
import { ApiError } from "../errors";

function refused(message: string): ApiError {
  return new ApiError("authentication_required", message);
}

/** The presented key, null when none is sent; throws 401 when the credentials are malformed or ambiguous. */
export function presentedCredential(headers: Headers): string | null {
  const authorization = headers.get("authorization");
  const apiKeyHeader = headers.get("x-api-key");

  let bearer: string | null = null;
  if (authorization !== null) {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
    if (!match?.[1]) throw refused("malformed Authorization header: expected 'Bearer <key>'");
    bearer = match[1];
  }
  let apiKey: string | null = null;
  if (apiKeyHeader !== null) {
    apiKey = apiKeyHeader.trim();
    if (!apiKey) throw refused("malformed x-api-key header: it is empty");
  }
  if (bearer !== null && apiKey !== null && bearer !== apiKey) {
    throw refused("ambiguous credentials: Authorization and x-api-key carry different keys; send one");
  }
  return bearer ?? apiKey;
}
