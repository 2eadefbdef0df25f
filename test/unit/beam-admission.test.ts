import { describe, expect, it } from "vitest";
import { admit, BEAM_LIMITS } from "../../src/beams/admission";

describe("beam admission", () => {
  it("starts 25 delegations as 5 per minute and never more than 20 at once", () => {
    let now = 1_000_000;
    let queued = 25;
    let active = 0;
    const created: number[] = [];
    const startedPerMinute: number[] = [];
    // Six minutes: four to reach the cap, then two in which nothing ends and nothing starts.
    for (let minute = 0; minute < 6 && queued > 0; minute++) {
      const { start, retryAt } = admit(now, active, created, queued);
      startedPerMinute.push(start);
      for (let i = 0; i < start; i++) created.push(now);
      active += start;
      queued -= start;
      expect(active).toBeLessThanOrEqual(BEAM_LIMITS.maxConcurrent);
      if (queued > 0) {
        expect(retryAt).not.toBeNull();
        now = retryAt as number;
      }
    }
    // Four minutes of 5 reach the cap of 20; the fifth minute starts nothing until one ends.
    expect(startedPerMinute).toEqual([5, 5, 5, 5, 0, 0]);
    expect(active).toBe(20);
    expect(queued).toBe(5);
    // One ends: one more starts (the rate window has long passed).
    expect(admit(now, 19, created, queued).start).toBe(1);
  });

  it("waits out the oldest creation in the window, not a whole minute from now", () => {
    const now = 100_000;
    const created = [50_000, 60_000, 70_000, 80_000, 90_000];
    expect(admit(now, 5, created, 3)).toEqual({ start: 0, retryAt: 110_000 });
    expect(admit(110_001, 5, created, 3).start).toBe(1);
  });

  it("starts what fits when a run ends at the concurrency cap", () => {
    expect(admit(0, 20, [], 4).start).toBe(0);
    expect(admit(0, 19, [], 4).start).toBe(1);
    expect(admit(0, 0, [], 0)).toEqual({ start: 0, retryAt: null });
  });
});
