/**
 * PendingAgent: an Agents Plane rollout's newer agent version, offered to a session and taken up
 * by its next turn.
 */
import { describe, expect, it } from "vitest";
import { PendingAgent } from "../../src/session/pending-agent";
import type { SessionAgent, SessionRecord } from "../../src/session/session-record";
import { withObjectStorage } from "./support";

const agent = (version: number, extra: Partial<SessionAgent> = {}) =>
  ({
    id: "agent_1",
    type: "agent",
    version,
    tools: [],
    mcp_servers: [],
    ...extra,
  }) as unknown as SessionAgent;
const record = (status: SessionRecord["status"] = "idle") =>
  ({ id: "sesn_1", agent: agent(1), status, updatedAt: 0 }) as unknown as SessionRecord;

describe("PendingAgent", () => {
  it("hands a newer version to the next turn once, without a restart when only the model changes", () =>
    withObjectStorage((storage) => {
      const pending = new PendingAgent(storage.kv);
      const r = record();
      expect(pending.offer(r, agent(2), false)).toBe(true);
      expect(r.agent.version).toBe(1); // a running turn keeps its version
      expect(pending.takeInto(r, 1234)).toEqual({ restartRuntime: false });
      expect(r).toMatchObject({ agent: { version: 2 }, updatedAt: 1234 });
      expect(pending.takeInto(r, 5678)).toBeNull();
    }));

  it("restarts the runtime for a runtime change, and for new tools or MCP servers", () =>
    withObjectStorage((storage) => {
      const pending = new PendingAgent(storage.kv);
      const r = record();
      pending.offer(r, agent(1), true);
      pending.offer(r, agent(2), false); // a later offer keeps the earlier restart
      expect(pending.takeInto(r, 1)).toEqual({ restartRuntime: true });
      pending.offer(
        r,
        agent(3, { mcp_servers: [{ type: "url", name: "docs", url: "https://d" }] as never }),
        false,
      );
      expect(pending.takeInto(r, 2)).toEqual({ restartRuntime: true });
    }));

  it("ignores offers of another agent, of the version it runs, and to a terminated session", () =>
    withObjectStorage((storage) => {
      const pending = new PendingAgent(storage.kv);
      expect(pending.offer(record(), { ...agent(2), id: "agent_other" }, false)).toBe(false);
      expect(pending.offer(record(), agent(1), false)).toBe(false);
      expect(pending.offer(record("terminated"), agent(2), true)).toBe(false);
      expect(pending.takeInto(record(), 1)).toBeNull();
    }));
});
