/**
 * EventLog: a session's history in its object's SQLite, as the events list, SSE resumption and
 * the restored-context transcript read it.
 */
import { describe, expect, it } from "vitest";
import { EventLog } from "../../src/session/event-log";
import { withObjectStorage } from "./support";

const text = (t: string) => ({ content: [{ type: "text", text: t }] });
const T0 = Date.UTC(2026, 0, 1);

describe("EventLog", () => {
  it("gives each event the next position and a stable sevt_ id, as stored", () =>
    withObjectStorage((storage) => {
      const log = new EventLog(storage.sql);
      const queued = log.append("user.message", text("hi"), null);
      const idle = log.append("session.status_idle", { stop_reason: { type: "end_turn" } }, T0, "sevt_fixed");
      expect(idle.seq).toBeGreaterThan(queued.seq);
      expect(queued.event).toEqual({
        id: expect.stringMatching(/^sevt_/),
        type: "user.message",
        ...text("hi"),
        processed_at: null,
      });
      expect(idle.event).toMatchObject({ id: "sevt_fixed", processed_at: "2026-01-01T00:00:00.000Z" });
      expect(log.get(queued.event.id)).toEqual(queued);
      expect(log.get("sevt_unknown")).toBeNull();
      expect(log.lastSeq()).toBe(idle.seq);
    }));

  it("marks a queued message processed, in history as on later reads", () =>
    withObjectStorage((storage) => {
      const log = new EventLog(storage.sql);
      const { event } = log.append("user.message", text("hi"), null);
      log.markProcessed(event.id, T0);
      expect(log.get(event.id)?.event.processed_at).toBe("2026-01-01T00:00:00.000Z");
      expect(log.query({ limit: 10, order: "asc", processedGte: T0 }).map((r) => r.event.id)).toEqual([
        event.id,
      ]);
      log.markProcessed("sevt_unknown", T0); // nothing to mark: no error, nothing changes
      expect(log.query({ limit: 10, order: "asc" })).toHaveLength(1);
    }));

  it("pages both ways by cursor: every event exactly once, one extra row telling more exist", () =>
    withObjectStorage((storage) => {
      const log = new EventLog(storage.sql);
      const ids = Array.from(
        { length: 7 },
        (_, i) => log.append("agent.message", text(`m${i}`), T0 + i).event.id,
      );
      for (const order of ["asc", "desc"] as const) {
        const seen: string[] = [];
        let cursorSeq: number | undefined;
        for (;;) {
          const rows = log.query({ limit: 3, order, cursorSeq });
          const page = rows.slice(0, 3);
          seen.push(...page.map((r) => r.event.id));
          if (rows.length <= 3) break;
          cursorSeq = page.at(-1)?.seq;
        }
        expect(seen).toEqual(order === "asc" ? ids : [...ids].reverse());
      }
    }));

  it("filters by type and by processed_at bounds", () =>
    withObjectStorage((storage) => {
      const log = new EventLog(storage.sql);
      log.append("user.message", text("q"), T0);
      const a = log.append("agent.message", text("a"), T0 + 1000).event.id;
      log.append("session.status_idle", {}, T0 + 2000);
      const b = log.append("agent.message", text("b"), T0 + 3000).event.id;
      const ids = (q: Parameters<EventLog["query"]>[0]) => log.query(q).map((r) => r.event.id);
      expect(ids({ limit: 10, order: "asc", types: ["agent.message"] })).toEqual([a, b]);
      expect(ids({ limit: 10, order: "asc", processedGt: T0 + 1000, processedLt: T0 + 3000 })).toHaveLength(
        1,
      );
      expect(ids({ limit: 10, order: "asc", processedGte: T0 + 1000, processedLte: T0 + 3000 })).toHaveLength(
        3,
      );
    }));

  it("resumes after a Last-Event-ID: exactly the events after it, oldest first", () =>
    withObjectStorage((storage) => {
      const log = new EventLog(storage.sql);
      const events = Array.from(
        { length: 5 },
        (_, i) => log.append("agent.message", text(`m${i}`), T0).event,
      );
      const last = log.get(events[1]?.id ?? "");
      expect(log.after(last?.seq ?? 0).map((r) => r.event.id)).toEqual(events.slice(2).map((e) => e.id));
      expect(log.after(log.lastSeq())).toEqual([]);
    }));

  it("keeps its history and its positions across a restart of the object", () =>
    withObjectStorage((storage) => {
      const first = new EventLog(storage.sql).append("agent.message", text("before"), T0);
      const restarted = new EventLog(storage.sql);
      expect(restarted.get(first.event.id)).toEqual(first);
      expect(restarted.append("agent.message", text("after"), T0).seq).toBeGreaterThan(first.seq);
    }));

  it("reads the conversation so far: processed user and agent messages only, in order", () =>
    withObjectStorage((storage) => {
      const log = new EventLog(storage.sql);
      log.append(
        "user.message",
        {
          content: [
            { type: "text", text: "one" },
            { type: "text", text: "two" },
          ],
        },
        T0,
      );
      log.append("agent.tool_use", { name: "bash" }, T0);
      log.append("agent.message", text("reply"), T0);
      log.append("user.message", text("still queued"), null);
      expect(log.transcript()).toEqual([
        { role: "user", text: "one\ntwo" },
        { role: "assistant", text: "reply" },
      ]);
    }));
});
