import { describe, expect, it } from "vitest";
import { logLine } from "../src/cli/plane-format";

describe("planes logs lines", () => {
  it("prints a runtime log line with its time and session, beside event lines", () => {
    const line = logLine({
      source: "runtime",
      session_id: "sesn_01bob",
      time: "2026-11-02T10:00:05.000Z",
      line: "INFO gateway/ws: chat.send ok",
    });
    expect(line).toMatch(/^2026-11-02 10:00:05 {2}sesn_01bob {2}runtime {18}INFO gateway\/ws: chat.send ok$/);
  });
});
