import { describe, expect, it } from "vitest";
import { renderSessionConfig, THREADS_PLUGIN } from "../../src/runtime/openclaw/session-config";
import {
  slotOfModelId,
  THREAD_MODEL_SLOTS,
  threadModelId,
  threadModelRef,
} from "../../src/session/thread-model";
import { THREAD_TOOL_DEFINITIONS } from "../../src/session/thread-tools";

const base = { toolPolicy: {}, tools: { deny: [] }, mcp: { servers: {} }, systemPrompt: null };
const pluginConfig = (doc: Record<string, unknown>) =>
  (doc.plugins as { entries: Record<string, { config: unknown }> }).entries[THREADS_PLUGIN]?.config;

describe("thread tools in the session document", () => {
  it("configure the threads plugin for an agent that may spawn, and leave it empty otherwise", () => {
    const spawning = renderSessionConfig({ ...base, threadTools: THREAD_TOOL_DEFINITIONS });
    expect(pluginConfig(spawning)).toEqual({ tools: THREAD_TOOL_DEFINITIONS });
    expect(THREAD_TOOL_DEFINITIONS.map((t) => t.name)).toEqual(["spawn_agent", "message_thread"]);
    expect(pluginConfig(renderSessionConfig(base))).toEqual({});
  });
});

describe("thread model slots", () => {
  it("name 16 slots the gateway can be pinned to, and nothing else", () => {
    expect(threadModelRef(3)).toBe("clawplane/thread-3");
    for (let slot = 1; slot <= THREAD_MODEL_SLOTS; slot++)
      expect(slotOfModelId(threadModelId(slot))).toBe(slot);
    for (const id of ["default", "thread-0", "thread-17", "thread-1x", "claude-sonnet-4-6", "thread-"])
      expect(slotOfModelId(id)).toBeNull();
  });
});
