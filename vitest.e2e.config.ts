/**
 * `npm run test:e2e` (via scripts/e2e.sh, which provides Docker): the session conversation
 * with REAL containers built from container/Dockerfile under `wrangler dev`. Plain Node
 * environment; one file at a time (each session container needs ~1 GiB and most of a core).
 */
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/e2e/**/*.e2e.test.ts"],
    environment: "node",
    // beforeAll includes the image build: ~1 min cached wrangler start, several minutes cold.
    hookTimeout: 20 * 60_000,
    // A cold container (boot ~16 s on 2 vCPU, minutes on a loaded machine) plus two turns.
    testTimeout: 6 * 60_000,
    fileParallelism: false,
    pool: "forks",
  },
});
