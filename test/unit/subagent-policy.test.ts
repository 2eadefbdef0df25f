import { describe, expect, it } from "vitest";
import { resolveMultiagent } from "../../src/domain/multiagent";
import { decideSpawn, type SpawnRequest } from "../../src/domain/subagent-policy";
import type { MultiagentParams } from "../../src/schemas/agent-multiagent";

const self = { id: "agent_lead", version: 3 };

function request(params: MultiagentParams | null, over: Partial<SpawnRequest> = {}): SpawnRequest {
  return {
    multiagent: params === null ? null : resolveMultiagent(params, null),
    self,
    target: { type: "agent", id: "agent_researcher" },
    parentDepth: 0,
    running: 0,
    ...over,
  };
}

const researcherPinned: MultiagentParams = {
  type: "multiagent_20261001",
  subagents: {
    type: "enabled",
    inline_agents: { type: "disabled" },
    predefined_agents: [{ type: "agent", id: "agent_researcher", version: 2 }, { type: "self" }],
  },
};

describe("decideSpawn", () => {
  it("runs a predefined agent at the version its entry pins", () => {
    expect(decideSpawn(request(researcherPinned))).toEqual({
      allowed: true,
      agent: { type: "agent", id: "agent_researcher", version: 2 },
    });
    const other = decideSpawn(
      request(researcherPinned, { target: { type: "agent", id: "agent_researcher", version: 1 } }),
    );
    expect(other).toEqual({
      allowed: false,
      reason: "agent agent_researcher may only be spawned at version 2",
    });
  });

  it("refuses an agent not on the allowlist, and inline agents when they are disabled", () => {
    expect(decideSpawn(request(researcherPinned, { target: { type: "agent", id: "agent_admin" } }))).toEqual({
      allowed: false,
      reason: "agent agent_admin is not one this agent may spawn",
    });
    expect(decideSpawn(request(researcherPinned, { target: { type: "inline" } }))).toMatchObject({
      allowed: false,
      reason: "inline sub-agents are not allowed for this agent",
    });
  });

  it("admits `self` at the spawning agent's own version", () => {
    expect(decideSpawn(request(researcherPinned, { target: { type: "agent", id: "agent_lead" } }))).toEqual({
      allowed: true,
      agent: { type: "agent", id: "agent_lead", version: 3 },
    });
  });

  it("refuses everything with no settings, disabled sub-agents, or a coordinator's inline", () => {
    expect(decideSpawn(request(null)).allowed).toBe(false);
    expect(decideSpawn(request({ type: "multiagent_20261001", subagents: { type: "disabled" } }))).toEqual({
      allowed: false,
      reason: "sub-agents are disabled for this agent",
    });
    const coordinator: MultiagentParams = { type: "coordinator", agents: ["agent_researcher"] };
    expect(decideSpawn(request(coordinator)).allowed).toBe(true);
    expect(decideSpawn(request(coordinator, { target: { type: "inline" } })).allowed).toBe(false);
  });

  it("caps depth (default 1) and concurrency (default 4), and takes the agent's own caps", () => {
    const open: MultiagentParams = { type: "multiagent_20261001", subagents: { type: "enabled" } };
    expect(decideSpawn(request(open, { target: { type: "inline" } })).allowed).toBe(true);
    expect(decideSpawn(request(open, { target: { type: "inline" }, parentDepth: 1 }))).toEqual({
      allowed: false,
      reason: "sub-agents may nest at most 1 deep; this one would be 2",
    });
    expect(decideSpawn(request(open, { target: { type: "inline" }, running: 4 }))).toEqual({
      allowed: false,
      reason: "at most 4 sub-agents may run at once; 4 are running",
    });
    const roomy: MultiagentParams = {
      type: "multiagent_20261001",
      subagents: { type: "enabled", max_depth: 3, max_concurrent: 1 },
    };
    expect(decideSpawn(request(roomy, { target: { type: "inline" }, parentDepth: 2 })).allowed).toBe(true);
    expect(decideSpawn(request(roomy, { target: { type: "inline" }, running: 1 })).allowed).toBe(false);
  });

  it("keeps stored caps across an update that does not name them", () => {
    const stored = resolveMultiagent(
      { type: "multiagent_20261001", subagents: { type: "enabled", max_depth: 2 } },
      null,
    );
    const updated = resolveMultiagent(
      { type: "multiagent_20261001", subagents: { type: "enabled", max_concurrent: 2 } },
      stored,
    );
    expect(updated.type === "multiagent_20261001" && updated.subagents).toMatchObject({
      type: "enabled",
      max_depth: 2,
      max_concurrent: 2,
    });
  });

  it("carries the settings' timeout_seconds with an allowed spawn", () => {
    const timed: MultiagentParams = {
      type: "multiagent_20261001",
      subagents: { type: "enabled", timeout_seconds: 30 },
    };
    expect(decideSpawn(request(timed, { target: { type: "inline" } }))).toEqual({
      allowed: true,
      agent: { type: "inline" },
      timeoutSeconds: 30,
    });
  });
});
