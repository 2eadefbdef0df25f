/**
 * The local supervisor's pool (scripts/runtime-pool.mjs) and the container pool
 * (src/runtime/pool/pool-member.ts) boot their gateways with the same generic document values, so
 * a claim's hot reload changes the same few paths on both: the script is plain Node and cannot
 * import the TypeScript, so this holds the two copies together.
 */
import { describe, expect, it } from "vitest";
import { POOL_DOCUMENT_DEFAULTS } from "../../scripts/runtime-pool.mjs";
import { poolDocumentDefaults } from "../../src/runtime/openclaw/session-config";

describe("a pool gateway's generic document", () => {
  it("is the same for the local supervisor's pool and the container pool", () => {
    expect(POOL_DOCUMENT_DEFAULTS).toEqual(poolDocumentDefaults());
  });
});
