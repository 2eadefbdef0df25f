import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { callJson, createKey } from "../helpers/api";

const agentNamed = (name: string) => ({ name, model: "claude-sonnet-4-6" });

async function agentsNamed(name: string): Promise<number> {
  const { body } = await callJson("/v1/agents?limit=1000");
  return body.data.filter((a: { name: string }) => a.name === name).length;
}

describe("Idempotency-Key", () => {
  it("replays the first response for a retry, without a second effect", async () => {
    const headers = { "idempotency-key": "create-once-1" };
    const first = await callJson("/v1/agents", { body: agentNamed("idem-once"), headers });
    const retry = await callJson("/v1/agents", { body: agentNamed("idem-once"), headers });
    expect(first.status).toBe(200);
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(first.body);
    expect(retry.res.headers.get("idempotent-replayed")).toBe("true");
    expect(first.res.headers.get("idempotent-replayed")).toBeNull();
    expect(await agentsNamed("idem-once")).toBe(1);

    // The record is durable (D1) and kept for at least 24 h.
    const row = await env.DB.prepare(
      "SELECT state, expires_at, created_at FROM idempotency_keys WHERE key = ?",
    )
      .bind("create-once-1")
      .first<{ state: string; expires_at: number; created_at: number }>();
    expect(row?.state).toBe("complete");
    expect(row!.expires_at - row!.created_at).toBeGreaterThanOrEqual(24 * 3_600_000);
  });

  it("refuses the same key with a different body", async () => {
    const headers = { "idempotency-key": "reused-key" };
    await callJson("/v1/agents", { body: agentNamed("idem-a"), headers });
    const other = await callJson("/v1/agents", { body: agentNamed("idem-b"), headers });
    expect(other.status).toBe(422);
    expect(other.body.error.details.error_code).toBe("idempotency_key_reused");
    expect(await agentsNamed("idem-b")).toBe(0);
  });

  it("scopes keys per caller", async () => {
    const key = await createKey();
    const headers = { "idempotency-key": "shared-key-name" };
    const mine = await callJson("/v1/agents", { body: agentNamed("idem-scoped"), headers });
    const theirs = await callJson("/v1/agents", {
      key: key.secret,
      body: agentNamed("idem-scoped"),
      headers,
    });
    expect(theirs.body.id).not.toBe(mine.body.id);
  });

  it("answers 409 while the first request still runs, and takes over an abandoned claim", async () => {
    const body = agentNamed("idem-pending");
    const first = await callJson("/v1/agents", { body, headers: { "idempotency-key": "probe" } });
    const fingerprint = await env.DB.prepare(
      "SELECT fingerprint FROM idempotency_keys WHERE key = 'probe'",
    ).first<{
      fingerprint: string;
    }>();
    expect(first.status).toBe(200);
    const now = Date.now();
    const insert = env.DB.prepare(
      "INSERT INTO idempotency_keys (principal_id, key, fingerprint, state, created_at, expires_at) VALUES ('admin', ?, ?, 'pending', ?, ?)",
    );
    await insert.bind("in-flight", fingerprint!.fingerprint, now, now + 86_400_000).run();
    const busy = await callJson("/v1/agents", { body, headers: { "idempotency-key": "in-flight" } });
    expect(busy.status).toBe(409);
    expect(busy.body.error.details.error_code).toBe("idempotency_request_in_progress");
    expect(busy.res.headers.get("x-should-retry")).toBe("true");

    await insert.bind("abandoned", fingerprint!.fingerprint, now - 120_000, now + 86_400_000).run();
    const taken = await callJson("/v1/agents", { body, headers: { "idempotency-key": "abandoned" } });
    expect(taken.status).toBe(200);
  });

  it("rejects a malformed key", async () => {
    const res = await callJson("/v1/agents", {
      body: agentNamed("x"),
      headers: { "idempotency-key": "x".repeat(300) },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details.errors[0].path).toBe("headers.idempotency-key");
  });
});
