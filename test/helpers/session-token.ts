/**
 * A session's LLM proxy token in workerd tests (which run no agent runtime), and a model call
 * made with it the way a session's gateway makes one.
 */
import { runInDurableObject } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import type { SessionDO } from "../../src/session/session-do";
import { BASE_URL, callJson } from "./api";
import { sessionObject } from "./session-object";
import { waitFor } from "./wait";

/**
 * Mints the session's runtime secrets with a first turn (which fails: there is no runtime) and
 * returns its LLM proxy token; the session is idle again when this resolves.
 */
export async function mintSessionToken(sessionId: string): Promise<string | undefined> {
  await callJson(`/v1/sessions/${sessionId}/events`, {
    body: { events: [{ type: "user.message", content: [{ type: "text", text: "mint" }] }] },
  });
  await waitFor(async () => (await callJson(`/v1/sessions/${sessionId}`)).body.status === "idle", {
    what: "the turn to end",
  });
  return runInDurableObject(sessionObject(sessionId), (instance: SessionDO) => {
    const ctx = (instance as unknown as { ctx: DurableObjectState }).ctx;
    return ctx.storage.kv.get<{ sessionToken: string }>("runtime-secrets")?.sessionToken;
  });
}

/** `POST /llm/v1/chat/completions` with a session token, as the session's gateway sends it. */
export function modelCall(token: string | undefined): Promise<Response> {
  return exports.default.fetch(
    new Request(`${BASE_URL}/llm/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "default", messages: [{ role: "user", content: "hi" }] }),
    }),
  );
}

/**
 * Runs `fn` while the session counts as running a turn, as it does while its runtime's run is
 * under way: the LLM proxy grants model calls only then. These tests have no runtime, so a
 * stand-in turn is put on the session's turn runner for the duration of `fn` and taken off after; a
 * turn end the proxy reports (a failed call) resolves nothing.
 */
export async function duringTurn<T>(sessionId: string, fn: () => Promise<T>): Promise<T> {
  const stub = sessionObject(sessionId);
  const setTurn = (turn: object | undefined) =>
    runInDurableObject(stub, (instance: SessionDO) => {
      (instance as unknown as { turns: { turn: object | undefined } }).turns.turn = turn;
    });
  // Shaped like an ActiveTurn as far as the proxy's hooks reach: its calls are counted, and its
  // reply is never settled (no gateway), so the turn never ends early.
  await setTurn({
    eventId: "sevt_test_turn",
    runId: "test-turn",
    startedAt: Date.now(),
    callsGranted: 0,
    callsRecorded: 0,
    translator: { replySettled: () => false },
    end: () => {},
  });
  try {
    return await fn();
  } finally {
    await setTurn(undefined);
  }
}
