import { describe, expect, it } from "vitest";
import {
  mintSessionToken,
  SESSION_TOKEN_PREFIX,
  SESSION_TOKEN_RANDOM_CHARS,
  sessionIdFromToken,
} from "../../src/llm/session-token";

describe("session tokens", () => {
  it("round-trips session ids, including ones with underscores", () => {
    for (const id of ["sesn_011CZkZ3W8vV1Nq7bL9mXyTr", "abc", "a-b_c_d"]) {
      const token = mintSessionToken(id);
      expect(token.startsWith(`${SESSION_TOKEN_PREFIX}${id}_`)).toBe(true);
      expect(token.length).toBe(SESSION_TOKEN_PREFIX.length + id.length + 1 + SESSION_TOKEN_RANDOM_CHARS);
      expect(sessionIdFromToken(token)).toBe(id);
    }
  });

  it("mints a different secret every time", () => {
    expect(mintSessionToken("sesn_x")).not.toBe(mintSessionToken("sesn_x"));
  });

  it("rejects anything that is not a well-formed session token", () => {
    const random = "A".repeat(SESSION_TOKEN_RANDOM_CHARS);
    for (const token of [
      "",
      "sk-proj-abc",
      `cpst__${random}`,
      `cpst_sesn_x_${random}x`,
      `cpst_sesn_x_${random.slice(1)}`,
      `cpst_sesn_x_${random.slice(1)}-`,
      `cpst_ses n_${random}`,
      `cpst_${"s".repeat(200)}_${random}`,
      `CPST_sesn_x_${random}`,
    ]) {
      expect(sessionIdFromToken(token), token).toBeNull();
    }
  });

  it("refuses to mint a token whose session id could not be parsed back", () => {
    expect(() => mintSessionToken("")).toThrow(TypeError);
    expect(() => mintSessionToken("has space")).toThrow(TypeError);
    expect(() => mintSessionToken("_leading")).toThrow(TypeError);
  });
});
