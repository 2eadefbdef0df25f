/**
 * Plane logs in workerd (real D1 and session objects, no agent runtime): the item shapes when
 * no runtime runs (events only, no runtime lines, nothing failing), the page that leads to the
 * runtime lines, and follow mode resuming after a reconnect with `Last-Event-ID` (or
 * `?last_event_id=`) without losing or repeating an event, across the member's sessions.
 * Runtime lines of a live gateway are covered in test/runtime/plane-logs.test.ts.
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sessionClient } from "../../src/session/stub";
import { BASE_URL, call, callJson } from "../helpers/api";
import { addMember, createPlane, memberSession, message, runTurn, unique } from "../helpers/planes";
import { type SseFrame, SseReader } from "../helpers/sse";
import { waitFor } from "../helpers/wait";

type Item = { session_id: string; event?: { id: string; type: string }; source?: string };

function follow(planeId: string, token: string, opts: { lastEventId?: string; query?: string } = {}) {
  const controller = new AbortController();
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (opts.lastEventId) headers["last-event-id"] = opts.lastEventId;
  const res = exports.default.fetch(
    new Request(`${BASE_URL}/v1/planes/${planeId}/members/alice/logs?follow=true${opts.query ?? ""}`, {
      headers,
      signal: controller.signal,
    }),
  );
  return { res, controller };
}

/** A `session.updated` event in `sessionId`, made through the API; returns its title. */
async function touch(sessionId: string): Promise<string> {
  const title = unique("t");
  const res = await call(`/v1/sessions/${sessionId}`, { method: "POST", body: { title } });
  expect(res.status).toBe(200);
  return title;
}

const titleOf = (f: SseFrame) => (f.data?.event as { title?: string } | undefined)?.title;

describe("plane logs without a runtime", () => {
  it("lists events only, redacted; the runtime page is empty; a session object answers no lines", async () => {
    const plane = await createPlane();
    const alice = await addMember(plane.id, "alice");
    const secret = "vault-secret-for-logs-42";
    await callJson(`/v1/vaults/${alice.vault_id}/credentials`, {
      key: alice.token,
      body: {
        auth: {
          type: "environment_variable",
          secret_name: "TOKEN",
          secret_value: secret,
          networking: { type: "unrestricted" },
        },
      },
    });
    const s1 = await memberSession(alice);
    // The turn starts (runtime secrets minted) and ends in session.error: no runtime here.
    await runTurn(s1.id, alice.token, `key ${secret} api_key=abcdefgh12345678`);

    // The session's object has no running runtime: no lines, and no failure.
    expect(await sessionClient(env, s1.id).runtimeLogs({ limit: 10 })).toEqual({ lines: [], cursor: null });

    const all = await callJson(`/v1/planes/${plane.id}/members/alice/logs?limit=1000`, {
      key: plane.admin_token,
    });
    expect(all.status).toBe(200);
    const items = all.body.data as Item[];
    expect(items.length).toBeGreaterThan(3);
    for (const item of items) {
      expect(item).toEqual({ session_id: s1.id, event: expect.objectContaining({ id: expect.any(String) }) });
    }
    expect(items.map((i) => i.event?.type)).toContain("session.error");
    const text = JSON.stringify(all.body);
    expect(text).not.toContain(secret);
    expect(text).not.toContain("abcdefgh12345678");
    expect(all.body.next_page).toBeNull();

    // A page filled by the events leads to the runtime lines: none here, and the end.
    const exact = await callJson(`/v1/planes/${plane.id}/members/alice/logs?limit=${items.length}`, {
      key: plane.admin_token,
    });
    expect(exact.body.data).toEqual(items);
    expect(exact.body.next_page).toEqual(expect.any(String));
    const runtimePage = await callJson(
      `/v1/planes/${plane.id}/members/alice/logs?page=${exact.body.next_page}`,
      { key: plane.admin_token },
    );
    expect(runtimePage.body).toEqual({ data: [], next_page: null });

    // Archived: not live, so no runtime page at all.
    await callJson(`/v1/sessions/${s1.id}/archive`, { method: "POST" });
    const archived = await callJson(`/v1/planes/${plane.id}/members/alice/logs?limit=${items.length + 1}`, {
      key: plane.admin_token,
    });
    expect(archived.body.next_page).toBeNull();
    expect(archived.body.data.every((i: Item) => i.event)).toBe(true);
  });
});

describe("plane logs follow: resume", () => {
  it("replays what a reconnect missed, in every session of the member, each event once", async () => {
    const plane = await createPlane();
    const alice = await addMember(plane.id, "alice");
    const s1 = await memberSession(alice);
    const s2 = await memberSession(alice);

    const first = follow(plane.id, plane.admin_token);
    const reader = new SseReader(await first.res);
    // Wait until both sessions are followed, then see one event of each.
    const seenTitles: string[] = [];
    for (const s of [s1, s2]) {
      await waitFor(
        async () => {
          const title = await touch(s.id);
          const seen = await reader
            .until((f) => titleOf(f) === title, 300)
            .then(() => true)
            .catch(() => false);
          if (seen) seenTitles.push(title);
          return seen;
        },
        { timeoutMs: 10_000, what: `follow to subscribe to ${s.id}` },
      );
    }
    const lastSeen = reader.frames.filter((f) => f.id).at(-1)!;
    expect(lastSeen.id).toBe(`${s2.id}:${lastSeen.data.event.id}`);
    first.controller.abort();
    await reader.close();

    // While disconnected: events in both sessions, and a new session with its own.
    const missed = [await touch(s1.id), await touch(s2.id), await touch(s1.id)];
    const s3 = await memberSession(alice);
    const missedS3 = await touch(s3.id);
    await callJson(`/v1/sessions/${s2.id}/events`, { key: alice.token, body: message("while away") });

    for (const how of ["header", "query"] as const) {
      const again =
        how === "header"
          ? follow(plane.id, plane.admin_token, { lastEventId: lastSeen.id })
          : follow(plane.id, plane.admin_token, {
              query: `&last_event_id=${encodeURIComponent(lastSeen.id!)}`,
            });
      const replay = new SseReader(await again.res);
      await replay.until((f) => titleOf(f) === missedS3);
      for (const title of missed) await replay.until((f) => titleOf(f) === title);
      await replay.until((f) => f.data?.event?.type === "user.message");
      // Live again after the replay.
      const live = await touch(s1.id);
      await replay.until((f) => titleOf(f) === live);
      again.controller.abort();
      await replay.close();

      const titles = replay.frames.map(titleOf).filter(Boolean);
      // Nothing seen before the drop comes again, and nothing missed comes twice.
      for (const title of seenTitles) expect(titles, how).not.toContain(title);
      const ids = replay.frames.filter((f) => f.event === "log" && f.id).map((f) => f.id);
      expect(new Set(ids).size, how).toBe(ids.length);
      for (const f of replay.frames.filter((f) => f.id)) {
        expect(f.id).toBe(`${f.data.session_id}:${f.data.event.id}`);
      }
      expect(titles.filter((t) => missed.includes(t!)).length, how).toBe(missed.length);
    }
  });

  it("ignores a Last-Event-ID that names no event of this member: live only", async () => {
    const plane = await createPlane();
    const alice = await addMember(plane.id, "alice");
    const s1 = await memberSession(alice);
    const before = await touch(s1.id);
    const other = await createPlane();
    const bob = await addMember(other.id, "alice");
    const foreign = await memberSession(bob);
    const foreignEvents = await callJson(`/v1/sessions/${foreign.id}/events`, { key: bob.token });
    const foreignId = `${foreign.id}:${foreignEvents.body.data[0]?.id ?? "sevt_x"}`;

    for (const lastEventId of ["garbage", `${s1.id}:sevt_doesnotexist`, foreignId]) {
      const f = follow(plane.id, plane.admin_token, { lastEventId });
      const reader = new SseReader(await f.res);
      let live = "";
      await waitFor(
        async () => {
          live = await touch(s1.id);
          return reader
            .until((fr) => titleOf(fr) === live, 300)
            .then(() => true)
            .catch(() => false);
        },
        { timeoutMs: 10_000, what: "follow to subscribe" },
      );
      f.controller.abort();
      await reader.close();
      expect(reader.frames.map(titleOf), lastEventId).not.toContain(before);
    }
  });
});
