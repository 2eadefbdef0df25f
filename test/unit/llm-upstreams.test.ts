import { describe, expect, it } from "vitest";
import {
  ANTHROPIC_DEFAULT_BASE_URL,
  chatCompletionsUrl,
  chooseUpstream,
  missingProviderMessage,
  OPENAI_DEFAULT_BASE_URL,
  upstreamHost,
} from "../../src/llm/upstreams";

const ALL = {
  LLM_UPSTREAM_BASE_URL: "https://gateway.example/v1/",
  LLM_UPSTREAM_API_KEY: "default-key",
  OPENAI_API_KEY: "openai-key",
  ANTHROPIC_API_KEY: "anthropic-key",
};

describe("chooseUpstream", () => {
  it("sends OpenAI models to OpenAI and Claude models to Anthropic when their keys are set", () => {
    for (const model of ["gpt-4o", "gpt-5-mini", "chatgpt-4o-latest", "o3", "o4-mini"]) {
      expect(chooseUpstream(model, ALL)).toEqual({
        provider: "openai",
        baseUrl: OPENAI_DEFAULT_BASE_URL,
        apiKey: "openai-key",
      });
    }
    expect(chooseUpstream("claude-sonnet-4-6", ALL)).toEqual({
      provider: "anthropic",
      baseUrl: ANTHROPIC_DEFAULT_BASE_URL,
      apiKey: "anthropic-key",
    });
  });

  it("falls back to the default upstream without the provider's key, or for other models", () => {
    const onlyDefault = { LLM_UPSTREAM_BASE_URL: ALL.LLM_UPSTREAM_BASE_URL, LLM_UPSTREAM_API_KEY: "k" };
    expect(chooseUpstream("claude-sonnet-4-6", onlyDefault)?.provider).toBe("default");
    expect(chooseUpstream("gpt-4o", { ...onlyDefault, OPENAI_API_KEY: " " })?.provider).toBe("default");
    // "ollama/..." starts with "o" but is not an OpenAI reasoning model.
    expect(chooseUpstream("ollama-llama3", ALL)?.provider).toBe("default");
    expect(chooseUpstream("mistral-large", ALL)).toEqual({
      provider: "default",
      baseUrl: "https://gateway.example/v1",
      apiKey: "default-key",
    });
  });

  it("honours base URL overrides and keyless default upstreams", () => {
    const env = {
      OPENAI_API_KEY: "k",
      OPENAI_BASE_URL: "http://127.0.0.1:9/v1",
      LLM_UPSTREAM_BASE_URL: "http://x/v1",
    };
    const up = chooseUpstream("gpt-4.1", env);
    expect(up && chatCompletionsUrl(up)).toBe("http://127.0.0.1:9/v1/chat/completions");
    expect(chooseUpstream("local", env)).toEqual({ provider: "default", baseUrl: "http://x/v1", apiKey: "" });
  });

  it("returns null when nothing can serve the model", () => {
    expect(chooseUpstream("claude-sonnet-4-6", {})).toBeNull();
    expect(chooseUpstream("mistral-large", { OPENAI_API_KEY: "k", ANTHROPIC_API_KEY: "k" })).toBeNull();
  });
});

describe("what a user is told about a model's provider", () => {
  it("names the model and every setting that would serve it", () => {
    expect(missingProviderMessage("mistral-large")).toBe(
      'no model provider is configured for model "mistral-large": set LLM_UPSTREAM_BASE_URL ' +
        "(any OpenAI-compatible endpoint) in the Worker's configuration",
    );
    expect(missingProviderMessage("claude-sonnet-4-6")).toContain("LLM_UPSTREAM_BASE_URL");
    expect(missingProviderMessage("claude-sonnet-4-6")).toContain("or ANTHROPIC_API_KEY");
    expect(missingProviderMessage("gpt-4o")).toContain("or OPENAI_API_KEY");
  });

  it("names an upstream by its host only, never its path or credentials", () => {
    const up = chooseUpstream("m", { LLM_UPSTREAM_BASE_URL: "https://user:pw@gw.example:8443/v1/acct-123/" });
    expect(up && upstreamHost(up)).toBe("gw.example:8443");
  });
});
