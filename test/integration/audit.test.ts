import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { call, callJson, createKey, MINIMAL_AGENT } from "../helpers/api";

interface AuditEvent {
  id: string;
  at: string;
  request_id: string;
  actor: { type: string; id: string };
  action: string;
  target: string | null;
  outcome: string;
  status: number;
  error_code: string | null;
}

async function auditFor(query: string): Promise<AuditEvent[]> {
  const { status, body } = await callJson(`/v1/audit?limit=1000&${query}`);
  expect(status).toBe(200);
  return body.data;
}

describe("audit log", () => {
  it("records every mutating call with actor, action, target, outcome and request id", async () => {
    const created = await callJson("/v1/agents", { body: MINIMAL_AGENT });
    const id = created.body.id;
    await callJson(`/v1/agents/${id}`, { body: { system: "Be brief.", version: 1 } });
    const stale = await callJson(`/v1/agents/${id}`, { body: { system: "stale", version: 1 } });
    expect(stale.status).toBe(409);
    await callJson(`/v1/agents/${id}/archive`, { method: "POST" });
    await call(`/v1/agents/${id}`); // reads are not audited

    const events = await auditFor(`target=${id}`);
    expect(events.map((e) => [e.action, e.outcome, e.status, e.error_code])).toEqual([
      ["agents.archive", "success", 200, null],
      ["agents.update", "failure", 409, "version_conflict"],
      ["agents.update", "success", 200, null],
      ["agents.create", "success", 200, null],
    ]);
    expect(events.every((e) => e.actor.type === "admin_key" && e.actor.id === "admin")).toBe(true);
    expect(events.at(-1)?.request_id).toBe(created.res.headers.get("request-id"));
  });

  it("filters by action wildcard, actor and time, and pages without gaps or repeats", async () => {
    const key = await createKey(["read", "write"], "auditor test");
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(
        (await callJson("/v1/environments", { key: key.secret, body: { name: `audit-env-${i}-${key.id}` } }))
          .body.id,
      );
    }
    await callJson(`/v1/environments/${ids[0]}/archive`, { key: key.secret, method: "POST" });

    const byActor = await auditFor(`actor=${key.id}`);
    expect(byActor).toHaveLength(6);
    const creates = await auditFor(`actor=${key.id}&action=environments.create`);
    expect(creates.map((e) => e.target).sort()).toEqual([...ids].sort());
    const wildcard = await auditFor(`actor=${key.id}&action=environments.*`);
    expect(wildcard).toHaveLength(6);
    expect(await auditFor(`actor=${key.id}&action=agents.*`)).toHaveLength(0);
    // LIKE's own wildcards are literal.
    expect(await auditFor(`actor=${key.id}&action=environments_create`)).toHaveLength(0);

    const seen: string[] = [];
    let page: string | null = null;
    do {
      const query: string = `/v1/audit?actor=${key.id}&limit=4${page ? `&page=${page}` : ""}`;
      const res = await callJson(query);
      seen.push(...res.body.data.map((e: AuditEvent) => e.id));
      page = res.body.next_page;
    } while (page);
    expect(seen).toEqual(byActor.map((e) => e.id));

    const future = new Date(Date.now() + 60_000).toISOString();
    expect(await auditFor(`actor=${key.id}&since=${encodeURIComponent(future)}`)).toHaveLength(0);
    expect(await auditFor(`actor=${key.id}&until=${encodeURIComponent(future)}`)).toHaveLength(6);
  });

  it("rejects malformed filters", async () => {
    const bad = await callJson("/v1/audit?since=yesterday&limit=0&page=%%%");
    expect(bad.status).toBe(400);
    const paths = bad.body.error.details.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(["query.since", "query.limit"]));
    const cursor = await callJson("/v1/audit?page=bm90LWEtY3Vyc29y");
    expect(cursor.status).toBe(400);
    expect(cursor.body.error.details.error_code).toBe("invalid_cursor");
  });

  it("deletes rows past retention in the scheduled handler, keeping recent ones", async () => {
    const old = Date.now() - 91 * 86_400_000;
    await env.DB.prepare(
      "INSERT INTO audit_log (at, request_id, actor_type, actor_id, action, target, outcome, status) VALUES (?, 'req_old', 'admin_key', 'admin', 'agents.create', 'agent_retention_old', 'success', 200)",
    )
      .bind(old)
      .run();
    const recent = await callJson("/v1/agents", { body: MINIMAL_AGENT });

    const ctx = createExecutionContext();
    await worker.scheduled(
      createScheduledController({ cron: "17 3 * * *", scheduledTime: Date.now() }),
      env,
      ctx,
    );
    await waitOnExecutionContext(ctx);

    expect(await auditFor("target=agent_retention_old")).toHaveLength(0);
    expect(await auditFor(`target=${recent.body.id}`)).toHaveLength(1);
  });
});
