/**
 * The human entry points: `/` leads a browser to the docs, and `/docs` works without any other
 * origin (offline, air-gapped, or behind a strict proxy): its page names only same-origin URLs,
 * a Content-Security-Policy holds the browser to that, and the Worker serves the assets itself.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BASE_URL, call } from "../helpers/api";

/** Every URL the page makes the browser load: src/href attributes and CSS url(...) references. */
function referencedUrls(html: string): string[] {
  const attrs = [...html.matchAll(/\b(?:src|href)\s*=\s*["']([^"']*)["']/gi)].map((m) => m[1] ?? "");
  const cssUrls = [...html.matchAll(/url\(\s*["']?([^"')]*)/gi)].map((m) => m[1] ?? "");
  return [...attrs, ...cssUrls];
}

function scriptSources(html: string): string[] {
  return [...html.matchAll(/<script\b[^>]*\bsrc\s*=\s*["']([^"']+)["']/gi)].map((m) => m[1] ?? "");
}

/** The CSP header as a map of directive → sources. */
function parseCsp(header: string | null): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const part of (header ?? "").split(";")) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) directives.set(name.toLowerCase(), sources);
  }
  return directives;
}

describe("docs", () => {
  it("redirects / to /docs, and keeps /healthz", async () => {
    // redirect: "manual", as a fetch through the Worker's entry point would otherwise follow it.
    const res = await exports.default.fetch(new Request(`${BASE_URL}/`, { redirect: "manual" }));
    expect([301, 302]).toContain(res.status);
    expect(new URL(res.headers.get("location") ?? "", BASE_URL).pathname).toBe("/docs");
    expect((await call("/healthz", { key: null })).status).toBe(200);
  });

  it("serves a docs page that loads nothing from another origin, enforced by its CSP", async () => {
    const res = await call("/docs", { key: null });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = await res.text();
    expect(html).toContain('data-url="/openapi.json"');
    for (const url of referencedUrls(html)) {
      // Same-origin means relative: no scheme, no protocol-relative //host.
      expect(url, `the page references ${url}`).not.toMatch(/^(?:[a-z][a-z0-9+.-]*:|\/\/)/i);
    }
    expect(scriptSources(html).length).toBeGreaterThan(0);

    const csp = parseCsp(res.headers.get("content-security-policy"));
    expect(csp.get("default-src")).toEqual(["'none'"]);
    for (const directive of ["script-src", "style-src", "connect-src", "img-src", "font-src"]) {
      const sources = csp.get(directive) ?? [];
      // Only this origin (and inline styles/data: images, which fetch nothing): no host, no scheme, no *.
      for (const source of sources) expect(["'self'", "'unsafe-inline'", "data:"]).toContain(source);
    }
    expect(csp.get("script-src")).toEqual(["'self'"]);
  });

  it("serves the page's scripts itself, as JavaScript with a long cache", async () => {
    const html = await (await call("/docs", { key: null })).text();
    for (const src of scriptSources(html)) {
      const res = await call(src, { key: null });
      expect(res.status, src).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^(?:text|application)\/javascript\b/);
      expect(res.headers.get("cache-control")).toContain("max-age=31536000");
      const body = await res.text();
      // The real Scalar bundle: it mounts on the page's #api-reference element.
      expect(body.length).toBeGreaterThan(100_000);
      expect(body).toContain("api-reference");
    }
  });

  it("does not cache an asset URL whose version is not the one served", async () => {
    const res = await call("/docs/assets/standalone.js?v=stale", { key: null });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-cache");
  });
});
