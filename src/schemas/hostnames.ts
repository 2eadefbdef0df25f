/**
 * Host and domain syntax checks shared by request schemas (environment `allowed_hosts`,
 * web tool domain filters). Pure string checks: nothing here resolves names.
 */

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;
const OCTET = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** True for a dotted-quad IPv4 address such as `10.0.0.1`. */
export function isIPv4(value: string): boolean {
  const parts = value.split(".");
  return parts.length === 4 && parts.every((part) => OCTET.test(part));
}

/**
 * True for a DNS hostname such as `api.example.com` or `localhost`: labels of letters, digits
 * and inner hyphens, at most 253 characters. All-numeric names are rejected so that a malformed
 * address like `1.2.3.999` is not mistaken for a hostname.
 */
export function isHostname(value: string): boolean {
  if (value.length === 0 || value.length > 253) return false;
  const labels = value.split(".");
  if (!labels.every((label) => LABEL.test(label))) return false;
  return !labels.every((label) => /^\d+$/.test(label));
}

/** True for a hostname, an IPv4 address, or a wildcard `*.example.com` covering subdomains. */
export function isHostPattern(value: string): boolean {
  if (value.startsWith("*.")) return isHostname(value.slice(2));
  return isIPv4(value) || isHostname(value);
}

/** True for a hostname optionally followed by a path suffix (`example.com/docs`). */
export function isHostnameWithPath(value: string): boolean {
  const slash = value.indexOf("/");
  if (slash === -1) return isHostname(value);
  return isHostname(value.slice(0, slash)) && !/\s/.test(value.slice(slash));
}
