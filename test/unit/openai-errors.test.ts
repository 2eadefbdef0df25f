/**
 * The one ApiError → OpenAI error converter, used by the LLM proxy (errors from session meters)
 * and by the OpenAI-compatible paths (envelopes re-shaped by src/openai/errors.ts).
 */
import { describe, expect, it } from "vitest";
import { ApiError } from "../../src/errors";
import { openAiErrorFromApiError } from "../../src/llm/openai-errors";

async function converted(err: ApiError) {
  const res = openAiErrorFromApiError(err);
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

describe("openAiErrorFromApiError", () => {
  it("gives a 409 OpenAI's invalid_request_error type, as the OpenAI paths always did (the LLM proxy said conflict_error)", async () => {
    const { status, headers, body } = await converted(
      new ApiError("session_idle", "the session is running no turn"),
    );
    expect(status).toBe(409);
    expect(headers.get("x-should-retry")).toBe("false");
    expect(body).toEqual({
      error: {
        message: "the session is running no turn",
        type: "invalid_request_error",
        param: null,
        code: "session_idle",
      },
    });
  });

  it("renames the codes OpenAI clients know and keeps the error's headers", async () => {
    const { status, headers, body } = await converted(
      new ApiError("rate_limited", "slow down", { headers: { "retry-after": "3" } }),
    );
    expect(status).toBe(429);
    expect(headers.get("retry-after")).toBe("3");
    expect(headers.get("x-should-retry")).toBe("true");
    expect(body.error).toMatchObject({ type: "rate_limit_error", code: "rate_limit_exceeded" });
    const missing = await converted(new ApiError("agent_not_found", "agent x not found"));
    expect(missing.body.error).toMatchObject({ type: "invalid_request_error", code: "model_not_found" });
  });

  it("names the first invalid field as param", async () => {
    const { body } = await converted(
      new ApiError("invalid_request", "bad", {
        fields: [
          { path: "messages.0.content", message: "x" },
          { path: "model", message: "y" },
        ],
      }),
    );
    expect(body.error).toMatchObject({ param: "messages.0.content", code: "invalid_request" });
  });

  it("types 5xx as server_error", async () => {
    const { status, body } = await converted(new ApiError("service_unavailable", "later"));
    expect(status).toBe(503);
    expect(body.error).toMatchObject({ type: "server_error", code: "service_unavailable" });
  });
});
