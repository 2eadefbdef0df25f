/** `npm run dev` warns at start when no model provider is configured (scripts/dev-providers.mjs). */
import { describe, expect, it } from "vitest";
import { missingProviderWarning, parseDevVars, varArguments } from "../../scripts/dev-providers.mjs";

describe("npm run dev's provider warning", () => {
  it("warns, naming the settings to set, when no source gives a provider setting a value", () => {
    const devVars = parseDevVars(
      "ADMIN_API_KEY=k\nLLM_UPSTREAM_API_KEY=\nOPENAI_API_KEY=\n# ANTHROPIC_API_KEY=x\n",
    );
    const toml = parseDevVars('[vars]\nLLM_UPSTREAM_BASE_URL = ""\nLOG_LEVEL = "info"\n');
    const warning = missingProviderWarning([toml, devVars, varArguments(["--port", "9000"])]);
    expect(warning).toContain("no model provider is configured");
    for (const name of ["LLM_UPSTREAM_BASE_URL", "OPENAI_API_KEY", "ANTHROPIC_API_KEY"]) {
      expect(warning).toContain(name);
    }
  });

  it("is quiet when any one provider setting has a value, from any source", () => {
    expect(missingProviderWarning([parseDevVars("ANTHROPIC_API_KEY=sk-ant-x\n")])).toBeNull();
    expect(
      missingProviderWarning([parseDevVars('LLM_UPSTREAM_BASE_URL = "http://127.0.0.1:11434/v1"')]),
    ).toBeNull();
    const args = varArguments(["--var", "OPENAI_API_KEY:sk-x", "--port", "9000"]);
    expect(missingProviderWarning([{}, args])).toBeNull();
    expect(missingProviderWarning([varArguments(["--var=LLM_UPSTREAM_BASE_URL:http://h:1/v1"])])).toBeNull();
  });
});
