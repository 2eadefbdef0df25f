/**
 * Agents Plane fixtures for the workerd tests: planes and members created through the API, and
 * a way to drive one metered model call of a session through the real LLM proxy path (session
 * token from the session's own object → proxy core → model double → session meter → D1 ledger).
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { sessionMeters } from "../../src/entrypoints/session-ports";
import { proxyChatCompletion } from "../../src/llm/proxy";
import { callJson } from "./api";
import { sessionObject } from "./session-object";
import { duringTurn } from "./session-token";
import { waitFor } from "./wait";

export const MODEL_SERVER_URL = (env as unknown as { MODEL_SERVER_URL: string }).MODEL_SERVER_URL;

export const unique = (prefix: string) => `${prefix}-${crypto.randomUUID().slice(0, 8)}`;

export async function createPlane(extra: Record<string, unknown> = {}) {
  const res = await callJson("/v1/planes", {
    body: {
      name: unique("plane"),
      template: { model: "claude-sonnet-4-6", system: "You help the team." },
      ...extra,
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as Record<string, any> & { id: string; name: string; admin_token: string };
}

export async function addMember(
  planeRef: string,
  name: string,
  key?: string,
  extra: Record<string, unknown> = {},
) {
  const res = await callJson(`/v1/planes/${planeRef}/members`, {
    key,
    body: { name, owner: `${name}@acme.test`, ...extra },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as Record<string, any> & {
    id: string;
    agent_id: string;
    environment_id: string;
    vault_id: string;
    token: string;
  };
}

export async function memberSession(member: { agent_id: string; environment_id: string; token: string }) {
  const res = await callJson("/v1/sessions", {
    key: member.token,
    body: { agent: member.agent_id, environment_id: member.environment_id },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as Record<string, any> & { id: string };
}

export const message = (text: string) => ({
  events: [{ type: "user.message", content: [{ type: "text", text }] }],
});

/**
 * Sends a message and waits until the session is idle again. Without an agent runtime (these
 * tests have none) the turn ends in `session.error`, but it does start: the session picks up
 * pending agent versions and mints its LLM proxy token, which is what the plane tests need.
 */
export async function runTurn(sessionId: string, key: string, text = "hello") {
  const sent = await callJson(`/v1/sessions/${sessionId}/events`, { key, body: message(text) });
  expect(sent.status, JSON.stringify(sent.body)).toBe(200);
  await waitFor(
    async () => {
      const events = await callJson(`/v1/sessions/${sessionId}/events?order=desc&limit=1`, { key });
      return events.body.data?.[0]?.type === "session.status_idle";
    },
    { timeoutMs: 10_000, what: `turn of ${sessionId} to end` },
  );
}

/** The session's LLM proxy token, read from its object (minted when its first turn started). */
export async function sessionToken(sessionId: string): Promise<string> {
  const stub = sessionObject(sessionId);
  const secrets = await runInDurableObject(stub, (_instance, state) =>
    state.storage.kv.get<{ sessionToken: string }>("runtime-secrets"),
  );
  if (!secrets) throw new Error(`session ${sessionId} has no runtime secrets yet`);
  return secrets.sessionToken;
}

/**
 * One model call as the session's runtime would make it during a turn: through the proxy core with the
 * production session meters, upstream the model double. Returns the model the upstream was asked
 * for (the proxy swaps in the session's agent model).
 */
export async function modelCall(
  sessionId: string,
  marker: string,
): Promise<{ status: number; model: string | null }> {
  const token = await sessionToken(sessionId);
  const pending: Promise<unknown>[] = [];
  const status = await duringTurn(sessionId, async () => {
    const res = await proxyChatCompletion(
      new Request("http://llm.test/v1/chat/completions", {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "default", messages: [{ role: "user", content: marker }] }),
      }),
      {
        env: { LLM_UPSTREAM_BASE_URL: MODEL_SERVER_URL, LLM_UPSTREAM_API_KEY: "sk-test-plane-provider" },
        resolveMeter: sessionMeters(env),
        waitUntil: (p) => pending.push(p),
      },
    );
    await res.text();
    return res.status;
  });
  await Promise.all(pending);
  const requests = (await (await fetch(`${new URL(MODEL_SERVER_URL).origin}/__requests`)).json()) as Array<{
    body: { model: string; messages: Array<{ content: string }> };
  }>;
  const mine = requests.filter((r) => r.body?.messages?.some((m) => m.content === marker)).at(-1);
  return { status, model: mine?.body.model ?? null };
}
