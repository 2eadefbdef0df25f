/**
 * The human-readable API reference at /docs: Scalar's API reference renders /openapi.json.
 *
 * Scalar's browser bundle ships inside the Worker (an npm dependency imported as a text module,
 * see wrangler.toml), so the page loads nothing from any other origin: it works offline and
 * behind a strict proxy, and the reader's browser never calls a CDN. The page's
 * Content-Security-Policy holds the browser to that, including anything the bundle would fetch
 * on its own (fonts, its AI agent), which the configuration also switches off.
 */

import scalarBundle from "@scalar/api-reference/dist/browser/standalone.js";
import { Hono } from "hono";
import type { AppEnv } from "../app-env";

export const DOCS_ASSET_PATH = "/docs/assets/standalone.js";

/** The browser may fetch from this origin only; inline styles because Scalar injects its CSS. */
const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** Scalar options that would otherwise reach scalar.com from the reader's browser. */
const SCALAR_CONFIG = JSON.stringify({
  withDefaultFonts: false,
  agent: { disabled: true },
  telemetry: false,
  showDeveloperTools: "never",
});

const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;

let bundleVersion: Promise<string> | undefined;

/**
 * A short content hash of the bundle, once per isolate. The page links the asset with `?v=` it,
 * so the asset can be cached for a year and a new bundle (a dependency upgrade) gets a new URL.
 */
function currentBundleVersion(): Promise<string> {
  bundleVersion ??= crypto.subtle
    .digest("SHA-256", new TextEncoder().encode(scalarBundle))
    .then((digest) =>
      [...new Uint8Array(digest).slice(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join(""),
    );
  return bundleVersion;
}

function docsHtml(version: string): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <title>Clawplane API</title>
</head>
<body>
  <noscript>The interactive reference needs JavaScript. The raw document is at <a href="/openapi.json">/openapi.json</a>.</noscript>
  <script id="api-reference" data-url="/openapi.json" data-configuration='${SCALAR_CONFIG}'></script>
  <script src="${DOCS_ASSET_PATH}?v=${version}"></script>
</body>
</html>`;
}

export const docsRoutes = new Hono<AppEnv>();

docsRoutes.get("/docs", async (c) => {
  c.header("content-security-policy", DOCS_CSP);
  c.header("cache-control", "no-cache");
  return c.html(docsHtml(await currentBundleVersion()));
});

docsRoutes.get(DOCS_ASSET_PATH, async (c) => {
  // A stale or missing ?v= still gets the bundle, but must not pin it in caches for a year.
  const current = c.req.query("v") === (await currentBundleVersion());
  c.header("content-type", "text/javascript; charset=utf-8");
  c.header("cache-control", current ? `public, max-age=${ONE_YEAR_SECONDS}, immutable` : "no-cache");
  c.header("x-content-type-options", "nosniff");
  return c.body(scalarBundle);
});
