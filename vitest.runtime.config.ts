/**
 * Runtime tests: drive a REAL OpenClaw gateway (container/node_modules, Node 24) against the
 * deterministic model server. Plain Node environment, no workerd. Run with
 * `npx vitest run --config vitest.runtime.config.ts` after `npm --prefix container install`.
 */
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/runtime/**/*.test.ts"],
    environment: "node",
    // One gateway per file boots in ~12–20 s on 2 vCPU (more on a loaded machine).
    hookTimeout: 180_000,
    // The first turn after boot takes 4–8 s (lazy loading).
    testTimeout: 90_000,
    // Each gateway needs ~0.9 GB RSS and most of a core while booting: one file at a time.
    fileParallelism: false,
    pool: "forks",
  },
});
