/**
 * InputQueue: the durable FIFO of user messages waiting for their turn. A message leaves only
 * when its turn has finished, so an object that restarts mid-turn runs it again.
 */
import { describe, expect, it } from "vitest";
import { InputQueue } from "../../src/session/input-queue";
import { withObjectStorage } from "./support";

const AT = 1_700_000_000_000;

describe("InputQueue", () => {
  it("hands out messages oldest first, and the head stays until removed", () =>
    withObjectStorage((storage) => {
      const queue = new InputQueue(storage.sql);
      expect(queue.peek()).toBeNull();
      queue.enqueue("sevt_a", "first", AT);
      queue.enqueue("sevt_b", "second", AT);
      expect(queue.size()).toBe(2);
      expect(queue.peek()).toMatchObject({ eventId: "sevt_a", text: "first", attempts: 0 });
      expect(queue.peek()?.eventId).toBe("sevt_a");
      queue.remove("sevt_a");
      queue.enqueue("sevt_c", "third", AT);
      expect(queue.peek()?.eventId).toBe("sevt_b");
      queue.remove("sevt_b");
      expect(queue.peek()?.eventId).toBe("sevt_c");
      expect(queue.size()).toBe(1);
    }));

  it("counts attempts per message, and a restarted object sees the message and its count", () =>
    withObjectStorage((storage) => {
      const queue = new InputQueue(storage.sql);
      queue.enqueue("sevt_a", "first", AT);
      queue.enqueue("sevt_b", "second", AT);
      expect(queue.markAttempt("sevt_a")).toBe(1);
      expect(queue.markAttempt("sevt_a")).toBe(2);
      const restarted = new InputQueue(storage.sql);
      expect(restarted.peek()).toMatchObject({ eventId: "sevt_a", text: "first", attempts: 2 });
      expect(restarted.markAttempt("sevt_b")).toBe(1);
    }));

  it("takes a message once: the same event id again is refused", () =>
    withObjectStorage((storage) => {
      const queue = new InputQueue(storage.sql);
      queue.enqueue("sevt_a", "first", AT);
      expect(() => queue.enqueue("sevt_a", "again", AT)).toThrow();
      expect(queue.size()).toBe(1);
    }));

  it("keeps each message's accept time with it, so nothing of a message outlives it", () =>
    withObjectStorage((storage) => {
      const queue = new InputQueue(storage.sql);
      queue.enqueue("sevt_a", "first", AT);
      queue.enqueue("sevt_b", "second", AT + 5);
      expect(queue.peek()).toMatchObject({ eventId: "sevt_a", acceptedAt: AT });
      queue.remove("sevt_a");
      // A restarted object still knows when the waiting message came (a memory map would not).
      expect(new InputQueue(storage.sql).peek()).toMatchObject({ eventId: "sevt_b", acceptedAt: AT + 5 });
      // Cleared (an archived session): the time goes with the message.
      queue.clear();
      const left = storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM input_queue").one().n;
      expect(left).toBe(0);
    }));

  it("takes over a queue kept before accept times were: its messages run, with no time", () =>
    withObjectStorage((storage) => {
      // The object's own queue (made as it started) replaced by one of the old shape.
      storage.sql.exec("DROP TABLE IF EXISTS input_queue");
      storage.sql.exec(`CREATE TABLE input_queue (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id TEXT NOT NULL UNIQUE,
        text TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0
      )`);
      storage.sql.exec("INSERT INTO input_queue (event_id, text) VALUES ('sevt_old', 'waiting')");
      const queue = new InputQueue(storage.sql);
      const head = queue.peek();
      expect(head).toMatchObject({ eventId: "sevt_old", text: "waiting", attempts: 0 });
      expect(head).not.toHaveProperty("acceptedAt");
      queue.enqueue("sevt_new", "next", AT);
      queue.remove("sevt_old");
      expect(queue.peek()).toMatchObject({ eventId: "sevt_new", acceptedAt: AT });
    }));

  it("empties at once when cleared (an archived session runs nothing more)", () =>
    withObjectStorage((storage) => {
      const queue = new InputQueue(storage.sql);
      queue.enqueue("sevt_a", "first", AT);
      queue.enqueue("sevt_b", "second", AT);
      queue.clear();
      expect(queue.size()).toBe(0);
      expect(queue.peek()).toBeNull();
    }));
});
