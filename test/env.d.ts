/** Bindings the test configuration adds on top of the Worker's own. */
declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import("@cloudflare/vitest-plugin").D1Migration[];
    MODEL_SERVER_URL: string;
    MCP_SERVER_URL: string;
    TAILSCALE_API_DOUBLE_URL: string;
  }
}
