/**
 * `npm test` of the SDK, in two projects:
 *
 * - `workerd`: the client and CLI against the real Worker (the repo's wrangler.toml, a real
 *   local D1 and Durable Objects) inside workerd; the SDK reaches it through a `fetch` that
 *   calls `exports.default.fetch`, as the Worker's own integration tests do.
 * - `node`: what needs a real operating system (the config file's permissions, a terminal) or
 *   the built package (`npm pack` into an empty project).
 */
import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const root = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));

// Scalar's browser bundle, which the Worker's src/routes/docs.ts imports as text: Vite honours
// the package's exports map, which does not list the file (as in the repo's vitest.config.ts).
const SCALAR_BUNDLE = "@scalar/api-reference/dist/browser/standalone.js";

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest(async () => ({
            wrangler: { configPath: root("wrangler.toml") },
            miniflare: {
              bindings: {
                ADMIN_API_KEY: "test-admin-key",
                // Idempotency records (the SDK sends a key on every POST) are encrypted with it.
                VAULT_ENCRYPTION_KEYS: `ksdk:${btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))}`,
                LOG_LEVEL: "error",
                // Never hit by ordinary tests; the retry test lowers it for its own calls.
                RATE_LIMIT_PER_MINUTE: "100000",
                RATE_LIMIT_BURST: "100000",
                TEST_MIGRATIONS: await readD1Migrations(root("migrations")),
              },
            },
          })),
        ],
        resolve: { alias: { [SCALAR_BUNDLE]: root(`node_modules/${SCALAR_BUNDLE}`) } },
        test: {
          name: "workerd",
          include: ["test/*.test.ts"],
          setupFiles: ["./test/setup.ts"],
        },
      },
      {
        test: {
          name: "node",
          include: ["test/node/**/*.test.ts"],
          environment: "node",
          // Tests of the built package (CLI in a terminal, `npm pack`) share one build.
          globalSetup: ["./test/node/built.ts"],
        },
      },
    ],
  },
});
