/**
 * Every API route declares, with its path and schemas, who may call it and what the audit log
 * calls it (src/routes/define-route.ts); the scope check, the audit layer and plane-token
 * confinement read only that declaration. These tests hold the declarations complete and the
 * middleware deny-by-default: plane tokens reach nothing a declaration does not grant them, and
 * a route registered without a declaration answers nobody.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { createRoute } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { SCOPES } from "../../src/auth/principal";
import { routePolicyOf } from "../../src/auth/route-policy";
import { ADMIN_KEY, call } from "../helpers/api";
import { addMember, createPlane, memberSession } from "../helpers/planes";

/** Every `/v1` operation the app registers, as its config (method, OpenAPI path, policy). */
function apiRoutes() {
  return createApp()
    .openAPIRegistry.definitions.flatMap((def) => (def.type === "route" ? [def.route] : []))
    .filter((route) => route.path.startsWith("/v1/"));
}

const label = (route: { method: string; path: string }) => `${route.method.toUpperCase()} ${route.path}`;

describe("route policies", () => {
  it("declares a scope and an audit decision for every route, and an audit action for every change", () => {
    const routes = apiRoutes();
    expect(routes.length).toBeGreaterThan(40);
    const undecided = routes.filter((route) => {
      const policy = routePolicyOf(route);
      return (
        !policy ||
        !SCOPES.includes(policy.scope) ||
        (policy.audit !== false && !/^[a-z_]+(\.[a-z_]+)+$/.test(policy.audit))
      );
    });
    expect(undecided.map(label)).toEqual([]);

    const unaudited = routes.filter((route) => route.method !== "get" && !routePolicyOf(route)?.audit);
    expect(unaudited.map(label)).toEqual([]);

    const actions = routes.flatMap((route) => routePolicyOf(route)?.audit || []);
    expect(new Set(actions).size).toBe(actions.length);
  });

  it("refuses plane tokens on every route whose declaration does not admit them, even on their own things", async () => {
    const plane = await createPlane();
    const alice = await addMember(plane.id, "alice");
    const session = await memberSession(alice);
    // Alice's own ids, so a refusal is the declaration's doing, not a 404 for someone else's thing.
    const own: Record<string, string> = {
      agent_id: alice.agent_id,
      environment_id: alice.environment_id,
      vault_id: alice.vault_id,
      session_id: session.id,
      plane: plane.id,
      member: "alice",
    };
    const concrete = (path: string) => path.replaceAll(/\{([^}]+)\}/g, (_, name: string) => own[name] ?? "x");

    const routes = apiRoutes();
    const memberBarred = routes.filter((route) => !routePolicyOf(route)?.member);
    const adminBarred = routes.filter((route) => !routePolicyOf(route)?.planeAdmin);
    // Both kinds of token are barred from most of the API, and each is admitted somewhere.
    expect(memberBarred.length).toBeGreaterThan(20);
    expect(memberBarred.length).toBeLessThan(routes.length);
    expect(adminBarred.length).toBeGreaterThan(20);
    expect(adminBarred.length).toBeLessThan(routes.length);

    const reached: string[] = [];
    for (const [key, barred] of [
      [alice.token, memberBarred],
      [plane.admin_token, adminBarred],
    ] as const) {
      for (const route of barred) {
        const method = route.method.toUpperCase();
        const res = await call(concrete(route.path), {
          key,
          method,
          body: method === "POST" ? {} : undefined,
        });
        const { error } = (await res.json()) as {
          error?: { code?: string; details?: { error_code?: string } };
        };
        // The OpenAI-compatible routes answer in OpenAI's error shape (`error.code`).
        const code = error?.details?.error_code ?? error?.code;
        if (res.status !== 403 || code !== "permission_denied") {
          reached.push(`${key === alice.token ? "member" : "plane admin"}: ${label(route)} → ${res.status}`);
        }
      }
    }
    expect(reached).toEqual([]);
    // The member still has its session: the refused DELETE did nothing.
    expect((await call(`/v1/sessions/${session.id}`, { key: alice.token })).status).toBe(200);
  });

  it("answers nobody on a route registered without a declaration, not even the admin key", async () => {
    const app = createApp();
    app.openapi(
      createRoute({ method: "get", path: "/v1/undeclared", responses: { 200: { description: "ran" } } }),
      (c) => c.text("ran", 200),
    );
    app.get("/v1/unregistered", (c) => c.text("ran", 200));
    const request = async (path: string) => {
      const ctx = createExecutionContext();
      const res = await app.request(path, { headers: { authorization: `Bearer ${ADMIN_KEY}` } }, env, ctx);
      await waitOnExecutionContext(ctx);
      return { status: res.status, text: await res.text() };
    };

    expect((await request("/v1/agents")).status).toBe(200);
    for (const path of ["/v1/undeclared", "/v1/unregistered"]) {
      const res = await request(path);
      expect(res.text).not.toBe("ran");
      expect(res.status, path).toBe(500);
    }
  });
});
