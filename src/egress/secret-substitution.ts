/**
 * `environment_variable` vault credentials at the container's network edge.
 *
 * Such a secret never enters the container: its env var holds a per-session placeholder
 * (`cpsec_<random>`, minted by the session's Durable Object), and the egress edge swaps the
 * placeholder for the real value in an outbound request only when the request's host is one
 * the credential's `networking` allows (unrestricted: any host; limited: its `allowed_hosts`,
 * matched as the egress policy matches hosts). To any other host the placeholder goes out as is.
 *
 * Where: `injection_location.header` → every request header value (only for values of printable
 * ASCII; see {@link HEADER_SAFE}); `injection_location.body`
 * → the request body (bytes, so binary bodies are not re-encoded; a compressed body hides the
 * placeholder and is sent unchanged; the body is buffered in memory, only for requests to a
 * host a body-injected credential allows). Never in the URL (path or query): URLs end up in server
 * and proxy access logs, `Referer` headers and error pages, and the contract names only headers
 * and bodies. A substituted request never follows redirects (`redirect: "manual"`): the
 * container sees the 3xx and asks again, so the secret cannot ride a redirect to another host.
 *
 * Pure apart from reading the request body; nothing here logs.
 */
import type { CredentialNetworking } from "../schemas/vaults";
import { hostMatches, normalizeHost } from "./policy";

/** Prefix of every placeholder, so a leaked one is recognisable as such. */
export const PLACEHOLDER_PREFIX = "cpsec_";

/** One substitutable secret, as the session DO hands it to the edge for a single request. */
export interface EgressSecret {
  value: string;
  networking: CredentialNetworking;
  injection: { header: boolean; body: boolean };
}

/** Placeholder → secret. Held for one request only; never logged or stored by the edge. */
export type EgressSecrets = Record<string, EgressSecret>;

/** Whether a credential's `networking` lets its secret go to `host`. */
export function secretAllowedFor(networking: CredentialNetworking, host: string): boolean {
  if (networking.type === "unrestricted") return true;
  const h = normalizeHost(host);
  return networking.allowed_hosts.some((pattern) => hostMatches(pattern, h));
}

/** What was done to one request (counts only, safe to log). */
export interface Substitution {
  request: Request;
  headers: number;
  body: number;
}

/**
 * `request` with the placeholders of `secrets` that may go to its host replaced by their
 * values, or `request` itself when none applies.
 */
export async function substituteSecrets(request: Request, secrets: EgressSecrets): Promise<Substitution> {
  const host = URL.canParse(request.url) ? new URL(request.url).hostname : "";
  const usable = Object.entries(secrets).filter(
    ([placeholder, s]) => placeholder.startsWith(PLACEHOLDER_PREFIX) && secretAllowedFor(s.networking, host),
  );
  const forHeaders = usable.filter(([, s]) => s.injection.header && HEADER_SAFE.test(s.value));
  const forBody = usable.filter(([, s]) => s.injection.body);
  let headerCount = 0;
  const headers = new Headers(request.headers);
  if (forHeaders.length > 0) {
    for (const [name, value] of request.headers) {
      const replaced = replaceAll(value, forHeaders);
      if (replaced !== value) {
        headers.set(name, replaced);
        headerCount++;
      }
    }
  }
  let body: ArrayBuffer | ReadableStream | null = request.body;
  let bodyCount = 0;
  if (forBody.length > 0 && request.body) {
    const bytes = new Uint8Array(await request.arrayBuffer());
    const out = replaceBytes(bytes, forBody);
    bodyCount = out.count;
    body = out.bytes.buffer as ArrayBuffer;
    if (out.count > 0) headers.delete("content-length");
  }
  if (headerCount === 0 && bodyCount === 0 && body === request.body) return { request, headers: 0, body: 0 };
  const rebuilt = new Request(request.url, {
    method: request.method,
    headers,
    body,
    redirect: headerCount + bodyCount > 0 ? "manual" : request.redirect,
  });
  return { request: rebuilt, headers: headerCount, body: bodyCount };
}

/**
 * Values a header can carry as is: printable ASCII. Others (line breaks, non-ASCII) are not
 * substituted into headers: they could split or corrupt the header, and workerd's warning about
 * a non-ASCII header value would print the value to the log.
 */
const HEADER_SAFE = /^[\x20-\x7e\t]*$/;

function replaceAll(text: string, entries: Array<[string, EgressSecret]>): string {
  let out = text;
  for (const [placeholder, secret] of entries) {
    if (out.includes(placeholder)) out = out.split(placeholder).join(secret.value);
  }
  return out;
}

const utf8 = new TextEncoder();

/** Replaces each placeholder's bytes by the UTF-8 bytes of its value. */
function replaceBytes(
  bytes: Uint8Array,
  entries: Array<[string, EgressSecret]>,
): { bytes: Uint8Array; count: number } {
  let current = bytes;
  let count = 0;
  for (const [placeholder, secret] of entries) {
    const needle = utf8.encode(placeholder);
    const value = utf8.encode(secret.value);
    const parts: Uint8Array[] = [];
    let from = 0;
    for (let i = indexOf(current, needle, 0); i !== -1; i = indexOf(current, needle, from)) {
      parts.push(current.subarray(from, i), value);
      from = i + needle.length;
      count++;
    }
    if (parts.length === 0) continue;
    parts.push(current.subarray(from));
    const total = parts.reduce((n, p) => n + p.length, 0);
    const next = new Uint8Array(total);
    let at = 0;
    for (const part of parts) {
      next.set(part, at);
      at += part.length;
    }
    current = next;
  }
  return { bytes: current, count };
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0];
  outer: for (let i = haystack.indexOf(first ?? 0, from); i !== -1; i = haystack.indexOf(first ?? 0, i + 1)) {
    if (i + needle.length > haystack.length) return -1;
    for (let j = 1; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
