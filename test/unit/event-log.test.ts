/**
 * EventLog: a session's history in its object's SQLite, as the events list, SSE resumption and
 * the restored-context transcript read it.
 */
import { describe, expect, it } from "vitest";
import { EventLog } from "../../src/session/event-log";
import { withObjectStorage } from "./support";

const content = (t: string) => [{ type: "text" as const, text: t }];
const userMessage = (t: string) => ({ type: "user.message" as const, content: content(t) });
const agentMessage = (t: string) => ({ type: "agent.message" as const, content: content(t) });
const idle = {
  type: "session.status_idle" as const,
  stop_reason: { type: "end_turn" as const },
  stop_details: null,
};
const T0 = Date.UTC(2026, 0, 1);

describe("EventLog", () => {
  it("gives each event the next position and a stable sevt_ id, as stored", () =>
    withObjectStorage((storage) => {
      const log = new EventLog(storage.sql);
      const queued = log.append(userMessage("hi"), null);
      const ended = log.append(idle, T0, "sevt_fixed");
      expect(ended.seq).toBeGreaterThan(queued.seq);
      expect(queued.event).toEqual({
        id: expect.stringMatching(/^sevt_/),
        ...userMessage("hi"),
        processed_at: null,
      });
      expect(ended.event).toMatchObject({ id: "sevt_fixed", processed_at: "2026-01-01T00:00:00.000Z" });
      expect(log.get(queued.event.id)).toEqual(queued);
      expect(log.get("sevt_unknown")).toBeNull();
      expect(log.lastSeq()).toBe(ended.seq);
    }));

  it("marks a queued message processed, in history as on later reads", () =>
    withObjectStorage((storage) => {
      const log = new EventLog(storage.sql);
      const { event } = log.append(userMessage("hi"), null);
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
      const ids = Array.from({ length: 7 }, (_, i) => log.append(agentMessage(`m${i}`), T0 + i).event.id);
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
      log.append(userMessage("q"), T0);
      const a = log.append(agentMessage("a"), T0 + 1000).event.id;
      log.append(idle, T0 + 2000);
      const b = log.append(agentMessage("b"), T0 + 3000).event.id;
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
      const events = Array.from({ length: 5 }, (_, i) => log.append(agentMessage(`m${i}`), T0).event);
      const last = log.get(events[1]?.id ?? "");
      expect(log.after(last?.seq ?? 0).map((r) => r.event.id)).toEqual(events.slice(2).map((e) => e.id));
      expect(log.after(log.lastSeq())).toEqual([]);
    }));

  it("keeps its history and its positions across a restart of the object", () =>
    withObjectStorage((storage) => {
      const first = new EventLog(storage.sql).append(agentMessage("before"), T0);
      const restarted = new EventLog(storage.sql);
      expect(restarted.get(first.event.id)).toEqual(first);
      expect(restarted.append(agentMessage("after"), T0).seq).toBeGreaterThan(first.seq);
    }));

  it("reads the conversation so far: processed user and agent messages only, in order", () =>
    withObjectStorage((storage) => {
      const log = new EventLog(storage.sql);
      log.append(
        {
          type: "user.message",
          content: [
            { type: "text", text: "one" },
            { type: "text", text: "two" },
          ],
        },
        T0,
      );
      log.append({ type: "agent.tool_use", name: "bash", input: {}, evaluated_permission: "allow" }, T0);
      log.append(agentMessage("reply"), T0);
      log.append(userMessage("still queued"), null);
      expect(log.transcript()).toEqual([
        { role: "user", text: "one\ntwo" },
        { role: "assistant", text: "reply" },
      ]);
    }));
});
