/**
 * Plane log redaction of runtime log lines: gateway tokens, session tokens, labelled secrets,
 * authorization headers and generated-looking keys are masked, while ids and ordinary text
 * stay readable; and OpenClaw's JSON log lines become readable `{time, line}` items.
 */
import { describe, expect, it } from "vitest";
import { makeRedactor, REDACTED } from "../../src/lib/redact";
import { runtimeItem } from "../../src/planes/logs";

const redact = makeRedactor(["vault-literal-value"]);

describe("runtime log line redaction", () => {
  it("masks tokens and keys in the shapes a gateway log shows them", () => {
    const gatewayToken = "Qx7bN2mKp9LrT4vW8yZ1aC3dE5fG6hJ0kS2uV4x"; // randomBase62(43)-like
    const cases: Array<[string, string]> = [
      [`ws connect token=${gatewayToken}`, `ws connect token=${REDACTED}`],
      [`auth ${gatewayToken} accepted`, `auth ${REDACTED} accepted`],
      ["provider apiKey: cpst_sesn_0123456789abcdefABCDEF", `provider apiKey: ${REDACTED}`],
      ['{"api_key":"abcdefgh12345678"}', `{"api_key":"${REDACTED}"}`],
      ["x-api-key: plainlowercasekey", `x-api-key: ${REDACTED}`],
      ["OPENCLAW_GATEWAY_TOKEN=whatever-it-is", `OPENCLAW_GATEWAY_TOKEN=${REDACTED}`],
      ["client_secret = s3cr3tvalue!", `client_secret = ${REDACTED}`],
      ["authorization: Basic dXNlcjpwYXNzd29yZA==", `authorization: Basic ${REDACTED}`],
      ["google AIzaSyA1234567890abcdefghijklmnopqrstu", `google ${REDACTED}`],
      ["anthropic sk-ant-api03-abcdefghijklmnop", `anthropic ${REDACTED}`],
      ["uses vault-literal-value here", `uses ${REDACTED} here`],
    ];
    for (const [input, expected] of cases) expect(redact(input), input).toBe(expected);
  });

  it("keeps ids, hashes, counters and prose readable", () => {
    const keep = [
      "⇄ res ✓ chat.send 464ms runId=sevt_zSPnRI1N8ve2ssRIKBWLhUo5:1 conn=eabacdc2…f372 id=clawplane-4",
      "session agent:main:sesn_abcdefghijklmnopqrstuvwx",
      "traceId 752ddd5ef973f74ba01ca1576e424698 sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "request 0e234b31-b7f6-442d-92a1-b01bf25e2a83",
      '"max_tokens": 8192, "input_tokens": 1234',
      "plugins: clawplane-tool-policy loaded from /app/plugins/clawplane-tool-policy",
      "the token was refused",
    ];
    for (const text of keep) expect(redact(text), text).toBe(text);
  });

  it("is stable when applied twice", () => {
    const once = redact("token: abcdefgh12345678 Bearer abcdefghijklmnop");
    expect(redact(once)).toBe(once);
  });
});

describe("runtime log items", () => {
  it("turns an OpenClaw JSON log line into time and a readable, redacted line", () => {
    const raw = JSON.stringify({
      0: '{"subsystem":"gateway/ws"}',
      1: "⇄ res ✓ chat.send 464ms",
      _meta: { date: "2026-11-22T14:17:23.381Z", logLevelName: "INFO", name: '{"subsystem":"gateway/ws"}' },
      time: "2026-11-22T14:17:23.381+00:00",
      message: "⇄ res ✓ chat.send 464ms token=cpst_sesn_0123456789abcdef",
    });
    expect(runtimeItem("sesn_1", raw, redact)).toEqual({
      source: "runtime",
      session_id: "sesn_1",
      time: "2026-11-22T14:17:23.381Z",
      line: `INFO gateway/ws: ⇄ res ✓ chat.send 464ms token=${REDACTED}`,
    });
  });

  it("keeps a line that is not JSON as it is, redacted, timed when read", () => {
    const now = Date.parse("2026-01-02T03:04:05.000Z");
    expect(runtimeItem("sesn_1", "plain Bearer abcdefghijklmnop", redact, now)).toEqual({
      source: "runtime",
      session_id: "sesn_1",
      time: "2026-01-02T03:04:05.000Z",
      line: `plain Bearer ${REDACTED}`,
    });
  });

  it("never lets a secret through a field other than the message (raw JSON redacted whole)", () => {
    const raw = '{"oops": "cpst_sesn_0123456789abcdef"}';
    expect(runtimeItem("sesn_1", raw, redact).line).toBe(`{"oops": "${REDACTED}"}`);
  });
});
