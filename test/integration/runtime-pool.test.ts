/**
 * `GET /v1/runtime_pool`: the warm pool's status for an admin. The tests' Worker runs no local
 * supervisor, so it reports the container pool's coordinator, sized 0 here, with the reason; the
 * local pool is proven with real gateways in test/runtime/warm-pool.test.ts, the container pool's
 * coordinator in test/integration/container-pool.test.ts.
 */
import { describe, expect, it } from "vitest";
import { callJson, createKey } from "../helpers/api";

describe("GET /v1/runtime_pool", () => {
  it("reports the warm pool to an admin, and says why there is none", async () => {
    const { status, body } = await callJson("/v1/runtime_pool");
    expect(status).toBe(200);
    expect(body).toMatchObject({
      type: "runtime_pool",
      runtime: "container",
      enabled: false,
      idle: 0,
      claims: 0,
      misses: 0,
      refills: 0,
    });
    expect(body.note).toMatch(/container pool's size is 0/);
  });

  it("is refused to a key without the admin scope", async () => {
    const key = await createKey(["read", "write"]);
    const { status, body } = await callJson("/v1/runtime_pool", { key: key.secret });
    expect(status).toBe(403);
    expect(body.type).toBe("error");
  });
});
