/** Plane pieces with no I/O: runtime version choice and log redaction. */
import { describe, expect, it } from "vitest";
import { makeRedactor, REDACTED, redactDeep } from "../../src/lib/redact";
import {
  assertRuntimeVersion,
  availableRuntimeVersions,
  BUNDLED_RUNTIME_VERSION,
  defaultRuntimeVersion,
} from "../../src/planes/runtime-versions";

const env = (versions?: string) => ({ PLANE_RUNTIME_VERSIONS: versions }) as unknown as Env;

describe("plane runtime versions", () => {
  it("offers only the bundled OpenClaw version unless configured", () => {
    expect(BUNDLED_RUNTIME_VERSION).toMatch(/^\d{4}\.\d+\.\d+/);
    expect(availableRuntimeVersions(env())).toEqual([BUNDLED_RUNTIME_VERSION]);
    expect(availableRuntimeVersions(env(""))).toEqual([BUNDLED_RUNTIME_VERSION]);
    expect(defaultRuntimeVersion(env())).toBe(BUNDLED_RUNTIME_VERSION);
  });

  it("takes a configured list, defaulting to the bundled version when it is listed", () => {
    const e = env(` 2026.1.1 , ${BUNDLED_RUNTIME_VERSION}`);
    expect(availableRuntimeVersions(e)).toEqual(["2026.1.1", BUNDLED_RUNTIME_VERSION]);
    expect(defaultRuntimeVersion(e)).toBe(BUNDLED_RUNTIME_VERSION);
    expect(defaultRuntimeVersion(env("2026.1.1"))).toBe("2026.1.1");
    expect(assertRuntimeVersion(e, "2026.1.1", "runtime_version")).toBe("2026.1.1");
    expect(() => assertRuntimeVersion(e, "2030.1.1", "runtime_version")).toThrow(/available: 2026\.1\.1/);
  });
});

describe("plane log redaction", () => {
  it("hides vault secret values and well-known token shapes, keeping the rest readable", () => {
    const redact = makeRedactor(["hunter2-vault", "ab"]);
    const text = [
      "pw hunter2-vault",
      "key cpk_0123456789abcdefABCDEF",
      "member cpm_0123456789abcdef",
      "llm cpst_sesn_abc_0123456789",
      "openai sk-proj-0123456789abcdefghij",
      "gh ghp_0123456789abcdefghij0123",
      "Authorization: Bearer abcdefghijklmnop.qrs",
      "aws AKIAABCDEFGHIJKLMNOP",
      "ab stays (too short to be a secret)",
    ].join("\n");
    const out = redact(text);
    expect(out).toBe(
      [
        `pw ${REDACTED}`,
        `key ${REDACTED}`,
        `member ${REDACTED}`,
        `llm ${REDACTED}`,
        `openai ${REDACTED}`,
        `gh ${REDACTED}`,
        `Authorization: Bearer ${REDACTED}`,
        `aws ${REDACTED}`,
        "ab stays (too short to be a secret)",
      ].join("\n"),
    );
  });

  it("redacts every string inside an event, not its keys", () => {
    const redact = makeRedactor(["s3cret-value"]);
    const event = { id: "sevt_1", type: "agent.tool_use", input: { command: "echo s3cret-value", n: 1 } };
    expect(redactDeep(event, redact)).toEqual({
      id: "sevt_1",
      type: "agent.tool_use",
      input: { command: `echo ${REDACTED}`, n: 1 },
    });
  });
});
