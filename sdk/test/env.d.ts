/** Bindings the SDK's test configuration adds on top of the Worker's own. */
declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import("@cloudflare/vitest-plugin").D1Migration[];
  }
}
