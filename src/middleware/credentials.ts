/** Reads the credential the way the SDKs send it: `Authorization: Bearer` or `x-api-key`. */

export function presentedCredential(headers: Headers): string | null {
  const auth = headers.get("authorization");
  if (auth) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (match?.[1]) return match[1];
  }
  const key = headers.get("x-api-key")?.trim();
  return key ? key : null;
}
