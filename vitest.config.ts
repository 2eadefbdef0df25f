/**
 * `npm test`: unit and integration tests inside workerd (the real Workers runtime) with a
 * real local D1 and real Durable Objects. Migrations are read here (Node side) and applied
 * by test/setup.ts inside the runtime.
 */
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Scalar's browser bundle, which src/routes/docs.ts imports as text (wrangler.toml `rules`, which
// the plugin applies): Vite honours the package's exports map, which does not list the file.
const SCALAR_BUNDLE = "@scalar/api-reference/dist/browser/standalone.js";

export default defineConfig({
  plugins: [
    cloudflareTest(async ({ inject }) => ({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          ADMIN_API_KEY: "test-admin-key",
          // Vault keyring for tests only (two keys: the first encrypts, both decrypt).
          VAULT_ENCRYPTION_KEYS:
            "test1:oOCYE3kp1gyf5ffwtjTQnzMzXJkE2XV2voP+79+qT7I=,test0:5OngTuaOjWUZAU1NZJUSHoN/+W9sYWQlM+LPjMFAUZw=",
          LOG_LEVEL: "error",
          // High enough that ordinary tests never hit it; the rate-limit test lowers it per request.
          RATE_LIMIT_PER_MINUTE: "100000",
          RATE_LIMIT_BURST: "100000",
          TEST_MIGRATIONS: await readD1Migrations("./migrations"),
          // The deterministic OpenAI-compatible model server (test/global-setup.ts).
          MODEL_SERVER_URL: inject<string>("modelServerUrl"),
          // The LLM proxy's provider for claude-* models (the agents of most tests) is the model
          // server; any other model has none, which the session refuses before starting a turn.
          ANTHROPIC_API_KEY: "test-anthropic-key",
          ANTHROPIC_BASE_URL: inject<string>("modelServerUrl"),
          // The MCP server double (test/global-setup.ts).
          MCP_SERVER_URL: inject<string>("mcpServerUrl"),
          // The Teleport connector on the tsh/tbot doubles (test/support/teleport/).
          BEAMS_CONNECTOR_URL: inject<string>("beamsConnectorUrl"),
          BEAMS_CONNECTOR_TOKEN: inject<string>("beamsConnectorToken"),
          TELEPORT_TENANT_URL: inject<string>("teleportTenantUrl"),
          // The tailnet transport's double: this MagicDNS name is the A2A peer double (test/global-setup.ts).
          A2A_PUBLIC_INGRESS: "true",
          // The Tailscale API double (test/global-setup.ts): key minting for the tailnet connector.
          TAILSCALE_API_DOUBLE_URL: inject<string>("tailscaleApiUrl"),
          TAILSCALE_API_BASE_URL: inject<string>("tailscaleApiUrl"),
          // The tailnet connector process the org's TailnetConnectorDO drives (test/global-setup.ts).
          TAILNET_CONNECTOR_URL: inject<string>("tailnetConnectorUrl"),
          TAILNET_CONNECTOR_TOKEN: inject<string>("tailnetConnectorToken"),
          TAILNET_LOOPBACK_HOSTS: `peer-b.tail0000.ts.net=127.0.0.1:${inject<number>("a2aPeerPort")}`,
          // The chat platform doubles (test/support/*-double.mjs).
          TELEGRAM_API_BASE_URL: inject<string>("telegramApiUrl"),
          SLACK_API_BASE_URL: inject<string>("slackApiUrl"),
          WHATSAPP_API_BASE_URL: inject<string>("whatsappApiUrl"),
        },
      },
    })),
  ],
  resolve: { alias: { [SCALAR_BUNDLE]: path.resolve("node_modules", SCALAR_BUNDLE) } },
  test: {
    include: ["test/unit/**/*.test.ts", "test/integration/**/*.test.ts"],
    setupFiles: ["./test/setup.ts"],
    globalSetup: ["./test/global-setup.ts"],
  },
});
