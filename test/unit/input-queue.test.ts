/**
 * InputQueue: the durable FIFO of user messages waiting for their turn. A message leaves only
 * when its turn has finished, so an object that restarts mid-turn runs it again.
 */
import { describe, expect, it } from "vitest";
import { InputQueue } from "../../src/session/input-queue";
import { withObjectStorage } from "./support";

describe("InputQueue", () => {
  it("hands out messages oldest first, and the head stays until removed", () =>
    withObjectStorage((storage) => {
      const queue = new InputQueue(storage.sql);
      expect(queue.peek()).toBeNull();
      queue.enqueue("sevt_a", "first");
      queue.enqueue("sevt_b", "second");
      expect(queue.size()).toBe(2);
      expect(queue.peek()).toMatchObject({ eventId: "sevt_a", text: "first", attempts: 0 });
      expect(queue.peek()?.eventId).toBe("sevt_a");
      queue.remove("sevt_a");
      queue.enqueue("sevt_c", "third");
      expect(queue.peek()?.eventId).toBe("sevt_b");
      queue.remove("sevt_b");
      expect(queue.peek()?.eventId).toBe("sevt_c");
      expect(queue.size()).toBe(1);
    }));

  it("counts attempts per message, and a restarted object sees the message and its count", () =>
    withObjectStorage((storage) => {
      const queue = new InputQueue(storage.sql);
      queue.enqueue("sevt_a", "first");
      queue.enqueue("sevt_b", "second");
      expect(queue.markAttempt("sevt_a")).toBe(1);
      expect(queue.markAttempt("sevt_a")).toBe(2);
      const restarted = new InputQueue(storage.sql);
      expect(restarted.peek()).toMatchObject({ eventId: "sevt_a", text: "first", attempts: 2 });
      expect(restarted.markAttempt("sevt_b")).toBe(1);
    }));

  it("takes a message once: the same event id again is refused", () =>
    withObjectStorage((storage) => {
      const queue = new InputQueue(storage.sql);
      queue.enqueue("sevt_a", "first");
      expect(() => queue.enqueue("sevt_a", "again")).toThrow();
      expect(queue.size()).toBe(1);
    }));

  it("empties at once when cleared (an archived session runs nothing more)", () =>
    withObjectStorage((storage) => {
      const queue = new InputQueue(storage.sql);
      queue.enqueue("sevt_a", "first");
      queue.enqueue("sevt_b", "second");
      queue.clear();
      expect(queue.size()).toBe(0);
      expect(queue.peek()).toBeNull();
    }));
});
